package dev.mwsr;

import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * What an {@link AsyncBuffer}'s drainer publishes to the threads that wait for it: how far
 * delivery has got (for {@code flush()}), the fail-fast failure, and the drainer's end. Written by
 * the drainer thread only; waiters park on a {@link Condition}, so virtual threads unmount.
 */
final class Progress {
    /*
     * A waiter increments `waiters` (volatile) under the lock before it evaluates its condition;
     * the drainer writes the published field (volatile) before it reads `waiters`. So either the
     * drainer sees the waiter and signals under the lock (which the waiter holds until it awaits),
     * or the waiter's evaluation sees the new value. No signal is paid for when nobody waits.
     */

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile int waiters;

    /** Every queue element below this index was delivered (the flusher returned) or dropped. */
    private volatile long delivered;

    private volatile boolean terminated;
    /** Fail-fast: set once, after {@link #undelivered} is complete. */
    private volatile Throwable failureCause;

    private volatile List<Object> undelivered = List.of();
    /** close(Duration) abandoned: the items of the flusher call that was still running. */
    private volatile List<Object> inDoubt = List.of();

    void delivered(long index) {
        delivered = index;
        if (waiters > 0) {
            signal();
        }
    }

    void failed(Throwable cause, List<Object> lost, List<Object> doubt) {
        undelivered = List.copyOf(lost);
        inDoubt = List.copyOf(doubt);
        failureCause = cause;
        signal();
    }

    void terminated() {
        terminated = true;
        signal();
    }

    /** Also wakes waiters whose condition the caller changed elsewhere (close(Duration) abandoning). */
    void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ignores interrupts (the flag stays set). */
    void await(BooleanSupplier done) {
        lock.lock();
        try {
            waiters++;
            try {
                while (!done.getAsBoolean() && !terminated) {
                    changed.awaitUninterruptibly();
                }
            } finally {
                waiters--;
            }
        } finally {
            lock.unlock();
        }
    }

    long delivered() {
        return delivered;
    }

    boolean isTerminated() {
        return terminated;
    }

    Throwable failureCause() {
        return failureCause;
    }

    List<Object> undelivered() {
        return undelivered;
    }

    List<Object> inDoubt() {
        return inDoubt;
    }
}
