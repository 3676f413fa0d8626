package dev.mwsr;

import java.nio.ByteBuffer;

/**
 * One half of a {@link ByteBatchBuffer}: the region writers copy into and the flusher's read-only
 * view of it (made once per half). Writers use only absolute bulk puts, which never change the
 * region's fields, so writers holding disjoint ranges copy at the same time. The view's position
 * and limit belong to the flushLock holder.
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
