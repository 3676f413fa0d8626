package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * What every text-capable file flusher shares: the path, the encoder, the closed check, the loop
 * over a batch, exactly-once writing ({@link FileEnd}) and the line break that starts the first
 * batch after a torn last line. Subclasses write one batch and release their file.
 *
 * @param <T> the item type
 */
abstract class AbstractFileFlusher<T> implements FileFlusher<T>, FileEnd.Attempt<List<? extends T>> {
    /*
     * Implementation notes.
     *
     * The buffer calls accept one thread at a time with happens-before between calls, so the
     * state of subclasses is plain fields. `closed` is volatile only so that an accept after
     * close in another thread reliably throws IllegalStateException; close() itself is not safe
     * against a concurrent accept (documented: close the buffer first).
     *
     * Torn last line (FileFlusher, "Reopening for append"): the text encoder is recognised by
     * identity, and the '\n' put before the first item belongs to the batch, so a failed batch
     * takes it back with itself.
     */

    final Path path;
    final Encoder<? super T> encoder;
    final boolean fsync;
    /** Whether items are text lines (the built-in encoder), so a torn last line can be repaired. */
    final boolean lines;
    /** Whether the next batch starts with '\n' because the file ends inside a line. */
    boolean newlineFirst;

    private volatile boolean closed;

    AbstractFileFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        this.path = Objects.requireNonNull(path, "path");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.fsync = Objects.requireNonNull(options, "options").fsync();
        this.lines = encoder == ByteSink.UTF8_LINES;
    }

    @Override
    public final Path path() {
        return path;
    }

    @Override
    public final void accept(List<? extends T> batch) {
        Objects.requireNonNull(batch, "batch");
        if (closed) {
            throw new IllegalStateException(
                    "flusher for " + path + " is closed; close the buffer" + " before its flusher");
        }
        FileEnd.writeExactlyOnce(batch, this);
        newlineFirst = false;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + (closed ? ", closed]" : "]");
    }

    /** Encodes every item of the batch, in order, into {@code sink}, calling afterItem after each. */
    final void encodeAll(List<? extends T> batch, Encoder.Sink sink) {
        if (newlineFirst) {
            sink.reserve(1).put((byte) '\n');
        }
        for (int i = 0, n = batch.size(); i < n; i++) {
            encoder.encode(Objects.requireNonNull(batch.get(i), "null item in batch"), sink);
            afterItem();
        }
    }

    /** Called after each item is encoded. */
    void afterItem() {}

    /**
     * Whether a text file opened for append ends inside a line: its byte before {@code end} is not
     * '\n'. Sets {@link #newlineFirst}.
     */
    final void checkTornLine(long end) throws IOException {
        if (!lines || end == 0) {
            return;
        }
        ByteBuffer last = ByteBuffer.allocate(1);
        try (FileChannel read = FileChannel.open(path, StandardOpenOption.READ)) {
            while (last.hasRemaining() && read.read(last, end - 1) >= 0) {
                // a read of one byte inside the file returns it
            }
        }
        newlineFirst = last.get(0) != '\n';
    }

    /** The undo of the channel flushers: forget the buffered bytes, cut the batch back. */
    final RuntimeException cutBack(FileEnd end, ChannelSink sink, Throwable failure) {
        sink.discard();
        RuntimeException partial = end.cutBack(failure);
        if (partial != null && lines && end.torn()) {
            newlineFirst = true; // the file now ends inside one of our lines
        }
        return partial;
    }

    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        release();
    }

    /** Releases the file; called once. Must release everything even when it throws. */
    abstract void release() throws IOException;
}
