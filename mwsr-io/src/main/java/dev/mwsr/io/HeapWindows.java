package dev.mwsr.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Windows read into a fresh heap buffer each (one copy, never reused: valid while referenced). */
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
