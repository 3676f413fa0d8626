package dev.mwsr;

import java.io.OutputStream;
import java.util.Objects;

/**
 * The {@link OutputStream} face of a {@link ByteBatchBuffer}; see
 * {@link ByteBatchBuffer#asOutputStream()}. Stateless, so as thread-safe as the buffer.
 */
final class ByteBatchOutputStream extends OutputStream {
    private final ByteBatchBuffer buffer;

    ByteBatchOutputStream(ByteBatchBuffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public void write(int b) {
        buffer.writeByte(b);
    }

    @Override
    public void write(byte[] b) {
        buffer.write(Objects.requireNonNull(b, "b"));
    }

    @Override
    public void write(byte[] b, int off, int len) {
        buffer.write(b, off, len);
    }

    @Override
    public void flush() {
        buffer.flush();
    }

    @Override
    public void close() {
        buffer.close();
    }

    @Override
    public String toString() {
        return "OutputStream of " + buffer;
    }
}
