package dev.mwsr;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * What {@link Buffer#close(java.time.Duration)} needs to give up on a flusher call that does not
 * return: the batch the flushing thread holds (from its cut until it is delivered or parked), the
 * waits for the flush lock that end when the closing thread gives up, and the published outcome.
 *
 * <p>Giving up happens in three steps. {@link #start()}: every wait for the flush lock made with
 * {@link #lockFlush} stops waiting (within {@link #POLL_NANOS}), so the threads waiting for the
 * flush in progress while holding the buffer's write lock let go of it. The closing thread then
 * takes the write lock, collects what the writers' half holds, copies the flushing thread's batch
 * ({@link #heldCopy()}), and {@link #publish}es; only then does it set the buffer's FAILED bit.
 * {@link #exception()} waits for that publication, which needs nothing but the write lock.
 */
final class GiveUp {
    /** How often a wait for the flush lock looks whether close(Duration) has given up. */
    static final long POLL_NANOS = 20_000_000L;

    private final ReentrantLock heldLock = new ReentrantLock();
    /**
     * Guarded by heldLock: the batch cut for the flusher and not yet delivered or parked: a
     * {@code List} of items, or a {@code ByteBuffer} whose first {@link #heldSize} bytes it is.
     */
    private Object held;

    private int heldSize;
    /**
     * Guarded by heldLock: an oversized write accepted under the same flush-lock hold as the cut
     * before it, and not yet handed to the flusher; if close(Duration) gives up meanwhile, it is
     * undelivered (accepted before anything in the writers' half).
     */
    private Object next;

    private int nextSize;

    private volatile boolean started;
    private volatile Throwable cause;
    private volatile List<Object> undelivered = List.of();
    private volatile List<Object> inDoubt = List.of();

    /** The flushing thread now owns {@code batch} (called at the cut, under the flush lock). */
    void hold(List<?> batch) {
        hold(batch, batch == null ? 0 : batch.size());
    }

    /** As {@link #hold(List)}, for the first {@code size} bytes of {@code region} (absolute reads only). */
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
        hold(null);
    }

    /** An oversized write was accepted: it goes to the flusher after the held batch. */
    void holdNext(Object group, int size) {
        heldLock.lock();
        try {
            next = group;
            nextSize = size;
        } finally {
            heldLock.unlock();
        }
    }

    /**
     * The flushing thread hands the oversized write to the flusher: it becomes the held batch.
     *
     * @return false if close(Duration) has given up: the write stays where the closing thread
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

    /** A copy of the batch the flushing thread holds (it cannot clear it meanwhile), or empty. */
    List<Object> heldCopy() {
        heldLock.lock();
        try {
            return copy(held, heldSize);
        } finally {
            heldLock.unlock();
        }
    }

    /** A copy of the oversized write accepted and not yet handed over, or empty (see next). */
    List<Object> nextCopy() {
        heldLock.lock();
        try {
            return copy(next, nextSize);
        } finally {
            heldLock.unlock();
        }
    }

    /** Units of the oversized write accepted and not yet handed over; 0 if none. */
    int nextSize() {
        heldLock.lock();
        try {
            return next == null ? 0 : nextSize;
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

    /** Items (or bytes) the flushing thread holds now. */
    int heldSize() {
        heldLock.lock();
        try {
            return held == null ? 0 : heldSize;
        } finally {
            heldLock.unlock();
        }
    }

    void start() {
        started = true;
    }

    /** Whether close(Duration) has given up (or is giving up): no flusher call starts any more. */
    boolean started() {
        return started;
    }

    void publish(Throwable why, List<Object> lost, List<Object> doubt) {
        undelivered = List.copyOf(lost);
        inDoubt = List.copyOf(doubt);
        cause = why;
    }

    boolean published() {
        return cause != null;
    }

    int undeliveredCount() {
        return undelivered.size() + inDoubt.size();
    }

    /** The exception of a buffer given up on; waits for the closing thread's publication (short). */
    FlushFailedException exception() {
        while (cause == null) {
            LockSupport.parkNanos(this, 100_000L);
        }
        return new FlushFailedException(
                "close(Duration) gave up on a flusher call that did not return, so the buffer failed and"
                        + " refuses further writes; undelivered() holds the " + undelivered.size()
                        + " items never handed to the flusher, inDoubt() the " + inDoubt.size()
                        + " items of the call still running",
                cause,
                undelivered,
                inDoubt);
    }

    /**
     * Takes {@code flushLock}, waiting for the flush in progress; stops waiting once close(Duration)
     * has given up.
     *
     * @param interruptible whether an interrupt ends the wait (a writer waiting for room: then
     *     {@link java.util.concurrent.CancellationException}) or is kept for later (flush, close)
     * @return true if the lock is held; false if given up on (the lock is not held)
     */
    boolean lockFlush(ReentrantLock flushLock, boolean interruptible) {
        if (flushLock.tryLock()) {
            return true; // no wait, so a caller's interrupt flag does not matter
        }
        boolean interrupted = false;
        try {
            for (; ; ) {
                if (started) {
                    return false;
                }
                try {
                    if (flushLock.tryLock(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    if (interruptible) {
                        throw Waits.interrupted(e);
                    }
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The write lock by {@code deadline} (nanoTime), ignoring interrupts (kept); 0 if not in time. */
    static long writeLockUntil(StampedLock lock, long deadline) {
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    return lock.tryWriteLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code flushLock} by {@code deadline}, ignoring interrupts (kept); false if not in time. */
    static boolean lockUntil(ReentrantLock flushLock, long deadline) {
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    return flushLock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
