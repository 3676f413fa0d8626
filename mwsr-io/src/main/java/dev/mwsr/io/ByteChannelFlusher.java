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
 * {@link WritableByteChannel}, looping until the channel took every byte, and releases the
 * channel on {@link #close()}. Close the buffer first (it delivers everything it accepted) and
 * the flusher after it; with try-with-resources, declare the flusher first:
 *
 * <pre>{@code
 * try (ByteChannelFlusher file = ByteChannelFlusher.toFile(path);
 *      ByteBatchBuffer out = new ByteBatchBuffer(1 << 16, file)) {
 *     out.write(bytes);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Like every flusher, {@link #accept} is called by one thread at a time (the
 * buffer sees to that); {@link #close()} is called once the buffer is closed. Writes to the
 * channel happen in the order of the calls, and a batch's bytes are all written (and, with
 * {@link Option#FSYNC}, forced to the device) before {@code accept} returns, so before the
 * buffer's {@code flush()} returns.
 *
 * <p><b>Errors</b> are never swallowed: an I/O error is thrown from {@code accept} as an
 * {@link UncheckedIOException} whose message names the file (or the channel), so it reaches the
 * buffer's failure path, which keeps the undelivered bytes. A file ({@link #toFile}) keeps no part
 * of a failed batch: what of it was written is cut back off, as long as the file still ends where
 * this flusher's writes left it. If another process appended meanwhile, its bytes are kept and
 * {@link PartialFlushException} says how many bytes of the batch stayed in the file; a channel
 * ({@link #to}) cannot be cut back, so a batch that failed after some of it was written throws
 * {@link PartialFlushException} with the bytes the channel took.
 *
 * <p><b>Interrupts.</b> An interrupt that reaches the thread inside {@code accept} closes a
 * {@link FileChannel}; a file is then reopened, the batch cut back and written again, once, and
 * the interrupt flag is left set. A channel given to {@link #to} cannot be reopened: the batch
 * fails (with the bytes it took as durable; a write the interrupt cut short may have delivered
 * more).
 */
public final class ByteChannelFlusher implements Consumer<ByteBuffer>, Closeable {
    /*
     * Implementation notes. A channel's write may take fewer bytes than remain (sockets,
     * non-blocking channels, pipes): accept() loops until the batch is empty, yielding when a
     * write took nothing so that a non-blocking channel is retried rather than spun on. The
     * batch's position is ours to move (the buffer resets it for every call). `closed` is
     * volatile so that a close() in one thread stops a later accept() in another with a clear
     * exception rather than a ClosedChannelException.
     */

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
    /** For a file: counted writes and the cut back; null for other channels. */
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
     * Opens {@code path} for writing, creating it if needed, appending to what is there unless
     * {@link Option#TRUNCATE} is given.
     *
     * @param path the file
     * @param options {@link Option#TRUNCATE} and/or {@link Option#FSYNC}; none for append, no fsync
     * @return a flusher that owns the file until {@link #close()}
     * @throws IOException if the file cannot be opened; the message names it
     * @throws NullPointerException if {@code path} or an option is null
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
     * Writes to {@code channel}, which this flusher then owns: {@link #close()} closes it. Error
     * messages name the channel by its {@code toString()}.
     *
     * @param channel a channel open for writing; blocking or not
     * @return a flusher writing to {@code channel}
     * @throws NullPointerException if {@code channel} is null
     */
    public static ByteChannelFlusher to(WritableByteChannel channel) {
        Objects.requireNonNull(channel, "channel");
        return new ByteChannelFlusher(channel, channel.toString(), false, null);
    }

    /**
     * Writes every remaining byte of {@code batch} to the channel (and forces it to the device if
     * asked), moving the batch's position to its limit.
     *
     * @param batch the bytes to write, from position to limit
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

    /** One attempt at a batch, and its undo (FileEnd explains both). */
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
     * Closes the file or channel. Idempotent.
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
