package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * What the encoder-based file flushers share: the closed check, the batch loop, exactly-once
 * writing ({@link FileEnd}) and the line break after a torn last line. A batch carries its item
 * encoder: {@link #accept} the flusher's, {@link TextFileFlusher} the one for prepared lines.
 *
 * @param <T> the item type
 */
abstract class AbstractFileFlusher<T> implements FileFlusher<T>, FileEnd.Attempt<AbstractFileFlusher.Batch<?>> {
    // Subclass state is plain fields: accept calls are serial with happens-before. `closed` is
    // volatile only so an accept after close in another thread reliably throws. The text encoder is
    // recognised by identity; the torn-line '\n' belongs to the batch, so a failed batch takes it back.

    final Path path;
    final Encoder<? super T> encoder;
    final boolean fsync;
    final boolean lines;
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

    /** One batch and how its items become bytes. */
    record Batch<I>(List<? extends I> items, Encoder<? super I> encoder) {
        int size() {
            return items.size();
        }

        void encode(int i, Encoder.Sink sink) {
            encoder.encode(Objects.requireNonNull(items.get(i), "null item in batch"), sink);
        }
    }

    @Override
    public final void accept(List<? extends T> batch) {
        write(batch, encoder);
    }

    final <I> void write(List<? extends I> batch, Encoder<? super I> itemEncoder) {
        Objects.requireNonNull(batch, "batch");
        if (closed) {
            throw new IllegalStateException(
                    "flusher for " + path + " is closed; close the buffer" + " before its flusher");
        }
        FileEnd.writeExactlyOnce(new Batch<I>(batch, itemEncoder), this);
        newlineFirst = false;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + path + (closed ? ", closed]" : "]");
    }

    final void encodeAll(Batch<?> batch, Encoder.Sink sink) {
        if (newlineFirst) {
            sink.reserve(1).put((byte) '\n');
        }
        for (int i = 0, n = batch.size(); i < n; i++) {
            batch.encode(i, sink);
            afterItem();
        }
    }

    void afterItem() {}

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

    // Called once; must release everything even when it throws.
    abstract void release() throws IOException;
}
