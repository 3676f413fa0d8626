package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Read-only little-endian views of one file's byte ranges: slices of a mapping
 * ({@link MappedWindows}, Java 22+) or heap copies ({@link HeapWindows}, Java 21), valid until
 * {@link #close()} (the mapped ones throw {@link IllegalStateException} after it).
 */
sealed interface Windows extends Closeable permits MappedWindows, HeapWindows {
    // Owns channel from now on, also if this throws.
    static Windows open(Path path, FileChannel channel, long size, boolean preferMapping) throws IOException {
        if (preferMapping && MappedWindows.AVAILABLE) {
            return MappedWindows.open(path, channel, size);
        }
        return new HeapWindows(path, channel);
    }

    ByteBuffer window(long offset, int length) throws IOException;

    int preferredWindow();

    @Override
    void close() throws IOException;
}
