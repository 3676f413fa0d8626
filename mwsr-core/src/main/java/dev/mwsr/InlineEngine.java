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
     * Two halves of `capacity` units (items or bytes): writers fill `current`; `spare` is idle, or
     * null while its half is in the flusher.
     *
     * Fast path (put), under the StampedLock read lock: read `state`, claim n units with one
     * getAndAdd on `position`, and if [start, start+n) fits, store with plain stores (bytes:
     * absolute bulk puts). Writers copy in parallel. The read lock makes plain stores safe: a cut
     * takes the write lock, which waits until every claimed range is filled, and the unlockRead ->
     * writeLock edge publishes the stores to the flushing thread. No per-slot flag, no spin.
     *
     * A claim that does not fit stores nothing and `position` runs past `capacity`, so the valid
     * units are the start of the first failed claim. Exactly one claim per half has
     * start <= capacity < start+n; it records its start in `limit` (opaque) before unlockRead, so
     * a write-lock holder sees `limit` whenever position > capacity (filled()).
     *
     * Slow path (putSlow), under the write lock: store behind the valid units if they fit now (a
     * swap came meanwhile), else take flushLock too (the "both halves full" wait), swap, store at
     * the start of the new half (any write of up to `capacity` units progresses), release the
     * write lock and flush the old half holding only flushLock. A write larger than `capacity`
     * (putAlone) cuts the same way, then goes to the flusher alone under the same flushLock hold.
     *
     * Lock order is write lock -> flushLock; the flushing thread never needs the write lock, so
     * no deadlock. Every cut and every flusher call happen under flushLock, so calls are one at a
     * time and in cut order; acquiring flushLock after a flush released it gives the
     * happens-before from the flusher's return.
     *
     * `state` bits (CLOSED, FAILED) are only set. close() sets CLOSED before it takes the write
     * lock: a writer that read OPEN under the read lock is waited for and delivered; one still
     * waiting for a lock reads the state again once in and is refused. FAILED is set under
     * flushLock before the failed batch is parked (the park allocates; if it throws, writers are
     * refused all the same). `undelivered` collects the failed batch's rest, every later cut and
     * the remains of `current` (parked by failureException() under both locks before the
     * exception is built), so each FlushFailedException is complete. Halves.park reads the half,
     * never the flusher's view (a flusher may consume a ByteBuffer).
     *
     * close(Duration): every wait for flushLock polls Abandon.started every 20 ms, so once the
     * closing thread abandons, threads waiting for the stuck flush while holding the write lock let
     * go of it. The closing thread then takes the write lock and reports `current` undelivered and
     * the batch in the flusher (Abandon.hold, under Abandon's own lock, so it is copied before the
     * flushing thread clears it) in doubt, publishes, then sets FAILED; failureException() of an
     * abandoned buffer takes no lock but waits for that publication. An oversized write accepted
     * behind the cut (Abandon.holdNext) is reported undelivered, ahead of `current`; its writer's
     * Abandon.takeNext then sees `started` and neither calls nor parks it.
     *
     * Writers touch no counter: enqueued is derived (written + pending). The lag figure costs one
     * clock read per cut and one per flusher return: a cut batch holds only units written after
     * the cut before its own, which dates it as an upper bound.
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
    private final InlineDelivery<H, B> delivery;
    private final ReentrantLock flushLock;
    private final Abandon abandon;
    private final InlineState state = new InlineState();

    /** Replaced under the write lock, read under the read lock. */
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

    /** A write larger than a half, wrapped as {@code group} of {@code n} units. */
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

    boolean accepting() {
        return state.get() == OPEN;
    }

    private boolean failed() {
        return state.failed();
    }

    /** Empties {@code current} without a cut, returning its valid units. Caller holds the write lock. */
    private int takeCurrent() {
        int filled = filled();
        position = 0;
        return filled;
    }

    /** Exact under the write lock; a racy estimate otherwise (metrics only). */
    private int filled() {
        long p = position;
        return p <= capacity ? (int) p : (int) LIMIT.getOpaque(this);
    }

    /** Caller holds the write lock and flushLock; owns the returned half until it is delivered. */
    private H cutLocked(int size) {
        H full = current;
        current = delivery.swap(full, size);
        position = 0;
        return full;
    }

    /** Caller holds flushLock, not the write lock. */
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

    private RuntimeException stateException(int s) {
        if ((s & FAILED) != 0) {
            return failureException();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    /**
     * The "both halves full" wait, then the state again: close() or a failure may have come
     * meanwhile. Caller holds the write lock. Returns the state; flushLock is held iff OPEN.
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

    void close() {
        Waits.checkNotInsideFlusher(flushLock, "close");
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

    /** Caller holds the write lock ({@code stamp}) and flushLock; releases both. */
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

    Metrics metrics() {
        FlushStats stats = delivery.stats();
        long done = stats.written();
        long pending = delivery.pending() + filled();
        return new Metrics(done + pending, done, 0L, pending, stats.batches(), stats.failures(), delivery.lagNanos());
    }

    /** Parks what {@code current} holds first, so the exception is complete. Caller holds no lock. */
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
