package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * The double-buffered, inline-flushing engine of {@link Buffer} (object slots) and
 * {@link ByteBatchBuffer} (byte regions): claims, cuts, swaps, flush, close, close(Duration)
 * abandoning, the metrics snapshot and the exception of a failed buffer. The buffer supplies its
 * payload as {@link Halves}; {@link InlineDelivery} is the flushing side.
 *
 * @param <H> a half: the storage writers fill (an oversized write is wrapped as one, too)
 * @param <B> the batch the flusher receives
 */
final class InlineEngine<H, B> {
    /*
     * Implementation notes.
     *
     * Two halves, each of `capacity` units (items or bytes): `current` is written by writers,
     * `spare` is either idle or, while a flush is running, the half being flushed (then null).
     *
     * Writers (fast path, tryClaim), holding the StampedLock read lock: read `state`, claim n
     * units with one getAndAdd on `position`, and if the claim [start, start+n) fits below
     * `capacity` store the units into `current` with plain stores (bytes: absolute bulk puts, which
     * change no field of the region). Many writers hold the read lock at once, so the copies run
     * in parallel. The read lock is what makes the plain stores safe: whoever cuts a batch takes
     * the write lock, which waits until every claimed range has been filled, and the unlockRead ->
     * writeLock edge publishes the stores to the flushing thread. No per-slot flag, no spin.
     *
     * A claim that does not fit stores nothing. `position` keeps growing past `capacity`, so the
     * number of valid units is then the start of the *first* failed claim. Exactly one claim per
     * half has start <= capacity < start+n, and that writer records its start in `limit` (opaque)
     * before it releases the read lock; a write-lock holder therefore sees `limit` whenever
     * position > capacity (filled()).
     *
     * Writers (slow path), holding no lock: take the write lock. If the units now fit behind the
     * valid ones (another writer swapped meanwhile), store them and repair `position`. If not,
     * take `flushLock` as well (waiting here is the "both halves full" case: the previous batch is
     * still in the flusher), swap `current` and `spare`, store the writer's own units at the start
     * of the new half (so any write of up to `capacity` units makes progress), release the write
     * lock, and run the flusher on the old half while holding only `flushLock`. Writers meanwhile
     * keep writing into the new half. A write larger than `capacity` cuts what is there the same
     * way and then, under the same flushLock hold, hands its own units to the flusher as one call.
     *
     * Lock order is always write lock -> flushLock; the flushing thread holds flushLock alone and
     * never needs the write lock, so the swapper waiting for it cannot deadlock. Because every cut
     * happens under flushLock and every flusher call runs under the same hold, flusher calls are
     * one at a time and in cut order; flush() acquiring flushLock after a flush released it gives
     * the happens-before from the flusher's return.
     *
     * `state` bits (CLOSED, FAILED) are only ever set, atomically. close() sets CLOSED *before* it
     * takes the write lock, so a writer that read OPEN under the read lock is waited for and
     * delivered, while a writer still waiting for room (for the read lock, the write lock or
     * flushLock) reads the state again once it gets in and is refused. FAILED is set under
     * flushLock by the thread whose flusher call threw, *before* it parks the batch (the park
     * allocates; if it throws, writers are refused all the same). On failure, `undelivered`
     * (guarded by flushLock) collects the undelivered part of the failed batch, every later cut,
     * and the remains of `current` (failureException() parks them under both locks before any
     * exception is built), so each FlushFailedException is complete. Halves.park reads
     * from the half, never from the view the flusher had (a flusher may consume a ByteBuffer).
     *
     * flush() and close() take the write lock and then flushLock, as a swapping writer does, so
     * they wait for the batch in the flusher and cut what is there; close() sets CLOSED before it
     * takes the write lock (see `state` above).
     *
     * close(Duration) (class Abandon). Every wait for flushLock polls Abandon.started every 20 ms,
     * so once the closing thread abandons the flush, the threads that wait for the stuck flush while holding
     * the write lock let go of it (writers are refused, flush()/close() throw). The closing thread
     * then takes the write lock and collects `current` (undelivered) and the batch the flushing
     * thread holds (Abandon.hold from the cut until delivered or parked, under its own small lock,
     * so it is copied before the flusher's thread clears it): in doubt. It publishes both, then
     * sets FAILED; failureException() of an abandoned buffer needs no lock but waits for that
     * publication. An oversized write accepted behind the cut (Abandon.holdNext, under both locks)
     * is collected too, undelivered and ahead of `current`: when its writer's turn comes,
     * Abandon.takeNext sees `started` and the write is neither called nor parked (else it would be
     * in neither list).
     *
     * Counters (FlushStats) change only under flushLock and are volatile for metrics(). Writers
     * touch no counter: enqueued is derived (written + pending), not counted. The lag figure costs
     * one clock read per cut and one per flusher return (InlineDelivery): a cut batch holds only units
     * written after the cut before its own, so that cut dates it, as an upper bound.
     */

    private static final int OPEN = InlineState.OPEN;
    private static final int CLOSED = InlineState.CLOSED;
    private static final int FAILED = InlineState.FAILED;

    private static final VarHandle POSITION;
    private static final VarHandle LIMIT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            POSITION = lookup.findVarHandle(InlineEngine.class, "position", long.class);
            LIMIT = lookup.findVarHandle(InlineEngine.class, "limit", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final Halves<H, B> halves;
    private final StampedLock lock = new StampedLock();
    /** The flush side: flushLock, the spare half, the flusher calls, what is parked. */
    private final InlineDelivery<H, B> delivery;
    /** delivery.lock: taken after the write lock, never before. */
    private final ReentrantLock flushLock;
    /** delivery.abandon: close(Duration) abandoning a stuck flusher call. */
    private final Abandon abandon;
    /** OPEN, or CLOSED and/or FAILED. */
    private final InlineState state = new InlineState();

    /** The half writers fill; replaced under the write lock, read under the read lock. */
    private H current;

    /** Next free unit of {@code current}; may run past capacity (see notes). */
    private volatile long position;
    /** Valid units of {@code current} once position > capacity; written by the first failed claim. */
    private int limit;

    InlineEngine(int capacity, Consumer<? super B> flusher, Halves<H, B> halves, H first, H second) {
        this.capacity = capacity;
        this.halves = halves;
        this.delivery = new InlineDelivery<>(halves, state, Objects.requireNonNull(flusher, "flusher"), second);
        this.flushLock = delivery.lock;
        this.abandon = delivery.abandon;
        this.current = first;
    }

    // ---------------------------------------------------------------------------------------
    // Writing.

    /**
     * Writes {@code n} units of at most {@code capacity} (larger ones go to {@link #putAlone}):
     * the fast path, else the slow path.
     */
    void put(Object src, int off, int n) {
        int s;
        boolean done = false;
        long stamp = Waits.readLock(lock, flushLock);
        try {
            s = state.get();
            if (s == OPEN && n > 0) {
                long start = (long) POSITION.getAndAdd(this, (long) n);
                if (start + n <= capacity) {
                    halves.store(current, (int) start, src, off, n);
                    done = true;
                } else if (start <= capacity) {
                    LIMIT.setOpaque(this, (int) start);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        if (done) {
            halves.accepted(src, n);
        } else if (s != OPEN) {
            throw stateException(s);
        } else if (n > 0) {
            putSlow(src, off, n);
        }
    }

    /**
     * The slow path of a write whose claim failed: under the write lock, store behind the valid
     * units if there is room now, else cut the current half, store at the start of the new one,
     * and flush the cut half on this thread.
     */
    private void putSlow(Object src, int off, int n) {
        Waits.checkNotInsideFlusher(flushLock, "write");
        H cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state.get();
            if (s == OPEN) {
                int filled = filled();
                if (n <= capacity - filled) {
                    halves.store(current, filled, src, off, n);
                    position = filled + n;
                    halves.accepted(src, n);
                    return;
                }
                s = lockFlushThenRecheck();
                if (s == OPEN) {
                    cutSize = filled;
                    cut = cutLocked(cutSize);
                    halves.store(current, 0, src, off, n);
                    position = n;
                    halves.accepted(src, n);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        deliverAndUnlock(cut, cutSize);
    }

    /**
     * A write larger than a half, already wrapped as {@code group} of {@code n} units: cut what is
     * there, then hand the group to the flusher alone, under the same flushLock hold.
     */
    void putAlone(H group, Object src, int n, String what) {
        Waits.checkNotInsideFlusher(flushLock, what);
        H cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state.get();
            if (s == OPEN) {
                s = lockFlushThenRecheck();
            }
            if (s == OPEN) {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
                halves.accepted(src, n);
                delivery.acceptAlone(group, n); // from here close(Duration) can report it
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        boolean ok;
        try {
            ok = cut == null || delivery.deliver(cut, cutSize);
            ok = delivery.deliverAlone(group, n) && ok; // parks the group instead if the buffer failed
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    /** Whether neither closed nor failed; a volatile read. */
    boolean accepting() {
        return state.get() == OPEN;
    }

    private boolean failed() {
        return state.failed();
    }

    /**
     * Takes what {@code current} holds without a cut (the caller parks or reports it): returns its
     * valid units and empties it. Caller holds the write lock.
     */
    private int takeCurrent() {
        int filled = filled();
        position = 0;
        return filled;
    }

    // ---------------------------------------------------------------------------------------
    // Cutting and delivering.

    /**
     * Valid units of {@code current}: exact under the write lock (no claim is in progress), a racy
     * estimate otherwise (metrics only).
     */
    private int filled() {
        long p = position;
        return p <= capacity ? (int) p : (int) LIMIT.getOpaque(this);
    }

    /**
     * Swaps the halves. Caller holds the write lock and flushLock; the returned half is owned by
     * the caller until {@link InlineDelivery#deliver} gives it back as the spare.
     */
    private H cutLocked(int size) {
        H full = current;
        current = delivery.swap(full, size);
        position = 0;
        return full;
    }

    /**
     * Delivers a cut half (if any) and releases flushLock; throws the failure if this delivery
     * failed. Caller holds flushLock and not the write lock.
     */
    private void deliverAndUnlock(H cut, int size) {
        boolean ok = true;
        try {
            if (cut != null) {
                ok = delivery.deliver(cut, size);
            }
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    // ---------------------------------------------------------------------------------------
    // States and their exceptions.

    private RuntimeException stateException(int s) {
        if ((s & FAILED) != 0) {
            return failureException();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    /**
     * Waits for the flush in progress (the "both halves full" wait), then reads the state again:
     * close() or a failure may have come while this writer waited, and then it must not get in.
     * Caller holds the write lock, which the caller's finally releases if this throws.
     *
     * @return the state; flushLock is held if and only if it is OPEN
     */
    private int lockFlushThenRecheck() {
        if (!Waits.lockFlush(flushLock, abandon, true)) {
            return state.get() | CLOSED; // close(Duration) abandoned the flush this writer waited for
        }
        int s = state.get();
        if (s != OPEN) {
            flushLock.unlock();
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------
    // Cutting on demand: flush, close, close(Duration); metrics.

    /** flush(): cuts what is there and delivers it, after the batch in the flusher (see notes). */
    void flush() {
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
                if (cutSize > 0 && (locked = Waits.lockFlush(flushLock, abandon, false))) {
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
        if (cut == null && !Waits.lockFlush(flushLock, abandon, false)) {
            throw failureException();
        }
        deliverAndUnlock(cut, cutSize);
        if (failed()) {
            // The flush in progress when we arrived failed: we observed it, so we report it.
            throw failureException();
        }
    }

    /** close(): refuses later writes, then delivers everything accepted (see notes). */
    void close() {
        Waits.checkNotInsideFlusher(flushLock, "close");
        // Refuse first, then wait: writers still waiting for room see CLOSED when they get in.
        state.markClosed();
        boolean locked = false;
        long stamp = lock.writeLock();
        try {
            locked = Waits.lockFlush(flushLock, abandon, false);
        } finally {
            if (!locked) {
                lock.unlockWrite(stamp);
            }
        }
        if (!locked) {
            throw failureException(); // close(Duration) abandoned meanwhile
        }
        deliverRest(stamp);
    }

    /** close(Duration): as close(), abandoning a flush in progress at the deadline (see notes). */
    long close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Waits.checkNotInsideFlusher(flushLock, "close");
        if (abandon.started()) {
            throw abandon.exception();
        }
        state.markClosed();
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long stamp = Waits.writeLockUntil(lock, deadline);
        if (stamp != 0L && Waits.lockUntil(flushLock, deadline)) {
            deliverRest(stamp);
            return 0L;
        }
        // Abandon: waiters for the stuck flush let go of the write lock, then collect under it.
        abandon.start();
        if (stamp == 0L) {
            stamp = lock.writeLock();
        }
        try {
            int filled = takeCurrent();
            long lost = delivery.abandon(timeout, current, filled);
            state.markFailed();
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
    Metrics metrics() {
        FlushStats stats = delivery.stats();
        long done = stats.written();
        long pending = delivery.pending() + filled();
        return new Metrics(done + pending, done, 0L, pending, stats.batches(), stats.failures(), delivery.lagNanos());
    }

    /**
     * Builds the exception for a failed buffer, after parking what is left in {@code current},
     * so that the exception lists every unit accepted and not delivered. Caller holds no lock.
     */
    private FlushFailedException failureException() {
        if (!abandon.started()) {
            long stamp = lock.writeLock();
            try {
                if (Waits.lockFlush(flushLock, abandon, false)) {
                    try {
                        int filled = takeCurrent();
                        if (filled > 0) {
                            delivery.park(current, 0, filled);
                            halves.recycle(current, filled);
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
        return abandon.exception(); // close(Duration) abandoned: its report, once published
    }
}
