package dev.mwsr.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Windows read into fresh heap buffers with positional reads: one copy, no mapping. Used on Java
 * 21, where mapping a file with a deterministic unmap needs the (then preview) FFM API. A fresh
 * buffer per window, never reused, so buffers handed out stay valid as long as they are referenced.
 */
final class HeapWindows implements Windows {
    private static final int PREFERRED = 1 << 20;

    private final Path path;
    private final FileChannel channel;

    HeapWindows(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    @Override
    public ByteBuffer window(long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (channel.read(b, offset + b.position()) < 0) {
                throw new EOFException(path + ": file shrank while being read (expected " + length + " bytes at offset "
                        + offset + ")");
            }
        }
        return b.flip().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int preferredWindow() {
        return PREFERRED;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
