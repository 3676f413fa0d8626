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
     * `end()` is the file offset of the next byte to write: window start + buffer position. When
     * an item does not fit in the rest of the window, the next window is mapped starting at
     * end() (FileChannel.map aligns to pages itself), max(bufferSize, requested) bytes long, and
     * the old one is released (Mapping explains how deterministically).
     *
     * No sparse mappings. Storing into a mapped page whose file block cannot be allocated (disk
     * full, quota) raises SIGBUS, which kills the JVM. So before a window is mapped, every byte
     * of it beyond the current file size is really written (zeros, positional writes from a
     * shared read-only zero buffer): the file system allocates the blocks then, and a full disk
     * is an ordinary IOException from write. When the disk cannot give a whole window, the
     * window is what it gave, if the item fits in that; a full window is tried again at the
     * next remap. (File systems that store zero blocks as holes defeat this; do not use mmap
     * there.) A file truncated by someone else under the mapping makes the JVM turn the SIGBUS
     * of the next store into an InternalError; that is reported as an I/O error naming the file.
     *
     * Failed batch: end() goes back to where the batch began. If that lies before the current
     * window (the batch crossed a remap), the window is dropped and the next item maps one at the
     * batch's start. The failed bytes stay in the mapping until overwritten; close truncates
     * them off, and after a crash the marker (below) excludes them.
     *
     * Close (the marker's meaning is on FileFlusher.mmap): release the window, truncate the file
     * to end() (no zero tail), force if asked, close, delete the marker; every step runs even if
     * an earlier one failed, and the marker is kept if the truncate failed.
     *
     * fsync: the dirty range of a window is forced before the window is released and at the end
     * of a batch, then FileChannel.force(true) covers the file size, then the marker is forced.
     * (FileChannel.force alone is not specified to cover stores through a mapping.)
     *
     * Interrupts: only the channel operations (allocating, mapping, force, truncate) can be
     * closed by an interrupt; the channel is reopened and the batch rewound and written again
     * (FileEnd.writeExactlyOnce).
     *
     * Rotation (Options.reopenOnRotation), checked before every batch: a stat of the path
     * (Rotation) and an fstat of the channel. Moved: the old file is finished as at close (the
     * window released, the file truncated to end(), forced if asked) and closed, the path opened
     * again (created if missing) and writing continues at its end; the marker (named after the
     * path) now describes the new file. Cut shorter than `allocated` (copytruncate): the window
     * is dropped unforced (its pages past the new end are gone; a store would be a SIGBUS) and
     * writing continues at min(end(), new size).
     */

    static final int DEFAULT_WINDOW = 32 * 1024 * 1024;
    private static final ByteBuffer ZEROS =
            ByteBuffer.allocateDirect(256 * 1024).asReadOnlyBuffer();
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    private FileChannel channel;
    private final int windowSize;
    private final MappedSink sink = new MappedSink();
    /**
     * Null for a file that is not a regular file, and after close (on the Java 21 paths the GC
     * unmaps the marker once nothing refers to it, even while the closed flusher is referenced).
     */
    private EndMarker marker;

    /** The current window, or null before the first item, after a rewind and after close. */
    private Mapping window;
    /** File offset of {@code window}'s byte 0. */
    private long windowStart;
    /** Buffer index in the current window from which bytes are not yet forced (fsync only). */
    private int dirtyFrom;
    /** Bytes of the file that are really allocated (written), the file's size. */
    private long allocated;
    /** Where the batch being written began. */
    private long batchStart;
    /** Null unless rotation is followed. */
    private final Rotation rotation;

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
    public void writeOnce(List<? extends T> batch) {
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

    /** Follows a rename-and-create or a copytruncate since the last batch (see the notes). */
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

    /** Writing goes on at {@code at} of a file of {@code size} allocated bytes. */
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

    /** An InternalError from a store is SIGBUS: the file was cut under the mapping, if it shrank. */
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

    /** Moves end() back to {@code to}, keeping the window only if it still covers that. */
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

    /** Releases the window; end() stays where it was. */
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

    /** Grows the file to {@code size} by writing zeros, so its blocks really exist. */
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
