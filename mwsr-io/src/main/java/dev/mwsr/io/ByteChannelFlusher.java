package dev.mwsr.io;

import dev.mwsr.PartialFlushException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileSystemException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A flusher for a {@link dev.mwsr.ByteBatchBuffer}: writes each batch to a file or any
 * {@link WritableByteChannel} and releases it on {@link #close()}. Close the buffer first, then the
 * flusher (declare the flusher first in try-with-resources):
 *
 * <pre>{@code
 * try (ByteChannelFlusher file = ByteChannelFlusher.toFile(path);
 *      ByteBatchBuffer out = new ByteBatchBuffer(1 << 16, file)) {
 *     out.write(bytes);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #accept} is called by one thread at a time; batches reach the channel
 * in call order, each whole (and with {@link Option#FSYNC} forced) before {@code accept} returns,
 * so before the buffer's {@code flush()} does. A channel that takes fewer bytes is written again
 * (yielding when it took none).
 *
 * <p><b>Errors</b> are thrown from {@code accept} as an {@link UncheckedIOException} naming the
 * file or channel, so the buffer keeps the undelivered bytes. A file ({@link #toFile}) keeps no part
 * of a failed batch, cut back as {@link FileFlusher} describes; if another writer appended meanwhile
 * its bytes are kept and {@link PartialFlushException} counts the batch's bytes left in the file. A
 * channel ({@link #to}) cannot be cut back: a batch that failed after some bytes were taken throws
 * {@link PartialFlushException} with that count.
 *
 * <p><b>Interrupts.</b> A file is reopened and the batch written again once, as
 * {@link FileFlusher} describes. A channel given to {@link #to} cannot be reopened: the batch fails
 * (the bytes it took counted durable; a write the interrupt cut short may have delivered more).
 */
public final class ByteChannelFlusher implements Consumer<ByteBuffer>, Closeable {
    // `closed` is volatile so a close() in one thread stops a later accept() in another with a
    // clear exception rather than a ClosedChannelException.

    /** Options of {@link #toFile(Path, Option...)}. */
    public enum Option {
        /** Empty the file when opening it, instead of appending (the default, as log appenders do). */
        TRUNCATE,
        /** Force every batch to the storage device before {@code accept} returns ({@code fsync}). */
        FSYNC
    }

    private final WritableByteChannel channel;
    private final String name;
    private final boolean fsync;
    // null for a channel that is not a file
    private final FileEnd file;

    private final Writes writes = new Writes();
    private volatile boolean closed;

    private ByteChannelFlusher(WritableByteChannel channel, String name, boolean fsync, Path path) {
        this.channel = channel;
        this.name = name;
        this.fsync = fsync;
        this.file = path == null
                ? null
                : new FileEnd(path, (FileChannel) channel, true, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    /**
     * Opens {@code path} for writing, created if needed, appending unless {@link Option#TRUNCATE}.
     *
     * @param path the file
     * @param options none for append without fsync
     * @return a flusher that owns the file until {@link #close()}
     * @throws IOException if the file cannot be opened; the message names it
     */
    public static ByteChannelFlusher toFile(Path path, Option... options) throws IOException {
        Objects.requireNonNull(path, "path");
        Set<Option> set = EnumSet.noneOf(Option.class);
        for (Option option : Objects.requireNonNull(options, "options")) {
            set.add(Objects.requireNonNull(option, "option"));
        }
        OpenOption mode =
                set.contains(Option.TRUNCATE) ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND;
        FileChannel file;
        try {
            file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
        } catch (FileSystemException e) {
            throw e; // names the file already
        } catch (IOException e) {
            throw new IOException("cannot open " + path + " for writing: " + e.getMessage(), e);
        }
        return new ByteChannelFlusher(file, path.toString(), set.contains(Option.FSYNC), path);
    }

    /**
     * Writes to {@code channel}, which {@link #close()} closes; messages name it by {@code toString()}.
     *
     * @param channel open for writing, blocking or not
     * @return the flusher
     */
    public static ByteChannelFlusher to(WritableByteChannel channel) {
        Objects.requireNonNull(channel, "channel");
        return new ByteChannelFlusher(channel, channel.toString(), false, null);
    }

    /**
     * Writes {@code batch} from position to limit, moving its position to the limit.
     *
     * @param batch the bytes
     * @throws UncheckedIOException if the channel throws; the message names the file or channel
     * @throws IllegalStateException if this flusher was closed
     */
    @Override
    public void accept(ByteBuffer batch) {
        if (closed) {
            throw new IllegalStateException("flusher for " + name + " is closed: close the buffer before its flusher");
        }
        writes.from = batch.position();
        FileEnd.writeExactlyOnce(batch, writes);
    }

    private final class Writes implements FileEnd.Attempt<ByteBuffer> {
        int from;
        long written;

        @Override
        public void writeOnce(ByteBuffer batch) {
            batch.position(from);
            if (file != null) {
                file.reset();
                FileChannel f = file.channel();
                try {
                    file.begin(f.size());
                    file.write(batch);
                    if (fsync) {
                        f.force(true);
                    }
                } catch (IOException e) {
                    throw failed(e);
                } catch (UncheckedIOException e) {
                    throw failed(e.getCause());
                }
                return;
            }
            written = 0;
            try {
                while (batch.hasRemaining()) {
                    int n = channel.write(batch);
                    written += n;
                    if (n == 0) {
                        Thread.yield();
                    }
                }
            } catch (IOException e) {
                throw failed(e);
            }
        }

        private UncheckedIOException failed(IOException e) {
            return new UncheckedIOException("writing to " + name + " failed: " + e.getMessage(), e);
        }

        @Override
        public RuntimeException undo(Throwable failure) {
            if (file != null) {
                return file.cutBack(failure);
            }
            return written == 0
                    ? null
                    : new PartialFlushException(
                            "writing to " + name + " failed after " + written + " bytes of the batch (" + failure
                                    + "); a channel cannot take them back",
                            (int) written,
                            failure);
        }
    }

    /**
     * Closes the file or channel; idempotent.
     *
     * @throws IOException if closing failed; the message names the file or channel
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            (file != null ? file.channel() : channel).close();
        } catch (IOException | UncheckedIOException e) {
            throw new IOException("closing " + name + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ByteChannelFlusher[" + name + (fsync ? ", fsync" : "") + (closed ? ", closed" : "") + "]";
    }
}
