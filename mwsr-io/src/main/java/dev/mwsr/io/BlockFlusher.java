package dev.mwsr.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

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
     * file, so a file that others append to is not overwritten) or TRUNCATE_EXISTING. A batch
     * begins by reading the file's size (FileEnd: where the batch starts, so that a failed batch
     * can be cut back); partial writes are looped in FileEnd.write. After a failed batch the
     * buffer is cleared, so a retried batch does not carry the failed one's unwritten bytes.
     *
     * Rotation (Options.reopenOnRotation): before the size is read, one stat of the path tells
     * whether it still names the open file (Rotation); if not, the channel is closed and the path
     * opened again for append (created if missing). A file now shorter than where the last batch
     * ended was cut (copytruncate): an APPEND channel writes at the new end by itself, a
     * truncating one is positioned there, and the torn-line check runs again at the new end.
     */

    static final int DEFAULT_BUFFER = 64 * 1024;

    final FileEnd end;
    final ChannelSink sink;
    /** Null unless rotation is followed. */
    private final Rotation rotation;
    /** Whether the channel positions every write at the end of the file (APPEND). */
    private boolean appending;
    /** Where the last batch left the end of the file (rotation only). */
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
    public final void writeOnce(List<? extends T> batch) {
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

    /** The path names another file (or none): closes the moved one, opens the path for append. */
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

    /** The file was cut to {@code size} (copytruncate): continue at its new end. */
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
