package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link FileFlusher#mmap}. */
final class MappedFlusher<T> extends AbstractFileFlusher<T> {
    /*
     * end() = windowStart + position. An item that does not fit maps the next window at end(),
     * max(bufferSize, requested) bytes. Before mapping, every byte past the file size is written
     * (zeros), so a full disk is an IOException, not a SIGBUS; file systems that store zero blocks
     * as holes defeat this. A short window is retried in full at the next remap.
     *
     * Failed batch: end() goes back to the batch's start (dropping the window if that lies before
     * it); the failed bytes stay in the mapping until overwritten, cut off by close, and excluded
     * by the marker after a crash. Only channel operations (allocate, map, force, truncate) can be
     * closed by an interrupt.
     *
     * fsync order: the window's dirty range (before release and at batch end), then
     * FileChannel.force(true) for the size, then the marker. FileChannel.force alone is not
     * specified to cover stores through a mapping.
     *
     * Close and rotation by rename: release, truncate to end(), force if asked, close; each step
     * runs even if an earlier one failed, and the marker is kept if the truncate failed. The marker
     * is named after the path, so after a rename it describes the new file. Copytruncate: the
     * window is dropped unforced (a store past the new end would be a SIGBUS); writing continues at
     * min(end(), new size).
     */

    static final int DEFAULT_WINDOW = 32 * 1024 * 1024;
    private static final ByteBuffer ZEROS =
            ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private FileChannel channel;
    private final int windowSize;
    private final MappedSink sink = new MappedSink();
    // Null for a non-regular file, and after close (so on Java 21 the GC can unmap the marker
    // while the closed flusher is still referenced).
    private EndMarker marker;

    private Mapping window; // null before the first item, after a rewind and after close
    private long windowStart;
    private int dirtyFrom; // first unforced index in the window (fsync only)
    private long allocated; // bytes really written: the file's size
    private long batchStart;
    private final Rotation rotation; // null unless rotation is followed

    MappedFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
        this.windowSize = options.bufferSizeOr(DEFAULT_WINDOW);
        this.rotation = options.reopenOnRotation() ? new Rotation(path) : null;
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
            long crashedAt = options.append() ? EndMarker.recover(EndMarker.of(path), allocated) : -1;
            this.windowStart = crashedAt >= 0 ? Math.min(crashedAt, allocated) : options.append() ? allocated : 0;
            checkTornLine(windowStart);
            // A device or pipe has no data to recover, and its directory is not ours to write in.
            this.marker = java.nio.file.Files.isRegularFile(path)
                    ? EndMarker.create(EndMarker.of(path), windowStart, allocated)
                    : null;
            if (rotation != null) {
                rotation.opened();
            }
        } catch (IOException | RuntimeException e) {
            Io.closeQuietly(channel, e);
            throw e instanceof IOException io ? Io.failed("open", path, io) : (RuntimeException) e;
        }
        sink.buffer = EMPTY;
    }

    @Override
    public void writeOnce(Batch<?> batch) {
        if (rotation != null) {
            followRotation();
        }
        batchStart = end();
        try {
            encodeAll(batch, sink);
        } catch (InternalError e) {
            throw truncatedUnderTheMapping(e);
        }
        if (fsync) {
            forceWindow();
            Io.force(channel, path);
        }
        if (marker != null) {
            marker.store(end(), fsync);
        }
    }

    @Override
    public RuntimeException undo(Throwable failure) {
        try {
            if (!channel.isOpen()) {
                channel = Io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            allocated = channel.size();
        } catch (IOException e) {
            throw Io.failed("reopen", path, e);
        }
        rewind(Math.min(batchStart, allocated));
        return null;
    }

    private void followRotation() {
        try {
            if (rotation.moved()) {
                FileChannel old = channel;
                long size = end();
                IOException failure = null;
                try {
                    if (fsync) {
                        forceWindow();
                    }
                    releaseWindow();
                    if (old.isOpen()) {
                        old.truncate(size);
                        if (fsync) {
                            old.force(true);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    failure =
                            new IOException("cannot finish the rotated file (truncate to " + size + " bytes): " + e, e);
                }
                FileChannel fresh =
                        Io.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel = fresh;
                rotation.opened();
                continueAt(fresh.size(), fresh.size());
                Io.close(old, path, failure);
                return;
            }
            long size = channel.size();
            if (size < allocated) {
                long at = Math.min(end(), size);
                Mapping cut = window;
                window = null;
                sink.buffer = EMPTY;
                if (cut != null) {
                    cut.release();
                }
                continueAt(at, size);
            }
        } catch (IOException e) {
            throw Io.failed("follow the rotation of", path, e);
        }
    }

    private void continueAt(long at, long size) throws IOException {
        allocated = size;
        windowStart = at;
        dirtyFrom = 0;
        batchStart = at;
        if (marker != null) {
            marker.reset(at, size);
        }
        newlineFirst = false;
        checkTornLine(at);
    }

    // An InternalError from a store is the JVM's SIGBUS: the file was cut under the mapping, if it shrank.
    private RuntimeException truncatedUnderTheMapping(InternalError e) {
        long size;
        try {
            size = channel.size();
        } catch (IOException unknown) {
            e.addSuppressed(unknown);
            throw e;
        }
        if (size >= windowStart + sink.buffer.capacity()) {
            throw e; // not a fault of this file
        }
        IOException cut = new IOException("the file was truncated to " + size
                + " bytes by someone else while it was mapped (write " + path + " with one flusher only)");
        cut.addSuppressed(e);
        return Io.failed("write", path, cut);
    }

    private void rewind(long to) {
        if (window != null
                && to >= windowStart
                && to - windowStart <= sink.buffer.capacity()
                && windowStart + sink.buffer.capacity() <= allocated) {
            sink.buffer.position((int) (to - windowStart));
            dirtyFrom = Math.min(dirtyFrom, sink.buffer.position());
            return;
        }
        releaseWindow();
        windowStart = to;
        dirtyFrom = 0;
    }

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

    private ByteBuffer remap(int bytes) {
        long start = end();
        int size = Math.max(windowSize, bytes);
        try {
            try {
                allocate(start + size);
            } catch (IOException full) {
                if (allocated - start < bytes) {
                    throw full;
                }
                size = (int) (allocated - start); // what the disk could give still holds the item
            }
            if (fsync) {
                forceWindow();
            }
            releaseWindow();
            window = Mapping.map(channel, start, size);
        } catch (IOException e) {
            throw Io.failed("map", path, e);
        }
        windowStart = start;
        dirtyFrom = 0;
        sink.buffer = window.buffer();
        return sink.buffer;
    }

    private void releaseWindow() {
        long at = end();
        Mapping old = window;
        window = null;
        sink.buffer = EMPTY;
        windowStart = at;
        if (old != null) {
            old.release();
        }
    }

    private void allocate(long size) throws IOException {
        if (size > allocated && marker != null) {
            marker.limit(size);
        }
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
            if (fsync) {
                forceWindow();
            }
            releaseWindow();
            if (!channel.isOpen()) {
                channel = Io.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            channel.truncate(size);
            if (fsync) {
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            failure = new IOException("cannot close " + path + " (truncate to " + size + " bytes): " + e, e);
        }
        try {
            if (marker != null) {
                EndMarker closing = marker;
                marker = null;
                closing.close(failure == null);
            }
        } catch (IOException e) {
            IOException named = new IOException("cannot remove " + EndMarker.of(path) + ": " + e, e);
            if (failure == null) {
                failure = named;
            } else {
                failure.addSuppressed(named);
            }
        }
        Io.close(channel, path, failure);
    }

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
