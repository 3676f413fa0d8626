package dev.mwsr;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The calls of the double-buffered engine that cut on demand rather than because a half is full:
 * {@code flush()}, {@code close()}, {@code close(Duration)}, the metrics snapshot, and the
 * exception of a failed buffer. {@link DoubleBuffer} holds the halves, the claims and the cut;
 * {@link Buffer} and {@link ByteBatchBuffer} extend this class and supply the payload.
 *
 * @param <H> a half
 * @param <B> the batch the flusher receives
 */
abstract class InlineControl<H, B> extends DoubleBuffer<H, B> {
    /*
     * Implementation notes (the claims, the cut and the lock order are DoubleBuffer's).
     *
     * flush() and close() take the write lock and then flushLock, as a swapping writer does, so
     * they wait for the batch in the flusher and cut what is there; close() sets CLOSED before it
     * takes the write lock (see DoubleBuffer's notes on `state`).
     *
     * close(Duration) (class GiveUp). Every wait for flushLock polls GiveUp.started every 20 ms,
     * so once the closing thread gives up, the threads that wait for the stuck flush while holding
     * the write lock let go of it (writers are refused, flush()/close() throw). The closing thread
     * then takes the write lock and collects `current` (undelivered) and the batch the flushing
     * thread holds (GiveUp.hold from the cut until delivered or parked, under its own small lock,
     * so it is copied before the flusher's thread clears it): in doubt. It publishes both, then
     * sets FAILED; failureException() of a buffer given up on needs no lock but waits for that
     * publication. An oversized write accepted behind the cut (GiveUp.holdNext, under both locks)
     * is collected too, undelivered and ahead of `current`: when its writer's turn comes,
     * GiveUp.takeNext sees `started` and the write is neither called nor parked (else it would be
     * in neither list).
     *
     * Counters (FlushStats) change only under flushLock and are volatile for metrics(). Writers
     * touch no counter: enqueued is derived (written + pending), not counted. The lag figure costs
     * one clock read per cut and one per flusher return (Delivery): a cut batch holds only units
     * written after the cut before its own, so that cut dates it, as an upper bound.
     */

    InlineControl(int capacity, Consumer<? super B> flusher, H first, H second) {
        super(capacity, flusher, first, second);
    }

    /** flush(): cuts what is there and delivers it, after the batch in the flusher (see notes). */
    final void flushAll() {
        Waits.checkNotInsideFlusher(flushLock, "flush");
        H cut = null;
        int cutSize = 0;
        boolean failed;
        boolean locked = false;
        long stamp = lock.writeLock();
        try {
            failed = failed();
            if (!failed) {
                cutSize = filled();
                if (cutSize > 0 && (locked = giveUp.lockFlush(flushLock, false))) {
                    cut = cutLocked(cutSize);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (failed || (cutSize > 0 && !locked)) {
            throw failureException();
        }
        // Nothing here; a batch cut earlier may still be in the flusher, and it holds flushLock.
        if (cut == null && !giveUp.lockFlush(flushLock, false)) {
            throw failureException();
        }
        deliverAndUnlock(cut, cutSize);
        if (failed()) {
            // The flush in progress when we arrived failed: we observed it, so we report it.
            throw failureException();
        }
    }

    /** close(): refuses later writes, then delivers everything accepted (see notes). */
    final void closeAll() {
        Waits.checkNotInsideFlusher(flushLock, "close");
        // Refuse first, then wait: writers still waiting for room see CLOSED when they get in.
        markClosed();
        boolean locked = false;
        long stamp = lock.writeLock();
        try {
            locked = giveUp.lockFlush(flushLock, false);
        } finally {
            if (!locked) {
                lock.unlockWrite(stamp);
            }
        }
        if (!locked) {
            throw failureException(); // close(Duration) gave up meanwhile
        }
        deliverRest(stamp);
    }

    /** close(Duration): as closeAll, giving up on a flush in progress by the deadline (see notes). */
    final long closeWithin(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Waits.checkNotInsideFlusher(flushLock, "close");
        if (giveUp.started()) {
            throw giveUp.exception();
        }
        markClosed();
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long stamp = GiveUp.writeLockUntil(lock, deadline);
        if (stamp != 0L && GiveUp.lockUntil(flushLock, deadline)) {
            deliverRest(stamp);
            return 0L;
        }
        // Give up: waiters for the stuck flush let go of the write lock, then collect under it.
        giveUp.start();
        if (stamp == 0L) {
            stamp = lock.writeLock();
        }
        try {
            int filled = takeCurrent();
            long lost = delivery.abandon(timeout, current(), filled);
            markFailed();
            return lost;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Cuts and delivers what {@code current} holds, then throws if the buffer is failed. Caller
     * holds the write lock (with {@code stamp}; released here) and flushLock (released here).
     */
    private void deliverRest(long stamp) {
        H cut = null;
        int cutSize;
        try {
            cutSize = filled();
            if (cutSize > 0) {
                cut = cutLocked(cutSize);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        deliverAndUnlock(cut, cutSize);
        if (failed()) {
            throw failureException();
        }
    }

    /** A snapshot of the counters, in units: estimates while writers run, exact when quiescent. */
    final Metrics snapshot() {
        FlushStats stats = delivery.stats();
        long done = stats.written();
        long pending = delivery.pending() + filled();
        return new Metrics(done + pending, done, 0L, pending, stats.batches(), stats.failures(), delivery.lagNanos());
    }

    /**
     * Builds the exception for a failed buffer, after parking what is left in {@code current},
     * so that the exception lists every unit accepted and not delivered. Caller holds no lock.
     */
    @Override
    final FlushFailedException failureException() {
        if (!giveUp.started()) {
            long stamp = lock.writeLock();
            try {
                if (giveUp.lockFlush(flushLock, false)) {
                    try {
                        int filled = takeCurrent();
                        if (filled > 0) {
                            delivery.park(current(), 0, filled);
                            recycle(current(), filled);
                        }
                        return delivery.failureException();
                    } finally {
                        flushLock.unlock();
                    }
                }
            } finally {
                lock.unlockWrite(stamp);
            }
        }
        return giveUp.exception(); // close(Duration) gave up: its report, once published
    }
}
