package dev.mwsr;

import java.nio.ByteBuffer;

/**
 * One half of a {@link ByteBatchBuffer}: the fixed region writers copy into, and the read-only
 * view the flusher gets. One view per half, made once, not one per batch.
 *
 * <p>Writers copy into {@link #region} only with absolute bulk puts, which read the buffer's
 * fields but never change them (its position stays 0 and its limit its capacity), so writers
 * holding disjoint ranges may copy at the same time. The view's position and limit belong to the
 * thread that holds the buffer's flushLock.
 */
final class ByteHalf {
    final ByteBuffer region;
    private final ByteBuffer view;

    ByteHalf(int capacity, boolean direct) {
        this.region = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
        this.view = region.asReadOnlyBuffer();
    }

    /** The half of an oversized write: {@code bytes} (read-only, position 0) delivered alone. */
    ByteHalf(ByteBuffer bytes) {
        this.region = bytes;
        this.view = bytes.duplicate();
    }

    /** The view over exactly the first {@code size} bytes, position 0, whatever the last flusher did to it. */
    ByteBuffer open(int size) {
        return view.clear().limit(size);
    }
}
