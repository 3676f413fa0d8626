package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * A bounded multi-writer, single-reader buffer that flushes inline: the writer that finds the
 * buffer full hands the full half to the flusher on its own thread, while other writers keep
 * writing into the spare half.
 *
 * <p><b>Threads.</b> Every method may be called from any thread. Writers claim slots and copy in
 * parallel; the flusher is called by one thread at a time (a writer whose claim overflowed, or a
 * caller of {@link #flush()} or {@link #close()}), never concurrently with itself, never with an
 * empty list and never with more than {@link #capacity()} items, except for a {@code writeV} group
 * larger than the capacity, which arrives as one call holding exactly its items. A writer waits
 * only when both halves are full, that is while the previous batch is still in the flusher and the
 * current half has filled up again.
 *
 * <p><b>Memory model.</b> Actions of a thread before {@code write(x)} happen-before the flusher's
 * call that holds {@code x}; the flusher's return for those items happens-before {@code flush()}
 * returns in any thread whose call to {@code flush()} happens-after those writes.
 *
 * <p><b>Order.</b> Items written by one thread arrive in the order written; the items of one
 * {@code writeV} arrive contiguous, in order, in one flusher call, with no other item between them.
 * Calls to the flusher follow the order in which batches were cut.
 *
 * <p><b>The flusher</b> receives a read-only {@link List} view that is valid only during the
 * call: its array is reused for later batches, so a flusher that keeps items copies them. The
 * flusher must not call {@link #flush()} or {@link #close()} on its own buffer: these throw
 * {@link IllegalStateException} rather than wait for themselves. A {@code write} from inside the
 * flusher is accepted only when it needs no wait: it fits in the half being filled and no other
 * thread holds that half for a cut at that moment (a writer that found both halves full, or a
 * {@code flush()}/{@code close()} on another thread, holds it while it waits for this very flusher
 * call). Otherwise it throws {@link IllegalStateException} and writes nothing, rather than wait
 * for itself. So a flusher cannot count on writing to its own buffer.
 *
 * <p><b>Failures.</b> If the flusher throws, the buffer fails fast: the call that ran the flush
 * throws {@link FlushFailedException} (its cause is the flusher's exception), and so does every
 * later {@code write}, {@code writeV}, {@code flush} and {@code close}. Nothing accepted is lost
 * silently: {@link FlushFailedException#undelivered()} holds the failed batch and every item still
 * pending, and {@link Metrics#failures()} counts the failed call. A flusher that throws
 * {@link PartialFlushException} has its first {@code durable()} items counted as written; only the
 * rest is undelivered. A {@link VirtualMachineError} (out of memory, stack overflow) from the
 * flusher is rethrown as itself, not wrapped, to the call that ran the flush (so a
 * {@code catch (RuntimeException)} cannot swallow it); the buffer has failed all the same, and
 * every later call's {@link FlushFailedException} has the error as cause and lists the items.
 *
 * <p><b>Interrupts.</b> A writer interrupted while it waits for room (both halves full) throws
 * {@link CancellationException} with the {@link InterruptedException} as cause, its interrupt flag
 * set again, and none of its items written; a lock that is free is taken regardless of the flag,
 * so only a real wait is interrupted. {@code flush()} and {@code close()} wait without regard to
 * interrupts. An interrupt never costs data: the flusher is never called with the calling thread's
 * interrupt flag set (it is cleared around the call and set again after it, so an interruptible
 * channel does not close itself), and the flag is still set when the call returns.
 *
 * <p><b>Metrics</b> are estimates for monitoring, read without locks; they are exact when the
 * buffer is quiescent. {@link Metrics#dropped()} is always 0: a {@code Buffer} never drops.
 *
 * @param <T> the item type
 */
public final class Buffer<T> implements BatchBuffer<T> {
    /*
     * Implementation notes.
     *
     * Two arrays ("halves"), each of `capacity` slots: `current` is written by writers, `spare`
     * is either idle or, while a flush is running, the half being flushed.
     *
     * Writers (fast path), holding the StampedLock read lock: read `state`, claim n slots with one
     * getAndAdd on `position`, and if the claim [start, start+n) fits below `capacity` copy the
     * items into `current` with plain stores. Many writers hold the read lock at once, so the
     * copies run in parallel. The read lock is what makes the plain stores safe: whoever cuts a
     * batch takes the write lock, which waits until every claimed slot has been filled, and the
     * unlockRead -> writeLock edge publishes the stores to the flushing thread. No per-slot flag,
     * no spin on a sequence.
     *
     * A claim that does not fit fails; nothing is stored. `position` keeps growing past
     * `capacity`, so the number of valid slots is then the start of the *first* failed claim: the
     * claim that covers slot capacity-1 or starts at capacity. Exactly one claim per half has
     * start <= capacity < start+n, and that writer records its start in `limit` before it
     * releases the read lock; a write-lock holder therefore sees `limit` whenever position >
     * capacity (filled()).
     *
     * Writers (slow path), holding no lock: take the write lock. If the items now fit behind the
     * valid slots (another writer swapped meanwhile), store them and repair `position`. If not,
     * take `flushLock` as well (waiting here is the "both halves full" case: the previous batch
     * is still in the flusher), swap `current` and `spare`, store the writer's own items at the
     * start of the new half (so a group of up to `capacity` items always makes progress), release
     * the write lock, and run the flusher on the old half while holding only `flushLock`. Writers
     * meanwhile keep writing into the new half.
     *
     * Lock order is always write lock -> flushLock; the flushing thread holds flushLock alone and
     * never needs the write lock, so the swapper waiting for it cannot deadlock. Because every cut
     * happens under flushLock and every flusher call runs under the same hold, flusher calls are
     * one at a time and in cut order; flush() acquiring flushLock after a flush released it gives
     * the happens-before from the flusher's return.
     *
     * `state` bits (CLOSED, FAILED) are only ever set, atomically. close() sets CLOSED *before* it
     * takes the write lock, so a writer that checked OPEN under the read lock is waited for and
     * delivered, while a writer still waiting for room (for the read lock, the write lock or
     * flushLock) reads the state again once it gets in and is refused. FAILED is set under
     * flushLock by the thread whose flusher call threw. On failure, `undelivered` (guarded by flushLock) collects the
     * failed batch, every later cut, and the remains of `current` (failureException() drains it
     * under both locks before any exception is built), so each FlushFailedException is complete.
     *
     * close(Duration) (class GiveUp). Every wait for flushLock polls GiveUp.started every 20 ms,
     * so once the closing thread gives up, the threads that wait for the stuck flush while holding
     * the write lock let go of it (writers are refused, flush()/close() throw). The closing thread
     * then takes the write lock and collects `current` (undelivered) and the batch the flushing
     * thread holds (GiveUp.hold from the cut until delivered or parked, under its own small lock,
     * so it is copied before the flusher's thread clears it): in doubt. It publishes both, then
     * sets FAILED; failureException() of a buffer given up on needs no lock but waits for that
     * publication. FAILED is also set by the thread whose flusher call threw, *before* it parks
     * the batch (the park allocates; if it throws, writers are refused all the same).
     *
     * Counters (FlushStats) change only under flushLock and are volatile for metrics(). Writers touch no counter: enqueued is derived, not counted.
     */

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int FAILED = 2;

    private static final String NULL_IN_GROUP = "writeV: null item; nothing was written";

    private static final VarHandle POSITION;
    private static final VarHandle LIMIT;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            POSITION = lookup.findVarHandle(Buffer.class, "position", long.class);
            LIMIT = lookup.findVarHandle(Buffer.class, "limit", int.class);
            STATE = lookup.findVarHandle(Buffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final Consumer<? super List<T>> flusher;
    private final StampedLock lock = new StampedLock();
    private final ReentrantLock flushLock = new ReentrantLock();

    /** The half writers fill; replaced under the write lock, read under the read lock. */
    private BatchView<T> current;
    /** The other half; idle or being flushed. Guarded by flushLock. */
    private BatchView<T> spare;

    /** Next free slot of {@code current}; may run past capacity (see notes). */
    private volatile long position;
    /** Valid slots of {@code current} once position > capacity; written by the first failed claim. */
    private int limit;
    /** OPEN, or CLOSED and/or FAILED; bits only ever set, atomically. */
    private volatile int state;

    /** Guarded by flushLock: the items accepted but not delivered once the buffer failed. */
    private final List<Object> undelivered = new ArrayList<>();

    private volatile long undeliveredCount;
    private final FlushStats stats = new FlushStats();
    /** close(Duration): the batch in the flusher, and giving up on it. */
    private final GiveUp giveUp = new GiveUp();

    /**
     * Creates a buffer of two halves of {@code capacity} slots each.
     *
     * @param capacity the most items per flusher call, and the size of each half; at least 1
     * @param flusher receives each batch; called by one thread at a time
     * @throws IllegalArgumentException if {@code capacity < 1} or too large for an array
     * @throws NullPointerException if {@code flusher} is null
     */
    public Buffer(int capacity, Consumer<? super List<T>> flusher) {
        if (capacity < 1 || capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and " + (Integer.MAX_VALUE - 8) + ", was " + capacity);
        }
        this.capacity = capacity;
        this.flusher = Objects.requireNonNull(flusher, "flusher");
        this.current = new BatchView<>(capacity);
        this.spare = new BatchView<>(capacity);
    }

    /**
     * Writes one item. Returns once the item is in the buffer, or after flushing inline if this
     * writer found the buffer full.
     *
     * @param item the item, not null
     * @throws NullPointerException if {@code item} is null
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void write(T item) {
        Objects.requireNonNull(item, "item");
        int s;
        long stamp = Waits.readLock(lock, flushLock);
        try {
            s = state;
            if (s == OPEN) {
                long start = (long) POSITION.getAndAdd(this, 1L);
                if (start < capacity) {
                    current.items[(int) start] = item;
                    return;
                }
                if (start == capacity) {
                    LIMIT.setOpaque(this, capacity);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        writeSlow(item, null, null, 1);
    }

    /**
     * Writes a group atomically: its items arrive contiguous, in order, in one flusher call, with
     * no other writer's item between them. A group larger than {@link #capacity()} is delivered
     * as one flusher call of exactly its items, after everything accepted before it. An empty
     * group writes nothing (but still throws if the buffer is closed or failed).
     *
     * @param items the items, none null
     * @throws NullPointerException if the array or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, as Object[]; it never escapes as T[]
    public final void writeV(T... items) {
        writeArray(Objects.requireNonNull(items, "items"));
    }

    /**
     * Writes a group atomically; see {@link #writeV(Object[])}. The list is read once, by its
     * {@code toArray()}, before any slot is claimed: a list that changes or throws under the
     * caller writes either all of the items it returned or nothing (so no half group and no null
     * ever reaches the flusher). That copy is one array allocation per call.
     *
     * @param items the items, none null
     * @throws NullPointerException if the list or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void writeV(List<? extends T> items) {
        writeArray(Objects.requireNonNull(items, "items").toArray());
    }

    private void writeArray(Object[] items) {
        for (Object item : items) {
            Objects.requireNonNull(item, NULL_IN_GROUP);
        }
        writeGroup(items, null, items.length);
    }

    private void writeGroup(Object[] array, List<?> list, int n) {
        if (n > capacity) {
            writeOversized(array, list, n);
            return;
        }
        int s;
        long stamp = Waits.readLock(lock, flushLock);
        try {
            s = state;
            if (s == OPEN && n > 0) {
                long start = (long) POSITION.getAndAdd(this, (long) n);
                if (start + n <= capacity) {
                    copy(array, list, n, current.items, (int) start);
                    return;
                }
                if (start <= capacity) {
                    LIMIT.setOpaque(this, (int) start);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        if (n > 0) {
            writeSlow(null, array, list, n);
        }
    }

    /**
     * The slow path of a write whose claim failed: under the write lock, store behind the valid
     * slots if there is room now, else cut the current half, store at the start of the new one,
     * and flush the cut half on this thread.
     */
    private void writeSlow(Object one, Object[] array, List<?> list, int n) {
        Waits.checkNotInsideFlusher(flushLock, "write");
        BatchView<T> cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state;
            if (s == OPEN) {
                int filled = filled();
                if (n <= capacity - filled) {
                    store(one, array, list, n, current.items, filled);
                    position = filled + n;
                    return;
                }
                s = lockFlushThenRecheck();
                if (s == OPEN) {
                    cutSize = filled;
                    cut = cutLocked(cutSize);
                    store(one, array, list, n, current.items, 0);
                    position = n;
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

    /** A group larger than a half: cut what is there, then hand the group to the flusher alone. */
    private void writeOversized(Object[] array, List<?> list, int n) {
        Waits.checkNotInsideFlusher(flushLock, "writeV");
        BatchView<T> cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state;
            if (s == OPEN) {
                s = lockFlushThenRecheck();
                if (s == OPEN) {
                    cutSize = filled();
                    if (cutSize > 0) {
                        cut = cutLocked(cutSize);
                    }
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        boolean ok;
        try {
            ok = cut == null || deliver(cut, cutSize);
            @SuppressWarnings("unchecked")
            List<T> group = (List<T>) Collections.unmodifiableList(array != null ? Arrays.asList(array) : list);
            if (ok) {
                giveUp.hold(group);
                try {
                    ok = call(group);
                } finally {
                    giveUp.release();
                }
            } else {
                park(group);
            }
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    /**
     * Delivers everything written before this call and returns once the flusher has returned for
     * it. If another thread's flush is in progress, waits for it too. After {@link #close()} there
     * is nothing left to deliver and this returns at once.
     *
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void flush() {
        Waits.checkNotInsideFlusher(flushLock, "flush");
        BatchView<T> cut = null;
        int cutSize = 0;
        int s;
        boolean locked = false;
        long stamp = lock.writeLock();
        try {
            s = state;
            if ((s & FAILED) == 0) {
                cutSize = filled();
                if (cutSize > 0 && (locked = giveUp.lockFlush(flushLock, false))) {
                    cut = cutLocked(cutSize);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if ((s & FAILED) != 0 || (cutSize > 0 && !locked)) {
            throw failureException();
        }
        // Nothing here; a batch cut earlier may still be in the flusher, and it holds flushLock.
        if (cut == null && !giveUp.lockFlush(flushLock, false)) {
            throw failureException();
        }
        deliverAndUnlock(cut, cutSize);
        if ((state & FAILED) != 0) {
            // The flush in progress when we arrived failed: we observed it, so we report it.
            throw failureException();
        }
    }

    /**
     * Refuses new writes, delivers everything accepted, then returns. Idempotent: a second call
     * waits for the first one's delivery and returns (or throws the same failure).
     *
     * <p>Writes that start after this call (and writers still waiting for room) throw
     * {@link IllegalStateException} and are never delivered.
     *
     * @throws FlushFailedException if the buffer failed, now or before (on every call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void close() {
        Waits.checkNotInsideFlusher(flushLock, "close");
        BatchView<T> cut = null;
        int cutSize = 0;
        // Refuse first, then wait: writers still waiting for room see CLOSED when they get in.
        STATE.getAndBitwiseOr(this, CLOSED);
        boolean locked;
        long stamp = lock.writeLock();
        try {
            locked = giveUp.lockFlush(flushLock, false);
            if (locked) {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (!locked) {
            throw failureException(); // close(Duration) gave up meanwhile
        }
        deliverAndUnlock(cut, cutSize);
        if ((state & FAILED) != 0) {
            throw failureException();
        }
    }

    /**
     * As {@link #close()}, but gives up on a flusher call that does not return within
     * {@code timeout}. The bound is on waiting for a flush in progress on another thread; the
     * final flush this call makes itself, on its own thread, is not bounded (mwsr never interrupts
     * or abandons a call it runs on the caller's thread).
     *
     * <p>Giving up: the flusher call in progress is left alone (never interrupted), no flusher call
     * starts any more, and the buffer fails, so every later {@code write}, {@code writeV},
     * {@code flush} and {@code close} throws a {@link FlushFailedException} (cause: a
     * {@link java.util.concurrent.TimeoutException}) whose {@link FlushFailedException#undelivered()}
     * holds the accepted items never handed to the flusher and whose
     * {@link FlushFailedException#inDoubt()} holds the batch of the call still running (it may yet
     * reach the sink). Threads waiting for that flush (writers waiting for room, {@code flush()})
     * stop waiting: writers are refused, {@code flush()} throws.
     *
     * @param timeout how long to wait for a flush in progress
     * @return 0 if everything accepted was delivered; otherwise the number of items given up on,
     *     undelivered and in doubt together (a later call's exception lists them)
     * @throws FlushFailedException if the buffer failed, now or before (also after an earlier
     *     {@code close(Duration)} gave up)
     * @throws IllegalStateException if called from inside this buffer's flusher
     * @throws NullPointerException if {@code timeout} is null
     */
    public long close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Waits.checkNotInsideFlusher(flushLock, "close");
        if (giveUp.started()) {
            throw giveUp.exception();
        }
        STATE.getAndBitwiseOr(this, CLOSED);
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long stamp = GiveUp.writeLockUntil(lock, deadline);
        if (stamp != 0L && GiveUp.lockUntil(flushLock, deadline)) {
            BatchView<T> cut = null;
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
            if ((state & FAILED) != 0) {
                throw failureException();
            }
            return 0L;
        }
        // Give up: waiters for the stuck flush let go of the write lock, then collect under it.
        giveUp.start();
        if (stamp == 0L) {
            stamp = lock.writeLock();
        }
        try {
            int filled = filled();
            List<Object> lost = new ArrayList<>(current.open(filled));
            current.clear(filled);
            position = 0;
            List<Object> doubt = giveUp.heldCopy();
            giveUp.publish(
                    new TimeoutException("close(" + timeout + ") gave up: a flusher call did not return in time"),
                    lost,
                    doubt);
            undeliveredCount = giveUp.undeliveredCount();
            STATE.getAndBitwiseOr(this, FAILED);
        } finally {
            lock.unlockWrite(stamp);
        }
        return giveUp.undeliveredCount();
    }

    /**
     * The size of each half: the most items in one flusher call (apart from an oversized
     * {@code writeV}).
     *
     * @return the capacity given to the constructor
     */
    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * A snapshot of the counters: estimates while writers run, exact when quiescent.
     * {@code enqueued} is derived ({@code written + pending}), so writers pay for no counter.
     *
     * @return the metrics
     */
    @Override
    public Metrics metrics() {
        long done = stats.written();
        long batchCount = stats.batches();
        long failed = stats.failures();
        long pending = stats.inFlight() + undeliveredCount + filled();
        return new Metrics(done + pending, done, 0L, pending, batchCount, failed);
    }

    @Override
    public String toString() {
        return "Buffer[capacity=" + capacity + ", " + metrics() + "]";
    }

    // ---------------------------------------------------------------------------------------
    // Cutting and delivering.

    /**
     * Valid slots of {@code current}: exact under the write lock (no claim is in progress), a racy
     * estimate otherwise (metrics only).
     */
    private int filled() {
        long p = position;
        return p <= capacity ? (int) p : (int) LIMIT.getOpaque(this);
    }

    /**
     * Swaps the halves. Caller holds the write lock and flushLock; the returned half is owned by
     * the caller until {@link #deliver} gives it back as the spare.
     */
    private BatchView<T> cutLocked(int size) {
        assert flushLock.isHeldByCurrentThread() && spare != null : "cut without flushLock or spare";
        BatchView<T> full = current;
        giveUp.hold(full.open(size));
        current = spare;
        spare = null;
        position = 0;
        return full;
    }

    /**
     * Delivers a cut half (if any) and releases flushLock; throws the failure if this delivery
     * failed. Caller holds flushLock and not the write lock.
     */
    private void deliverAndUnlock(BatchView<T> cut, int size) {
        boolean ok = true;
        try {
            if (cut != null) {
                ok = deliver(cut, size);
            }
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    /**
     * Calls the flusher on the first {@code size} items of {@code cut}, or parks them in
     * {@code undelivered} if the buffer failed already; then {@code cut} is the spare again.
     * Caller holds flushLock.
     *
     * @return false if the buffer is failed after this call
     */
    private boolean deliver(BatchView<T> cut, int size) {
        assert flushLock.isHeldByCurrentThread() : "deliver outside flushLock";
        try {
            BatchView<T> batch = cut.open(size);
            if ((state & FAILED) != 0) {
                park(batch);
                return false;
            }
            return call(batch);
        } finally {
            giveUp.release();
            cut.clear(size);
            spare = cut;
        }
    }

    /**
     * One flusher call; on failure fails the buffer, then parks what is not durable. Caller holds
     * flushLock. FAILED is set before anything that could throw (the park allocates), so a buffer
     * whose batch could not be parked still refuses writes. A {@link VirtualMachineError} is
     * rethrown as itself to the caller that ran the flush (after parking, so the items stay
     * reachable through every later call's {@link FlushFailedException}): wrapped in an
     * {@code IllegalStateException} it could be swallowed by a {@code catch (RuntimeException)}.
     */
    private boolean call(List<T> batch) {
        if (giveUp.started()) {
            return false; // close(Duration) gave up: no call starts; the batch is reported in doubt
        }
        int size = batch.size();
        int left = stats.call(flusher, batch, size);
        if (left == 0) {
            return true;
        }
        STATE.getAndBitwiseOr(this, FAILED);
        try {
            park(batch.subList(size - left, size));
        } finally {
            stats.holding(0);
        }
        if (FlushStats.fatal(stats.failure())) {
            throw (VirtualMachineError) stats.failure();
        }
        return false;
    }

    /** Keeps accepted items that will not be delivered. Caller holds flushLock. */
    private void park(List<?> items) {
        undelivered.addAll(items);
        undeliveredCount = undelivered.size();
    }

    // ---------------------------------------------------------------------------------------
    // States and their exceptions.

    /**
     * Builds the exception for a failed buffer, after moving what is left in {@code current}
     * into {@code undelivered}, so that the exception lists every item accepted and not
     * delivered. Caller holds no lock.
     */
    private FlushFailedException failureException() {
        if (!giveUp.started()) {
            long stamp = lock.writeLock();
            try {
                if (giveUp.lockFlush(flushLock, false)) {
                    try {
                        int filled = filled();
                        if (filled > 0) {
                            park(current.open(filled));
                            current.clear(filled);
                            position = 0;
                        }
                        return new FlushFailedException(
                                "the flusher threw, so the buffer failed and refuses"
                                        + " further writes; undelivered() holds the " + undelivered.size()
                                        + " items it accepted but did not deliver",
                                stats.failure(),
                                undelivered);
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

    private RuntimeException stateException(int s) {
        if ((s & FAILED) != 0) {
            return failureException();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    // ---------------------------------------------------------------------------------------
    // Waits.

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

    // ---------------------------------------------------------------------------------------
    // Copying.

    private static void store(Object one, Object[] array, List<?> list, int n, Object[] dst, int at) {
        if (one != null) {
            dst[at] = one;
        } else {
            copy(array, list, n, dst, at);
        }
    }

    private static void copy(Object[] array, List<?> list, int n, Object[] dst, int at) {
        if (array != null) {
            System.arraycopy(array, 0, dst, at, n);
        } else {
            for (int i = 0; i < n; i++) {
                dst[at + i] = list.get(i);
            }
        }
    }
}
