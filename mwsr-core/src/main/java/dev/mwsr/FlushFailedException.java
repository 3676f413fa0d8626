package dev.mwsr;

import java.io.Serial;
import java.util.List;

/**
 * Thrown when a buffer's flusher threw: by the call that ran or observed the failing flush, and
 * (fail-fast) by every later {@code write}, {@code writeV}, {@code flush} and {@code close} of that
 * buffer. The {@linkplain #getCause() cause} is always the flusher's original exception.
 *
 * <p>Nothing accepted is lost silently: {@link #undelivered()} holds, in delivery order, the items
 * of the batch whose flusher call threw followed by every item that was accepted but not yet
 * delivered when the buffer failed. The list is complete when the exception is thrown: a failed
 * buffer accepts no further items. Its element type is the buffer's {@code T} (exceptions cannot
 * be generic, so the caller casts); for a {@link ByteBatchBuffer} the elements are read-only
 * {@link java.nio.ByteBuffer} chunks whose concatenation is exactly the undelivered bytes.
 *
 * <p>A {@code write}/{@code writeV} that itself ran the failing flush had already accepted its own
 * items, so they are among {@link #undelivered()}; a call that finds the buffer already failed
 * accepts nothing.
 */
public final class FlushFailedException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient List<?> undelivered;

    FlushFailedException(String message, Throwable cause, List<?> undelivered) {
        super(message, cause);
        this.undelivered = List.copyOf(undelivered);
    }

    /**
     * The items accepted but not delivered, in the order the flusher would have seen them: the
     * failed batch first. Unmodifiable; empty after deserialization.
     *
     * @return the undelivered items
     */
    public List<?> undelivered() {
        return undelivered == null ? List.of() : undelivered;
    }
}
