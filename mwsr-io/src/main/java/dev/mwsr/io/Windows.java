package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Read-only, little-endian views of byte ranges of one file, for {@link RecordCursor}. Either
 * zero-copy slices of one mapping of the whole file ({@link MappedWindows}, Java 22+) or heap
 * copies read with positional reads ({@link HeapWindows}, Java 21). Buffers returned stay valid
 * until {@link #close()}; the mapped ones fail with {@link IllegalStateException} after it.
 */
sealed interface Windows extends Closeable permits MappedWindows, HeapWindows {
    /**
     * Opens windows over the first {@code size} bytes of the file behind {@code channel}, which
     * this object owns from now on (also if this method throws).
     */
    static Windows open(Path path, FileChannel channel, long size, boolean preferMapping) throws IOException {
        if (preferMapping && MappedWindows.AVAILABLE) {
            return MappedWindows.open(path, channel, size);
        }
        return new HeapWindows(path, channel);
    }

    /**
     * A read-only little-endian buffer holding bytes {@code [offset, offset + length)} of the
     * file at indexes {@code [0, length)}. The range lies within the size given to open.
     */
    ByteBuffer window(long offset, int length) throws IOException;

    /** How many bytes a window should cover when the records in it are small. */
    int preferredWindow();

    /** Releases the mapping or the file; idempotent. */
    @Override
    void close() throws IOException;
}
