package dev.mwsr;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The sources a {@link ByteBatchBuffer} write copies from, passed around as one {@code Object}
 * so that every write takes the same path without allocating: a {@code byte[]} (read from an
 * offset), a {@link ByteBuffer} or a {@code ByteBuffer[]} group (read from their positions), or a
 * {@link Byte} (one byte; {@code Byte.valueOf} never allocates). Static helpers only.
 */
final class ByteSources {
    /** The largest group one flusher call can hold: the largest array most JVMs allocate. */
    static final int MAX_GROUP = Integer.MAX_VALUE - 8;

    private ByteSources() {}

    /** Copies {@code n} bytes of {@code src} into {@code dst} at {@code at}, moving no position. */
    static void copy(Object src, int off, int n, ByteBuffer dst, int at) {
        if (src instanceof byte[] array) {
            dst.put(at, array, off, n);
        } else if (src instanceof ByteBuffer buffer) {
            dst.put(at, buffer, buffer.position(), n);
        } else if (src instanceof Byte one) {
            dst.put(at, one.byteValue());
        } else {
            int to = at;
            for (ByteBuffer buffer : (ByteBuffer[]) src) {
                int r = buffer.remaining();
                dst.put(to, buffer, buffer.position(), r);
                to += r;
            }
        }
    }

    static void consumed(Object src, int n) {
        if (src instanceof ByteBuffer buffer) {
            buffer.position(buffer.position() + n);
        } else if (src instanceof ByteBuffer[] group) {
            for (ByteBuffer buffer : group) {
                buffer.position(buffer.limit());
            }
        }
    }

    /**
     * The bytes of an oversized write as one read-only buffer, position 0 and limit {@code n}: a
     * view of the caller's array or buffer (no copy), or a heap copy of a group (one flusher call
     * needs them contiguous).
     */
    static ByteBuffer oversized(Object src, int off, int n) {
        if (src instanceof byte[] array) {
            return ByteBuffer.wrap(array, off, n).slice().asReadOnlyBuffer();
        }
        if (src instanceof ByteBuffer buffer) {
            return buffer.slice(buffer.position(), n).asReadOnlyBuffer();
        }
        ByteBuffer all = ByteBuffer.allocate(n);
        copy(src, off, n, all, 0);
        return all.asReadOnlyBuffer();
    }

    static ByteBuffer copyOf(ByteBuffer src, int from, int n) {
        return ByteBuffer.allocate(n).put(0, src, from, n);
    }

    /**
     * Null checks first, so a bad group writes nothing. Not copied before the claim: a
     * {@code ByteBuffer} cannot be subclassed outside the JDK, so its reads cannot throw or change
     * under this thread; only a data race the javadoc forbids could change these counts.
     */
    static int remaining(ByteBuffer[] group) {
        Objects.requireNonNull(group, "srcs");
        long total = 0;
        for (ByteBuffer buffer : group) {
            total += Objects.requireNonNull(buffer, "writeV: null buffer; nothing was written")
                    .remaining();
        }
        if (total > MAX_GROUP) {
            throw new IllegalArgumentException("writeV: " + total + " bytes do not fit in one flusher call (at most "
                    + MAX_GROUP + "); split the group");
        }
        return (int) total;
    }
}
