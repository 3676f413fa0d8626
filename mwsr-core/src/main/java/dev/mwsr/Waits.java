package dev.mwsr;

import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The waits of the inline buffers ({@link InlineEngine}): the {@link StampedLock} whose read lock
 * writers share and whose write lock cuts a half, and the {@code flushLock} held for each flusher
 * call. Only a real wait is interruptible (a free lock is taken whatever the interrupt flag), and
 * an interrupted writer's wait becomes the documented {@link CancellationException}; a wait the
 * flusher's own thread would make on itself becomes an {@link IllegalStateException}.
 */
final class Waits {
    /** How often a wait for the flush lock looks whether close(Duration) has abandoned the flush. */
    static final long POLL_NANOS = 20_000_000L;

    private Waits() {}

    /** The read lock: the fast path, or a wait while a half is being cut or both halves are full. */
    static long readLock(StampedLock lock, ReentrantLock flushLock) {
        long stamp = lock.tryReadLock();
        if (stamp != 0L) {
            return stamp;
        }
        // A write-lock holder may be waiting for the flush this thread is running.
        checkNotInsideFlusher(flushLock, "write");
        try {
            return lock.readLockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    static long writeLock(StampedLock lock) {
        long stamp = lock.tryWriteLock();
        if (stamp != 0L) {
            return stamp;
        }
        try {
            return lock.writeLockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Stops waiting once close(Duration) abandoned; false then (not held). {@code interruptible}:
     * an interrupt ends the wait (a writer waiting for room), else it is kept (flush, close).
     */
    static boolean lockFlush(ReentrantLock flushLock, Abandon abandon, boolean interruptible) {
        if (flushLock.tryLock()) {
            return true;
        }
        boolean interrupted = false;
        try {
            for (; ; ) {
                if (abandon.started()) {
                    return false;
                }
                try {
                    if (flushLock.tryLock(POLL_NANOS, TimeUnit.NANOSECONDS)) {
                        return true;
                    }
                } catch (InterruptedException e) {
                    if (interruptible) {
                        throw interrupted(e);
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
        return until(deadline, nanos -> lock.tryWriteLock(nanos, TimeUnit.NANOSECONDS));
    }

    /** {@code flushLock} by {@code deadline}, ignoring interrupts (kept); false if not in time. */
    static boolean lockUntil(ReentrantLock flushLock, long deadline) {
        return until(deadline, nanos -> flushLock.tryLock(nanos, TimeUnit.NANOSECONDS));
    }

    static void checkNotInsideFlusher(ReentrantLock flushLock, String what) {
        if (flushLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("the flusher must not call " + what
                    + " on its own buffer when that has to wait for the flush in progress");
        }
    }

    static CancellationException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        CancellationException c =
                new CancellationException("interrupted while waiting for room in the buffer; nothing was written");
        c.initCause(e);
        return c;
    }

    private interface Attempt<R> {
        R tryFor(long nanos) throws InterruptedException;
    }

    /** Retries {@code attempt} with what is left until {@code deadline}; an interrupt is kept for later. */
    private static <R> R until(long deadline, Attempt<R> attempt) {
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    return attempt.tryFor(Math.max(0, deadline - System.nanoTime()));
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
