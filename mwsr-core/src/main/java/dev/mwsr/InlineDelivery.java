package dev.mwsr;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The single-reader side of an {@link InlineEngine}: the flush lock, the spare half, the flusher
 * calls with their counters, and what was accepted but will not be delivered. Everything here
 * except the volatile counters is guarded by {@link #lock}, which the engine takes after its write
 * lock, never before.
 *
 * @param <H> the buffer's half type
 * @param <B> the batch the flusher receives
 */
final class InlineDelivery<H, B> {
    /** Held for every cut and every flusher call, so calls are one at a time and in cut order. */
    final ReentrantLock lock = new ReentrantLock();

    final Abandon abandon = new Abandon();

    private final Halves<H, B> halves;
    private final InlineState state;
    private final Consumer<? super B> flusher;
    /** The idle half; null from a cut until that half has been delivered. */
    private H spare;

    private final List<Object> undelivered = new ArrayList<>();
    // Written under lock, volatile for metrics(); writers touch none of them.
    private volatile long undeliveredCount;
    private final FlushStats stats = new FlushStats();

    private final Lag lag = new Lag();
    /** The writers' half holds only units written since. */
    private long lastCut = System.nanoTime();
    /** The cut batch waits since at most this: the cut before its own. */
    private long cutSince;

    private long aloneSince;

    InlineDelivery(Halves<H, B> halves, InlineState state, Consumer<? super B> flusher, H spare) {
        this.halves = halves;
        this.state = state;
        this.flusher = flusher;
        this.spare = spare;
    }

    /** Returns the spare for the writers. Caller holds the write lock and {@link #lock}. */
    H swap(H full, int size) {
        assert lock.isHeldByCurrentThread() && spare != null : "cut without flushLock or spare";
        abandon.hold(halves.held(full, size), size);
        long now = System.nanoTime(); // the one clock read of a cut; none per write
        cutSince = lastCut;
        lastCut = now;
        H next = spare;
        spare = null;
        return next;
    }

    /** Calls or parks; then {@code cut} is the spare again. False if the buffer is failed after. */
    boolean deliver(H cut, int size) {
        assert lock.isHeldByCurrentThread() : "deliver outside flushLock";
        try {
            return parkOrCall(cut, size, cutSince);
        } finally {
            halves.recycle(cut, size);
            spare = cut;
        }
    }

    void acceptAlone(H group, int size) {
        abandon.holdNext(halves.held(group, size), size);
        aloneSince = System.nanoTime();
    }

    /** Calls, parks, or leaves it to close(Duration)'s report if that abandoned meanwhile. */
    boolean deliverAlone(H group, int size) {
        assert lock.isHeldByCurrentThread() : "deliver outside flushLock";
        return abandon.takeNext() && parkOrCall(group, size, aloneSince);
    }

    private boolean parkOrCall(H half, int size, long since) {
        try {
            if (state.failed()) {
                park(half, 0, size);
                return false;
            }
            return call(half, size, since);
        } finally {
            abandon.release();
        }
    }

    /**
     * One flusher call, with this engine's whole failure route in its catch ladder: any throw
     * fails the buffer and parks what is not durable. A {@link VirtualMachineError} is rethrown as
     * itself to the caller that ran the flush, after parking, so the items stay reachable through
     * every later call's exception: wrapped in an {@code IllegalStateException} it could be
     * swallowed by a {@code catch (RuntimeException)}.
     */
    private boolean call(H half, int size, long since) {
        if (abandon.started()) {
            return false; // close(Duration) abandoned: no call starts; the batch is reported in doubt
        }
        B batch = halves.open(half, size);
        try {
            timedCall(batch, size, since);
            return true;
        } catch (PartialFlushException e) {
            return failed(half, size); // its durable prefix counts as written; the rest is parked
        } catch (VirtualMachineError e) {
            failed(half, size);
            throw e;
        } catch (Throwable t) {
            return failed(half, size);
        }
    }

    private void timedCall(B batch, int size, long since) {
        lag.calling(since);
        try {
            stats.call(flusher, batch, size);
            lag.delivered(System.nanoTime());
        } finally {
            lag.done();
        }
    }

    /**
     * Fails the buffer first (the park allocates: if it throws, writers are refused all the
     * same), then parks the units still in flight, the last ones of {@code half}'s {@code size}.
     */
    private boolean failed(H half, int size) {
        state.markFailed();
        int left = (int) stats.inFlight();
        try {
            park(half, size - left, left);
        } finally {
            stats.holding(0);
        }
        return false;
    }

    /** Caller holds lock. */
    void park(H half, int from, int n) {
        halves.park(undelivered, half, from, n);
        undeliveredCount += n;
    }

    /** Caller holds lock and parked what was left in its half. */
    FlushFailedException failureException() {
        return new FlushFailedException(
                "the flusher threw, so the buffer failed and refuses further writes;" + " undelivered() holds the "
                        + undeliveredCount + halves.unitsHeld(),
                stats.failure(),
                halves.reported(undelivered));
    }

    /** Caller holds the write lock, after {@link Abandon#start()}; returns the units abandoned. */
    long abandon(Duration timeout, H current, int filled) {
        List<Object> lost = new ArrayList<>();
        if (filled > 0) {
            halves.park(lost, current, 0, filled);
            halves.recycle(current, filled);
        }
        int doubt = abandon.heldSize();
        int waiting = abandon.publish(
                new TimeoutException("close(" + timeout + ") abandoned a flusher call that did not return in time"),
                halves.reported(lost));
        undeliveredCount += filled + waiting; // the batch in doubt stays counted in flight
        return (long) filled + waiting + doubt;
    }

    FlushStats stats() {
        return stats;
    }

    /** Units in the writers' half are not dated. */
    long lagNanos() {
        return lag.lagNanos(System.nanoTime());
    }

    long pending() {
        return stats.inFlight() + undeliveredCount;
    }
}
