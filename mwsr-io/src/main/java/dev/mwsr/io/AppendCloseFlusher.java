package dev.mwsr.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link FileFlusher#appendClose}.
 *
 * @param <T> the item type
 */
final class AppendCloseFlusher<T> extends AbstractFileFlusher<T> {
    // Opened and closed once at creation, so a bad path fails at the factory. The buffer doubles to
    // the largest batch seen and is reused; encoding happens before the open, keeping it short.

    private final FileEnd end;
    private final ChannelSink sink;

    AppendCloseFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        FileChannel created = Io.open(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                options.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        try {
            checkTornLine(created.size());
        } catch (IOException e) {
            Io.closeQuietly(created, e);
            throw Io.failed("open", path, e);
        }
        Io.closeUnchecked(created, path);
        this.end = new FileEnd(
                path, null, false, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.sink = new ChannelSink(end, options.bufferSizeOr(BlockFlusher.DEFAULT_BUFFER), true);
    }

    @Override
    public void writeOnce(Batch<?> batch) {
        end.reset();
        sink.discard();
        encodeAll(batch, sink);
        FileChannel channel = end.channel();
        try {
            end.begin(channel.size());
        } catch (IOException e) {
            throw Io.failed("write", path, e);
        }
        sink.drain();
        if (fsync) {
            Io.force(channel, path);
        }
        end.closeChannel();
    }

    @Override
    public RuntimeException undo(Throwable failure) {
        try {
            return cutBack(end, sink, failure);
        } finally {
            try {
                end.closeChannel();
            } catch (RuntimeException closing) {
                failure.addSuppressed(closing);
            }
        }
    }

    @Override
    void afterItem() {
        end.itemEnded(sink.batchBytes());
    }

    @Override
    void release() {}
}
