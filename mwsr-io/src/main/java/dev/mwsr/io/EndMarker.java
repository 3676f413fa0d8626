package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The side file {@code <file>.mmap-end} of an {@code mmap} flusher: it exists only while a flusher
 * has the file open and holds (8 bytes, big-endian) the file offset where the last batch that
 * returned normally ended. A clean close truncates the file to its data and then deletes the
 * marker, so a file without a marker ends where its data ends (trailing zero bytes are data); a
 * marker left behind means the writer died, and its value is where the data ends. No content is
 * guessed at.
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
     * fewer than 8 bytes (death while it was first created, before any window was mapped) counts
     * as none.
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

    /** What a writer that died left: the end of its last whole batch, or -1 if it closed cleanly. */
    static long recover(Path marker) throws IOException {
        if (!Files.exists(marker)) {
            return -1;
        }
        byte[] bytes = Files.readAllBytes(marker);
        return bytes.length < 8 ? -1 : ByteBuffer.wrap(bytes).getLong();
    }

    /** Creates (or takes over) the marker, holding {@code end}, and maps it. */
    static EndMarker create(Path marker, long end) throws IOException {
        FileChannel channel =
                FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer value = ByteBuffer.allocate(8).putLong(0, end);
            while (value.hasRemaining()) {
                channel.write(value, value.position());
            }
            return new EndMarker(marker, channel, Mapping.map(channel, 0, 8));
        } catch (IOException | RuntimeException e) {
            Io.closeQuietly(channel, e);
            throw e;
        }
    }

    /** Records that the data now ends at {@code end}; forced to the device if asked. */
    void store(long end, boolean force) {
        mapping.buffer().putLong(0, end);
        if (force) {
            mapping.force(0, 8);
        }
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
