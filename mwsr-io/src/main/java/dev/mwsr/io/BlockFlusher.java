package dev.mwsr.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;

/**
 * {@link FileFlusher#block}: items are encoded into one direct buffer, written out when it is
 * full and at the end of every batch, so a batch costs about {@code bytes / bufferSize + 1}
 * write calls. {@link LineFlusher} writes after every item instead.
 *
 * @param <T> the item type
 */
class BlockFlusher<T> extends AbstractFileFlusher<T> {
    /*
     * Implementation notes.
     *
     * One FileChannel, opened with APPEND (the kernel positions every write at the end of the
     * file, so a file that others append to is not overwritten) or TRUNCATE_EXISTING. Partial
     * writes are looped in ChannelSink.writeFully. After a failed batch the buffer is cleared,
     * so a retried batch does not carry the failed one's unwritten bytes.
     */

    static final int DEFAULT_BUFFER = 64 * 1024;

    private final FileChannel channel;
    final ChannelSink sink;

    BlockFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        this.sink = new ChannelSink(path, options.bufferSizeOr(DEFAULT_BUFFER), false);
        this.channel = Io.open(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                options.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        sink.channel = channel;
    }

    @Override
    final void writeBatch(List<? extends T> batch) {
        try {
            for (int i = 0, n = batch.size(); i < n; i++) {
                encoder.encode(Objects.requireNonNull(batch.get(i), "null item in batch"), sink);
                afterItem();
            }
            sink.drain();
            if (fsync) {
                Io.force(channel, path);
            }
        } catch (RuntimeException | Error e) {
            sink.discard();
            throw e;
        }
    }

    /** Called after each item is encoded; the line flusher writes it out here. */
    void afterItem() {}

    @Override
    final void release() throws IOException {
        IOException failure = null;
        if (fsync) {
            try {
                channel.force(true);
            } catch (IOException e) {
                failure = new IOException("cannot fsync " + path + ": " + e, e);
            }
        }
        Io.close(channel, path, failure);
    }
}
