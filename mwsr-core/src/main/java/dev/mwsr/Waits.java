package dev.mwsr;

import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The waits of the double-buffered buffers ({@link Buffer}, {@link ByteBatchBuffer}): a
 * {@link StampedLock} whose read lock writers share and whose write lock cuts a half, and a
 * {@code flushLock} held for each flusher call. An interrupted wait becomes the documented
 * {@link CancellationException} (interrupt flag restored, nothing written); a lock that is free is
 * taken without regard to the flag, so only a real wait is interruptible. A wait the
 * flusher's own thread would make on itself becomes an {@link IllegalStateException}.
 */
final class Waits {
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

    /**
     * The write lock, to cut. Only a real wait is interruptible: a caller that brought an
     * interrupt flag in and finds the lock free goes on (an inline flush from an interrupted
     * thread delivers as usual, and the flusher call runs with the flag cleared).
     */
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

    /** Waits for the flush in progress: the "both halves full" wait. */
    static void flushLock(ReentrantLock flushLock) {
        if (flushLock.tryLock()) {
            return; // no flush in progress: no wait, so an interrupt flag does not matter
        }
        try {
            flushLock.lockInterruptibly();
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
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
}
