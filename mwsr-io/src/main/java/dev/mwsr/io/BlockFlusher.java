package dev.mwsr.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link FileFlusher#block}: about {@code bytes / bufferSize + 1} writes per batch.
 *
 * @param <T> the item type
 */
class BlockFlusher<T> extends AbstractFileFlusher<T> {
    /*
     * APPEND makes the kernel write at the end, so others' appends are not overwritten. A batch
     * starts by reading the size (where a failed batch is cut back to); a failed batch clears the
     * buffer so a retry does not carry its unwritten bytes. With rotation, a stat before that: a
     * moved file is closed and the path reopened for append; a file shorter than the last batch's
     * end was cut, so a truncating channel is positioned at the new end (APPEND goes there by
     * itself) and the torn-line check runs again.
     */

    static final int DEFAULT_BUFFER = 64 * 1024;

    final FileEnd end;
    final ChannelSink sink;
    private final Rotation rotation;
    private boolean appending;
    private long expectedEnd;

    BlockFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        FileChannel channel = Io.open(
                path,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                options.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        this.end = new FileEnd(path, channel, false, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.sink = new ChannelSink(end, options.bufferSizeOr(DEFAULT_BUFFER), false);
        this.appending = options.append();
        this.rotation = options.reopenOnRotation() ? new Rotation(path) : null;
        try {
            expectedEnd = channel.size();
            checkTornLine(expectedEnd);
            if (rotation != null) {
                rotation.opened();
            }
        } catch (IOException e) {
            Io.closeQuietly(channel, e);
            throw Io.failed("open", path, e);
        }
    }

    @Override
    public final void writeOnce(Batch<?> batch) {
        end.reset();
        FileChannel channel;
        long size;
        try {
            channel = rotation != null && rotation.moved() ? reopenRotated() : end.channel();
            size = channel.size();
            if (rotation != null && size < expectedEnd) {
                followTruncation(channel, size);
            }
            end.begin(size);
        } catch (IOException e) {
            throw Io.failed("write", path, e);
        }
        encodeAll(batch, sink);
        sink.drain();
        if (fsync) {
            Io.force(channel, path);
        }
        expectedEnd = size + end.written();
    }

    private FileChannel reopenRotated() throws IOException {
        FileChannel channel =
                end.reopen(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        appending = true;
        rotation.opened();
        expectedEnd = channel.size();
        newlineFirst = false;
        checkTornLine(expectedEnd);
        return channel;
    }

    private void followTruncation(FileChannel channel, long size) throws IOException {
        if (!appending) {
            channel.position(size);
        }
        expectedEnd = size;
        newlineFirst = false;
        checkTornLine(size);
    }

    @Override
    public final RuntimeException undo(Throwable failure) {
        return cutBack(end, sink, failure);
    }

    @Override
    void afterItem() {
        end.itemEnded(sink.batchBytes());
    }

    @Override
    final void release() throws IOException {
        FileChannel channel = end.channel();
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
