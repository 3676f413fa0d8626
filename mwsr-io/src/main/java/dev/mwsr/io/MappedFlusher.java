package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@link FileFlusher#mmap}: items are encoded straight into a shared mapping of the file, one
 * window of {@code bufferSize} bytes (32 MiB by default) at a time.
 *
 * @param <T> the item type
 */
final class MappedFlusher<T> extends AbstractFileFlusher<T> {
    /*
     * Implementation notes.
     *
     * `end` is the file offset of the next byte to write: window start + buffer position. When
     * an item does not fit in the rest of the window, the next window is mapped starting at
     * `end` (FileChannel.map aligns to pages itself), max(bufferSize, requested) bytes long, and
     * the old one is released (Mapping explains how deterministically).
     *
     * No sparse mappings. Storing into a mapped page whose file block cannot be allocated (disk
     * full, quota) raises SIGBUS, which kills the JVM. So before a window is mapped, every byte
     * of it beyond the current file size is really written (zeros, positional writes from a
     * shared read-only zero buffer): the file system allocates the blocks then, and a full disk
     * is an ordinary IOException from write. Checking FileStore.getUsableSpace instead would be
     * a race with every other writer on the disk; fallocate is not reachable from Java without
     * native access. The cost is one extra copy of each window through the page cache, which
     * the later stores overwrite before write-back in the common case. (File systems that store
     * zero blocks as holes, e.g. with compression, defeat this; do not use mmap there.)
     *
     * Close: release the window, truncate the file to `end` (no zero tail), force if asked,
     * close the channel; every step runs even if an earlier one failed.
     *
     * Crash: the file is left at the size of the last allocated window, zero-filled after `end`.
     * Opening for append sets `end` to just past the last non-zero byte (scanning back in 64 KiB
     * reads), so writing continues where the data stopped; the zero tail is overwritten and cut
     * at the next close.
     *
     * fsync: the dirty range of a window is forced before the window is released and at the end
     * of a batch, then FileChannel.force(true) covers the file size. (FileChannel.force alone is
     * not specified to cover stores through a mapping.)
     */

    static final int DEFAULT_WINDOW = 32 * 1024 * 1024;
    private static final ByteBuffer ZEROS =
            ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();

    private final FileChannel channel;
    private final int windowSize;
    private final MappedSink sink = new MappedSink();

    /** The current window, or null before the first item and after close. */
    private Mapping window;
    /** File offset of {@code window}'s byte 0. */
    private long windowStart;
    /** Buffer index in the current window from which bytes are not yet forced (fsync only). */
    private int dirtyFrom;
    /** Bytes of the file that are really allocated (written), the file's size. */
    private long allocated;

    MappedFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        this.windowSize = options.bufferSizeOr(DEFAULT_WINDOW);
        this.channel = options.append()
                ? Io.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : Io.open(
                        path,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
        try {
            this.allocated = channel.size();
            this.windowStart = options.append() ? dataEnd(channel) : 0;
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException closing) {
                e.addSuppressed(closing);
            }
            throw Io.failed("open", path, e);
        }
        sink.buffer = ByteBuffer.allocate(0);
    }

    /** The offset just past the last non-zero byte of the file: where valid data ends. */
    static long dataEnd(FileChannel channel) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long end = channel.size();
        while (end > 0) {
            int n = (int) Math.min(chunk.capacity(), end);
            long from = end - n;
            chunk.clear().limit(n);
            while (chunk.hasRemaining()) {
                if (channel.read(chunk, from + chunk.position()) < 0) {
                    throw new IOException("file shrank while its end was searched");
                }
            }
            for (int i = n - 1; i >= 0; i--) {
                if (chunk.get(i) != 0) {
                    return from + i + 1;
                }
            }
            end = from;
        }
        return 0;
    }

    @Override
    void writeBatch(List<? extends T> batch) {
        long batchStart = end();
        try {
            encodeAll(batch, sink);
            if (fsync) {
                forceWindow();
                Io.force(channel, path);
            }
        } catch (RuntimeException | Error e) {
            // Forget the failed batch: the next one overwrites it (and close cuts it off).
            if (window != null && batchStart >= windowStart) {
                sink.buffer.position((int) (batchStart - windowStart));
            }
            throw e;
        }
    }

    /** File offset of the next byte to write. */
    private long end() {
        return windowStart + sink.buffer.position();
    }

    private void forceWindow() {
        if (window != null) {
            int to = sink.buffer.position();
            window.force(dirtyFrom, to - dirtyFrom);
            dirtyFrom = to;
        }
    }

    /** Maps a window of at least {@code bytes} at the current end, allocating it first. */
    private ByteBuffer remap(int bytes) {
        long start = end();
        int size = Math.max(windowSize, bytes);
        try {
            allocate(start + size);
            if (window != null) {
                if (fsync) {
                    forceWindow();
                }
                Mapping old = window;
                window = null;
                old.release();
            }
            window = Mapping.map(channel, start, size);
        } catch (IOException e) {
            throw Io.failed("map", path, e);
        }
        windowStart = start;
        dirtyFrom = 0;
        sink.buffer = window.buffer();
        return sink.buffer;
    }

    /** Grows the file to {@code size} by writing zeros, so its blocks really exist. */
    private void allocate(long size) throws IOException {
        ByteBuffer zeros = ZEROS.duplicate();
        while (allocated < size) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), size - allocated));
            while (zeros.hasRemaining()) {
                allocated += channel.write(zeros, allocated);
            }
        }
    }

    @Override
    void release() throws IOException {
        IOException failure = null;
        long size = end();
        try {
            if (window != null) {
                if (fsync) {
                    forceWindow();
                }
                Mapping old = window;
                window = null;
                old.release();
            }
            sink.buffer = ByteBuffer.allocate(0);
            channel.truncate(size);
            if (fsync) {
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            failure = new IOException("cannot close " + path + " (truncate to " + size + " bytes): " + e, e);
        }
        Io.close(channel, path, failure);
    }

    /** Makes room by mapping the next window. */
    private final class MappedSink extends ByteSink {
        MappedSink() {
            super(MappedFlusher.this.path);
        }

        @Override
        ByteBuffer makeRoom(int bytes) {
            return remap(bytes);
        }
    }
}
