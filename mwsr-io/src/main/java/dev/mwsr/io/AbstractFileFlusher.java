package dev.mwsr.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What every file flusher shares: the path, the encoder, the closed check, and the loop over a
 * batch. Subclasses write one batch and release their file.
 *
 * @param <T> the item type
 */
abstract class AbstractFileFlusher<T> implements FileFlusher<T> {
    /*
     * Implementation notes.
     *
     * The buffer calls accept one thread at a time with happens-before between calls, so the
     * state of subclasses is plain fields. `closed` is volatile only so that an accept after
     * close in another thread reliably throws IllegalStateException; close() itself is not safe
     * against a concurrent accept (documented: close the buffer first).
     */

    final Path path;
    final Encoder<? super T> encoder;
    final boolean fsync;
    private volatile boolean closed;

    AbstractFileFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        this.path = Objects.requireNonNull(path, "path");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.fsync = Objects.requireNonNull(options, "options").fsync();
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
        writeBatch(batch);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + (closed ? ", closed]" : "]");
    }

    /** Encodes every item of the batch, in order, into {@code sink}. */
    final void encodeAll(List<? extends T> batch, Encoder.Sink sink) {
        for (int i = 0, n = batch.size(); i < n; i++) {
            encoder.encode(Objects.requireNonNull(batch.get(i), "null item in batch"), sink);
        }
    }

    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        release();
    }

    /** Writes one batch; I/O errors as {@link java.io.UncheckedIOException} naming the file. */
    abstract void writeBatch(List<? extends T> batch);

    /** Releases the file; called once. Must release everything even when it throws. */
    abstract void release() throws IOException;
}
