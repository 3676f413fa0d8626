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
     * file is opened, so the open window is as short as possible. A failed write or close leaves
     * the bytes written so far in the file (append mode cannot take them back).
     */

    private final ChannelSink sink;

    AppendCloseFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        this.sink = new ChannelSink(path, options.bufferSizeOr(BlockFlusher.DEFAULT_BUFFER), true);
        FileChannel created = Io.open(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                options.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        Io.closeUnchecked(created, path);
    }

    @Override
    void writeBatch(List<? extends T> batch) {
        try {
            encodeAll(batch, sink);
        } catch (RuntimeException | Error e) {
            sink.discard();
            throw e;
        }
        FileChannel channel =
                Io.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        try {
            sink.channel = channel;
            sink.drain();
            if (fsync) {
                Io.force(channel, path);
            }
        } catch (RuntimeException | Error e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        } finally {
            sink.channel = null;
            sink.discard();
        }
        Io.closeUnchecked(channel, path);
    }

    @Override
    void release() {
        // Nothing is held open between batches.
    }
}
