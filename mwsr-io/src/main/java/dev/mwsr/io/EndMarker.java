package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The side file {@code <file>.mmap-end} of {@link FileFlusher#mmap(Path)}: two big-endian longs,
 * where the last batch that returned ended, and the largest size the flusher may have given the
 * file.
 */
final class EndMarker {
    /*
     * Stored through a one-page shared mapping: one 8-byte store per batch, no system call, in the
     * page cache at once, so it survives kill -9 like the data. With fsync the data is forced
     * before the marker, so it never claims bytes not on the device. Written in place, never
     * truncated: a crash mid-rewrite leaves the old or new value, both batch ends. Under 16 bytes
     * (death while creating it) counts as none.
     *
     * Stale marker: another flusher may append to a crashed file without knowing the marker. The
     * marker records, before every allocation, the size the file may grow to; a larger file at
     * recovery was written by someone else, so the marker is ignored (the file is taken whole)
     * rather than trusted to cut their bytes.
     */

    private final Path path;
    private final FileChannel channel;
    private final Mapping mapping;

    private EndMarker(Path path, FileChannel channel, Mapping mapping) {
        this.path = path;
        this.channel = channel;
        this.mapping = mapping;
    }

    static Path of(Path file) {
        return file.resolveSibling(file.getFileName() + ".mmap-end");
    }

    // The end of a dead writer's last whole batch; -1 after a clean close or for a stale marker.
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

    void store(long end, boolean force) {
        mapping.buffer().putLong(0, end);
        if (force) {
            mapping.force(0, 16);
        }
    }

    // After a rotation: another file under the same path.
    void reset(long end, long limit) {
        mapping.buffer().putLong(8, limit).putLong(0, end);
    }

    void limit(long size) {
        mapping.buffer().putLong(8, size);
    }

    void close(boolean clean) throws IOException {
        mapping.release();
        channel.close();
        if (clean) {
            Files.deleteIfExists(path);
        }
    }
}
