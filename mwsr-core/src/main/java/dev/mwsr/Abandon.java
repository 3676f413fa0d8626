package dev.mwsr;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What an inline buffer's {@code close(Duration)} abandons: the batch the flushing thread holds
 * (from its cut until it is delivered or parked), an oversized write waiting behind it, and the
 * published report.
 *
 * <p>Abandoning takes three steps. {@link #start()}: every wait for the flush lock
 * ({@link Waits#lockFlush}) stops, so the threads waiting for the flush in progress while holding
 * the write lock let go of it. The closing thread then takes the write lock, collects what the
 * writers' half holds, and {@link #publish}es it with copies of the held batch and of the
 * oversized write ({@link #holdNext}); only then does it set FAILED. {@link #exception()} waits
 * for that publication.
 */
final class Abandon {
    private final ReentrantLock heldLock = new ReentrantLock();
    /**
     * Guarded by heldLock: the batch cut for the flusher and not yet delivered or parked: a
     * {@code List} of items, or a {@code ByteBuffer} whose first {@link #heldSize} bytes it is.
     */
    private Object held;

    private int heldSize;
    /**
     * Set under the write lock (holdNext), read and cleared under heldLock: an oversized write
     * accepted under the same flush-lock hold as the cut before it, and not yet handed to the
     * flusher; if close(Duration) abandons meanwhile, it is undelivered (accepted before anything
     * in the writers' half).
     */
    private Object next;

    private int nextSize;

    private volatile boolean started;
    private volatile Throwable cause;
    private volatile List<Object> undelivered = List.of();
    private volatile List<Object> inDoubt = List.of();

    /**
     * The flushing thread now owns the first {@code size} units of {@code batch} (a {@code List}, or
     * a {@code ByteBuffer} read with absolute reads only); called at the cut, under the flush lock.
     */
    void hold(Object batch, int size) {
        heldLock.lock();
        try {
            held = batch;
            heldSize = size;
        } finally {
            heldLock.unlock();
        }
    }

    /** The held batch was delivered or parked; before its storage is cleared. */
    void release() {
        hold(null, 0);
    }

    /**
     * An oversized write was accepted: it goes to the flusher after the held batch. Called under
     * the buffer's write lock, which the closing thread holds while it reads {@code next}, so this
     * write needs no heldLock (the write lock's release publishes it); {@link #takeNext}, which runs
     * without the write lock, does.
     */
    void holdNext(Object group, int size) {
        next = group;
        nextSize = size;
    }

    /**
     * The flushing thread hands the oversized write to the flusher: it becomes the held batch.
     *
     * @return false if close(Duration) has abandoned: the write stays where the closing thread
     *     reports it undelivered, and must not be called or parked
     */
    boolean takeNext() {
        heldLock.lock();
        try {
            if (started) {
                return false;
            }
            held = next;
            heldSize = nextSize;
            next = null;
            return true;
        } finally {
            heldLock.unlock();
        }
    }

    /** Items (or bytes) the flushing thread holds now. */
    int heldSize() {
        heldLock.lock();
        try {
            return held == null ? 0 : heldSize;
        } finally {
            heldLock.unlock();
        }
    }

    private static List<Object> copy(Object batch, int size) {
        if (batch instanceof java.nio.ByteBuffer bytes) {
            return List.of(ByteSources.copyOf(bytes, 0, size).asReadOnlyBuffer());
        }
        return batch == null ? List.of() : new ArrayList<>((List<?>) batch);
    }

    void start() {
        started = true;
    }

    /** Whether close(Duration) has abandoned (or is abandoning): no flusher call starts any more. */
    boolean started() {
        return started;
    }

    /**
     * Publishes the report: undelivered, the oversized write accepted and not handed
     * over (if any) and then {@code lost} (what the writers' half held); in doubt, copies of the
     * batch the flushing thread holds (it cannot clear it meanwhile).
     *
     * @return the units of that oversized write; 0 if none
     */
    int publish(Throwable why, List<Object> lost) {
        heldLock.lock();
        try {
            List<Object> all = new ArrayList<>(copy(next, nextSize));
            all.addAll(lost);
            undelivered = List.copyOf(all);
            inDoubt = List.copyOf(copy(held, heldSize));
            cause = why;
            return next == null ? 0 : nextSize;
        } finally {
            heldLock.unlock();
        }
    }

    /** The exception of an abandoned buffer; waits for the closing thread's publication (short). */
    FlushFailedException exception() {
        while (cause == null) {
            LockSupport.parkNanos(this, 100_000L);
        }
        return new FlushFailedException(
                "close(Duration) abandoned a flusher call that did not return, so the buffer failed and"
                        + " refuses further writes; undelivered() holds the " + undelivered.size()
                        + " items never handed to the flusher, inDoubt() the " + inDoubt.size()
                        + " items of the call still running",
                cause,
                undelivered,
                inDoubt);
    }
}
