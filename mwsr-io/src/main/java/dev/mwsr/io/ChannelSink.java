package dev.mwsr.io;

import java.nio.ByteBuffer;

/**
 * A direct buffer written out through a {@link FileEnd} when full, or (grow, for
 * {@code appendClose}) doubled instead. A request larger than the buffer gets a larger one, kept.
 */
final class ChannelSink extends ByteSink {
    private final boolean grow;
    private final FileEnd end;

    ChannelSink(FileEnd end, int capacity, boolean grow) {
        super(end.path);
        this.end = end;
        this.grow = grow;
        this.buffer = ByteBuffer.allocateDirect(capacity);
    }

    long batchBytes() {
        return end.written() + buffer.position();
    }

    @Override
    ByteBuffer makeRoom(int bytes) {
        if (!grow) {
            drain();
            if (buffer.remaining() >= bytes) {
                return buffer;
            }
        }
        long wanted = Math.max((long) buffer.position() + bytes, 2L * buffer.capacity());
        if (wanted > Integer.MAX_VALUE - 8) {
            wanted = (long) buffer.position() + bytes;
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException(path + ": a batch or item over 2 GiB does not fit"
                        + " in one buffer; use smaller batches or the block flusher");
            }
        }
        ByteBuffer larger = ByteBuffer.allocateDirect((int) wanted);
        larger.put(buffer.flip());
        buffer = larger;
        return larger;
    }

    void drain() {
        ByteBuffer b = buffer.flip();
        try {
            end.write(b);
        } finally {
            b.clear();
        }
    }

    // After a failed batch, so a retry does not write it twice.
    void discard() {
        buffer.clear();
    }
}
