package dev.mwsr.io;

import java.nio.ByteBuffer;

/**
 * A sink over a direct buffer that is written to a file through its {@link FileEnd}: when full
 * it is written out ({@code grow == false}) or replaced by one twice as large
 * ({@code grow == true}, the one-write-per-batch mode of {@code appendClose}). A request larger
 * than the buffer always gets a larger buffer, which is kept for later items.
 */
final class ChannelSink extends ByteSink {
    private final boolean grow;
    /** Where {@link #drain()} writes, counting the batch's bytes. */
    private final FileEnd end;

    ChannelSink(FileEnd end, int capacity, boolean grow) {
        super(end.path);
        this.end = end;
        this.grow = grow;
        this.buffer = ByteBuffer.allocateDirect(capacity);
    }

    /** Bytes of the current batch so far: written out plus buffered. */
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

    /** Writes out everything buffered, looping over partial writes. */
    void drain() {
        ByteBuffer b = buffer.flip();
        try {
            end.write(b);
        } finally {
            b.clear();
        }
    }

    /** Forgets what is buffered (after a failed batch, so a retry does not write it twice). */
    void discard() {
        buffer.clear();
    }
}
