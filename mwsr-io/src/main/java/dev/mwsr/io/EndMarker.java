package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The side file {@code <file>.mmap-end} of an {@code mmap} flusher (its promise is on
 * {@link FileFlusher#mmap(Path)}): two big-endian longs, the file offset where the last batch that
 * returned normally ended, and the largest size the flusher may have given the file.
 */
final class EndMarker {
    /*
     * Implementation notes.
     *
     * The value is stored through a shared mapping of the marker (one page), so a batch costs
     * one 8-byte store and no system call; stores to a shared mapping are in the page cache at
     * once, so they survive the death of the process (kill -9) like the data's stores do. With
     * fsync the data is forced first and the marker after it, so the marker never claims bytes
     * that are not on the device. The marker is written in place, never truncated: a crash while
     * it is being rewritten leaves the old or the new value, both of them batch ends. A marker of
     * fewer than 16 bytes (death while it was first created, before any window was mapped) counts
     * as none.
     *
     * Stale markers: another flusher (block, line) may append to a crashed file without knowing
     * the marker. Before every allocation the marker records the size the file may grow to; a
     * file larger than that at recovery was written by someone else after the crash, so the
     * marker is ignored (the file is taken whole, as after a clean close) rather than trusted
     * to cut their bytes.
     */

    private final Path path;
    private final FileChannel channel;
    private final Mapping mapping;

    private EndMarker(Path path, FileChannel channel, Mapping mapping) {
        this.path = path;
        this.channel = channel;
        this.mapping = mapping;
    }

    /** The marker of {@code file}. */
    static Path of(Path file) {
        return file.resolveSibling(file.getFileName() + ".mmap-end");
    }

    /**
     * What a writer that died left in a file now {@code size} bytes long: the end of its last
     * whole batch, or -1 if it closed cleanly or the marker is stale.
     */
    static long recover(Path marker, long size) throws IOException {
        if (!Files.exists(marker)) {
            return -1;
        }
        byte[] bytes = Files.readAllBytes(marker);
        if (bytes.length < 16) {
            return -1;
        }
        ByteBuffer values = ByteBuffer.wrap(bytes);
        long end = values.getLong(0);
        long limit = values.getLong(8);
        return size > limit ? -1 : Math.min(end, size);
    }

    /** Creates (or takes over) the marker, holding {@code end} and {@code limit}, and maps it. */
    static EndMarker create(Path marker, long end, long limit) throws IOException {
        FileChannel channel =
                FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer value = ByteBuffer.allocate(16).putLong(0, end).putLong(8, limit);
            while (value.hasRemaining()) {
                channel.write(value, value.position());
            }
            return new EndMarker(marker, channel, Mapping.map(channel, 0, 16));
        } catch (IOException | RuntimeException e) {
            Io.closeQuietly(channel, e);
            throw e;
        }
    }

    /** Records that the data now ends at {@code end}; forced to the device if asked. */
    void store(long end, boolean force) {
        mapping.buffer().putLong(0, end);
        if (force) {
            mapping.force(0, 16);
        }
    }

    /** Starts over for another file under the same path (after a rotation). */
    void reset(long end, long limit) {
        mapping.buffer().putLong(8, limit).putLong(0, end);
    }

    /** Records, before the file grows, the size it may grow to. */
    void limit(long size) {
        mapping.buffer().putLong(8, size);
    }

    /** Unmaps and closes the marker; deletes it if the file was closed cleanly. */
    void close(boolean clean) throws IOException {
        mapping.release();
        channel.close();
        if (clean) {
            Files.deleteIfExists(path);
        }
    }
}
