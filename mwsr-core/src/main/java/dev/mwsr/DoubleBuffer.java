package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * The double-buffered, inline-flushing engine of {@link Buffer} (object slots) and
 * {@link ByteBatchBuffer} (byte regions): claims, cuts, swaps, flusher calls, close, giving up,
 * failure parking and counters. A subclass supplies only its payload: how units are stored into a
 * half, the view the flusher gets, and how units are kept once they cannot be delivered.
 *
 * @param <H> a half: the storage writers fill (an oversized write is wrapped as one, too)
 * @param <B> the batch the flusher receives
 */
abstract class DoubleBuffer<H, B> {
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
     * exception is built), so each FlushFailedException is complete. The subclass's park reads
     * from the half, never from the view the flusher had (a flusher may consume a ByteBuffer).
     *
     * flush(), close(), close(Duration), metrics and that exception: InlineControl, with its notes.
     */

    static final int OPEN = 0;
    static final int CLOSED = 1;
    static final int FAILED = 2;

    private static final VarHandle POSITION;
    private static final VarHandle LIMIT;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            POSITION = lookup.findVarHandle(DoubleBuffer.class, "position", long.class);
            LIMIT = lookup.findVarHandle(DoubleBuffer.class, "limit", int.class);
            STATE = lookup.findVarHandle(DoubleBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int capacity;
    final StampedLock lock = new StampedLock();
    /** The flush side: flushLock, the spare half, the flusher calls, what is parked. */
    final Delivery<H, B> delivery;
    /** delivery.lock: taken after the write lock, never before. */
    final ReentrantLock flushLock;
    /** delivery.giveUp: close(Duration) giving up on a stuck flusher call. */
    final GiveUp giveUp;

    /** The half writers fill; replaced under the write lock, read under the read lock. */
    private H current;

    /** Next free unit of {@code current}; may run past capacity (see notes). */
    private volatile long position;
    /** Valid units of {@code current} once position > capacity; written by the first failed claim. */
    private int limit;
    /** OPEN, or CLOSED and/or FAILED; bits only ever set, atomically. */
    private volatile int state;

    DoubleBuffer(int capacity, Consumer<? super B> flusher, H first, H second) {
        this.capacity = capacity;
        this.delivery = new Delivery<>(this, Objects.requireNonNull(flusher, "flusher"), second);
        this.flushLock = delivery.lock;
        this.giveUp = delivery.giveUp;
        this.current = first;
    }

    // ---------------------------------------------------------------------------------------
    // The payload, supplied by the subclass.

    /** Stores {@code n} units of {@code src} (from {@code off}) into {@code half} at {@code at}. */
    abstract void store(H half, int at, Object src, int off, int n);

    /** The units of {@code src} were accepted (a byte source's position advances). */
    abstract void accepted(Object src, int n);

    /** The flusher's view of the first {@code size} units of {@code half}. */
    abstract B open(H half, int size);

    /** The first {@code size} units of {@code half} as {@link GiveUp#hold(Object, int)} keeps them. */
    abstract Object held(H half, int size);

    /** Adds copies (or references) of {@code n} units of {@code half} from {@code from} to {@code into}. */
    abstract void park(List<Object> into, H half, int from, int n);

    /** After a half's delivery, before it is reused: drops references it holds (objects). */
    abstract void recycle(H half, int size);

    /** What a {@link FlushFailedException} exposes of {@code parked} (each call its own views). */
    abstract List<Object> reported(List<Object> parked);

    /** The unit and form of {@code undelivered()}, for the failure message ("items", "bytes, ..."). */
    abstract String unitsHeld();

    // ---------------------------------------------------------------------------------------
    // Writing.

    /**
     * Writes {@code n} units of at most {@code capacity} (larger ones go to {@link #putAlone}):
     * the fast path, else the slow path.
     */
    final void put(Object src, int off, int n) {
        int s;
        boolean done = false;
        long stamp = Waits.readLock(lock, flushLock);
        try {
            s = state;
            if (s == OPEN && n > 0) {
                long start = (long) POSITION.getAndAdd(this, (long) n);
                if (start + n <= capacity) {
                    store(current, (int) start, src, off, n);
                    done = true;
                } else if (start <= capacity) {
                    LIMIT.setOpaque(this, (int) start);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        if (done) {
            accepted(src, n);
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
            s = state;
            if (s == OPEN) {
                int filled = filled();
                if (n <= capacity - filled) {
                    store(current, filled, src, off, n);
                    position = filled + n;
                    accepted(src, n);
                    return;
                }
                s = lockFlushThenRecheck();
                if (s == OPEN) {
                    cutSize = filled;
                    cut = cutLocked(cutSize);
                    store(current, 0, src, off, n);
                    position = n;
                    accepted(src, n);
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
    final void putAlone(H group, Object src, int n, String what) {
        Waits.checkNotInsideFlusher(flushLock, what);
        H cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state;
            if (s == OPEN) {
                s = lockFlushThenRecheck();
            }
            if (s == OPEN) {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
                accepted(src, n);
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
    final boolean accepting() {
        return state == OPEN;
    }

    /** Whether the buffer failed (FAILED is set); a volatile read. */
    final boolean failed() {
        return (state & FAILED) != 0;
    }

    /** Fails the buffer: sets FAILED, before anything that could throw. */
    final void markFailed() {
        STATE.getAndBitwiseOr(this, FAILED);
    }

    /** Refuses later writes: sets CLOSED (close() does so before it takes the write lock). */
    final void markClosed() {
        STATE.getAndBitwiseOr(this, CLOSED);
    }

    /**
     * Takes what {@code current} holds without a cut (the caller parks or reports it from
     * {@link #current()}): returns its valid units and empties it. Caller holds the write lock.
     */
    final int takeCurrent() {
        int filled = filled();
        position = 0;
        return filled;
    }

    /** The half writers fill. Caller holds the write lock. */
    final H current() {
        return current;
    }

    // ---------------------------------------------------------------------------------------
    // Cutting and delivering.

    /**
     * Valid units of {@code current}: exact under the write lock (no claim is in progress), a racy
     * estimate otherwise (metrics only).
     */
    final int filled() {
        long p = position;
        return p <= capacity ? (int) p : (int) LIMIT.getOpaque(this);
    }

    /**
     * Swaps the halves. Caller holds the write lock and flushLock; the returned half is owned by
     * the caller until {@link Delivery#deliver} gives it back as the spare.
     */
    final H cutLocked(int size) {
        H full = current;
        current = delivery.swap(full, size);
        position = 0;
        return full;
    }

    /**
     * Delivers a cut half (if any) and releases flushLock; throws the failure if this delivery
     * failed. Caller holds flushLock and not the write lock.
     */
    final void deliverAndUnlock(H cut, int size) {
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

    /**
     * The exception of a failed buffer, listing every unit accepted and not delivered (it parks
     * what is left in {@code current} first; {@link InlineControl}). Caller holds no lock.
     */
    abstract FlushFailedException failureException();

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
        if (!giveUp.lockFlush(flushLock, true)) {
            return state | CLOSED; // close(Duration) gave up on the flush this writer waited for
        }
        int s = state;
        if (s != OPEN) {
            flushLock.unlock();
        }
        return s;
    }
}
