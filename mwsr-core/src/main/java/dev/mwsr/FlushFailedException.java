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
 * be generic, so the caller casts): for an {@link AsyncBuffer} whose flusher is a
 * {@link PreparingFlusher} that writers prepared items for, their prepared forms; for a
 * {@link ByteBatchBuffer} the elements are read-only
 * {@link java.nio.ByteBuffer} chunks whose concatenation is exactly the undelivered bytes.
 *
 * <p>A {@link PartialFlushException}'s durable prefix is delivered and not listed.
 *
 * <p>When {@code close(Duration)} abandoned a flusher call that did not return in time (the cause
 * is then a {@link java.util.concurrent.TimeoutException}), the items of that call are listed
 * apart in {@link #inDoubt()}: the call may still complete, so they may or may not reach the sink.
 * {@link #undelivered()} then holds only items never handed to the flusher (or whose call had
 * already thrown).
 */
public final class FlushFailedException extends IllegalStateException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient List<?> undelivered;
    private final transient List<?> inDoubt;

    FlushFailedException(String message, Throwable cause, List<?> undelivered) {
        this(message, cause, undelivered, List.of());
    }

    FlushFailedException(String message, Throwable cause, List<?> undelivered, List<?> inDoubt) {
        super(message, cause);
        this.undelivered = List.copyOf(undelivered);
        this.inDoubt = List.copyOf(inDoubt);
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

    /**
     * The items of a flusher call that was still running when {@code close(Duration)} abandoned it: it
     * may yet return, so they may or may not have reached the sink. Empty for a flusher that threw.
     * Unmodifiable; empty after deserialization.
     *
     * @return the items in doubt
     */
    public List<?> inDoubt() {
        return inDoubt == null ? List.of() : inDoubt;
    }
}
