package dev.mwsr.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@link FileFlusher#appendClose}: per batch, encode everything into one buffer (grown as
 * needed), open the file in append mode, write the buffer in one write loop, optionally force it,
 * close. No file handle is held between batches.
 *
 * @param <T> the item type
 */
final class AppendCloseFlusher<T> extends AbstractFileFlusher<T> {
    /*
     * Implementation notes.
     *
     * The file is opened once at creation (CREATE, and TRUNCATE_EXISTING unless appending) and
     * closed again, so a bad path fails at the factory, not at the first batch. The buffer grows
     * by doubling to hold the largest batch seen and is reused; the encoding happens before the
     * file is opened, so the open window is as short as possible. A failed write, force or close
     * is cut back through FileEnd (which opens the file again for that).
     */

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
    public void writeOnce(List<? extends T> batch) {
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
    void release() {
        // Nothing is held open between batches.
    }
}
