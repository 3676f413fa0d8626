package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

/**
 * The queue of an {@link AsyncBuffer} and its admission control: how many places are taken, the
 * overflow policy applied to a writer that does not fit, and the closed/failed flags that refuse
 * writers. Writers call {@link #reserve} then {@link #offer}; the consumer side (the drainer, or a
 * {@code DROP_OLDEST} writer) polls only while holding {@link #consumerLock}.
 */
final class Room {
    /*
     * `word` packs the flags and the position P: places ever reserved by writers. The consumer
     * publishes `consumed`, places ever taken (take()); the count of places taken, reserved (maybe
     * not yet stored) plus queued, is P - consumed. Reserving is one CAS on `word` that fails once
     * a flag is set, so after refuse() returns no writer is accepted, and every writer accepted
     * before is counted: the consumer waits for the count to reach zero to know it has seen every
     * accepted item. No "accepted but stranded"; a refused writer throws before it touches the queue.
     *
     * One atomic read-modify-write per write (bounded policies): the CAS that admits a writer also
     * gives it its place in the ring, the slot of position P (a group of n places takes the slot of
     * its first place; the other n - 1 slots are skipped). A writer reads `consumed` after `word`
     * and admits only if P + n - consumed <= capacity (or the ring is empty): since P was still
     * current at its CAS and consumed never exceeds P, the count it computed is at least the real
     * one, so whatever held its slot before (position P - slots or lower, below consumed) has been
     * polled, the slot nulled before take() published `consumed`. A group larger than the capacity
     * is admitted only at count == 0, alone. The consumer reads its head slot (acquire); null there
     * with places reserved means a writer between its CAS and its store (a few instructions): the
     * cut stops and the drainer yields, as it did at JCTools' claimed-but-unfilled slots. The
     * consumer publishes `consumed` once per cut, not per element. Modelled, with a planted bug,
     * by jcstress RingModel.
     *
     * Why our own ring rather than JCTools' MpscVarHandleArrayQueue, which this class used before:
     * admission must count places (a group takes n) and fail atomically with close(), so `word`
     * has to be CASed anyway; JCTools' offer then CASed its own producer index, and its consumer
     * wrote its index per element: two RMWs per write where one does the job, which on two cores
     * was the writers' largest cost in the profile and measurably slower than ArrayBlockingQueue.
     *
     * GROW keeps JCTools' MpscUnboundedVarHandleArrayQueue (linked chunks) after the same CAS: a
     * second RMW, but GROW never waits. Positions are in places for both: flush() targets P, a cut
     * ends at the consumer's head (places polled).
     *
     * Groups (writeV of two or more items) are one element, so never split or interleaved. Up to
     * 64 items they are recycled through GroupPool: whoever polls one (the drainer after copying
     * it, or after the flusher call for a group larger than maxBatch; a DROP_OLDEST writer) clears
     * and returns it. The pool queues' release/acquire order each hand-over.
     *
     * BLOCK waits on a Condition (virtual threads unmount; no spin). After take() the drainer
     * reads spaceWaiters and signals as many waiters as there is room; a waiter increments
     * spaceWaiters before re-reading the count, so one of the two sees the other (both volatile,
     * in the synchronization order). A woken waiter that still does not fit implies count > 0, so
     * a later take() signals again. DROP_OLDEST cannot poll as a producer, so the consumer
     * role is a lock (consumerLock), held by the drainer while it cuts (not while the flusher
     * runs) and by a DROP_OLDEST writer dropping whole elements from the head until it fits. One
     * poller at a time; the lock hands over the head with happens-before.
     */

    static final long CLOSED = 1L << 62;
    static final long FAILED = 1L << 61;
    static final long COUNT = FAILED - 1;
    /** The position bits of {@code word}. */
    private static final long POSITION = COUNT;
    /** {@link #reserve} results. */
    static final long DROPPED = -1L;

    static final long REFUSED = -2L;
    /** {@link #reserveWithin} found no room in time. */
    static final long FULL = -3L;

    private static final VarHandle WORD;
    private static final VarHandle DROPPED_INCOMING;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(Room.class, "word", long.class);
            DROPPED_INCOMING = lookup.findVarHandle(Room.class, "droppedIncoming", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bounded policies: the ring, a power of two of at least the capacity; null for GROW. */
    private final Object[] ring;

    private final int mask;
    /** GROW: the unbounded queue; null otherwise. */
    private final MessagePassingQueue<Object> grown;

    private final int capacity;
    private final boolean grow;

    private final boolean block;
    private final boolean dropOldest;
    private final DropWarning warning;
    /** Whether a MANUAL drainer must deliver while BLOCK writers wait (see beforeWait). */
    private final boolean manual;
    /** The drainer's wake-up; also names the drainer thread, which must never wait for room. */
    private final Sleeper sleeper;

    final GroupPool groups;

    /** Held by whoever polls the queue: the drainer, or a DROP_OLDEST writer making room. */
    final ReentrantLock consumerLock = new ReentrantLock();

    private final ReentrantLock spaceLock = new ReentrantLock();
    private final Condition space = spaceLock.newCondition();
    /** BLOCK writers waiting; changed under spaceLock, read racily by the drainer. */
    private volatile int spaceWaiters;

    private volatile long word;
    /** Places ever taken; written by the consumer only (under consumerLock). */
    private volatile long consumed;
    /** Places ever polled; consumer only (under consumerLock). */
    private long head;

    private volatile long droppedIncoming;
    /** Changed only under consumerLock. */
    private volatile long droppedQueued;

    Room(AsyncConfig<?> config, Sleeper sleeper) {
        this.capacity = config.capacity();
        this.groups = new GroupPool(capacity);
        this.grow = config.grow();
        this.block = config.block();
        this.dropOldest = config.dropOldest();
        this.warning = config.warnOnDrop() ? new DropWarning(config.logger(), capacity) : null;
        this.manual = config.manual();
        this.sleeper = sleeper;
        if (grow) {
            this.grown = new MpscUnboundedVarHandleArrayQueue<>(Math.max(2, Math.min(capacity, 4096)));
            this.ring = null;
            this.mask = 0;
        } else {
            int slots = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
            this.grown = null;
            this.ring = new Object[slots];
            this.mask = slots - 1;
        }
    }

    /** Run by a BLOCK writer before each wait for room, once it counts as a waiter. */
    private void beforeWait() {
        if (Thread.currentThread() == sleeper.drainer()) {
            throw new IllegalStateException("the flusher must not write to its own buffer when that has to"
                    + " wait for room: the wait would never end");
        }
        if (manual) {
            sleeper.wake(); // a MANUAL drainer delivers while writers wait (hasSpaceWaiters)
        }
    }

    /**
     * Returns the position after this reservation, at least 1 (the caller must then {@link #offer}
     * with it), or {@link #DROPPED}, or {@link #REFUSED}. Interrupted while waiting: nothing reserved.
     */
    long reserve(int n) {
        return admit(n, -1);
    }

    /** Whatever the overflow policy: waits at most {@code nanos}, then {@link #FULL}; never drops. */
    long reserveWithin(int n, long nanos) {
        return admit(n, Math.max(0, nanos));
    }

    /** {@code nanos < 0}: the overflow policy decides; otherwise wait at most that long. */
    private long admit(int n, long nanos) {
        long deadline = nanos < 0 ? 0 : System.nanoTime() + nanos;
        for (; ; ) {
            long w = word;
            if ((w & (CLOSED | FAILED)) != 0) {
                return REFUSED;
            }
            long p = w & POSITION;
            if (grow || fits(p - consumed, n)) { // consumed read after word: see the notes
                if (WORD.compareAndSet(this, w, w + n)) {
                    return p + n;
                }
                continue;
            }
            if (nanos >= 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return FULL;
                }
                awaitSpace(n, left);
            } else if (block) {
                awaitSpace(n, Long.MAX_VALUE);
            } else if (dropOldest) {
                dropOldest(n);
            } else {
                DROPPED_INCOMING.getAndAdd(this, (long) n);
                if (warning != null) {
                    warning.dropped(n);
                }
                return DROPPED;
            }
        }
    }

    /**
     * Stores the element reserved with {@code end} ({@link #reserve}'s result) and returns the
     * count after it (for {@link Sleeper#wrote}). Never fails: the reservation guaranteed a slot.
     */
    long offer(Object element, long end) {
        if (ring != null) {
            int slot = (int) ((end - Group.placesOf(element)) & mask);
            assert ring[slot] == null : "a reserved place had no slot";
            SLOT.setRelease(ring, slot, element);
        } else {
            grown.offer(element);
        }
        return end - consumed;
    }

    /**
     * Stores {@code k} single items, {@code items[from..from+k)}, reserved together with
     * {@code end} ({@link #reserve}{@code (k)}'s result): item j takes place {@code end - k + j}.
     * Returns the count after them, as {@link #offer}.
     */
    long offerAll(Object[] items, int from, int k, long end) {
        for (int j = 0; j < k; j++) {
            Object e = items[from + j];
            assert !(e instanceof Group) : "offerAll takes single items";
            if (ring != null) {
                int slot = (int) ((end - k + j) & mask);
                assert ring[slot] == null : "a reserved place had no slot";
                SLOT.setRelease(ring, slot, e);
            } else {
                grown.offer(e);
            }
        }
        return end - consumed;
    }

    private boolean fits(long count, int n) {
        return count == 0 || n <= capacity - count;
    }

    /** Waits until {@code n} places fit, a flag is set, or {@code nanos} passed (MAX_VALUE: no bound). */
    private void awaitSpace(int n, long nanos) {
        try {
            spaceLock.lockInterruptibly();
            try {
                spaceWaiters++;
                try {
                    for (long left = nanos; ; ) {
                        long w = word;
                        if ((w & (CLOSED | FAILED)) != 0 || fits(countOf(w), n)) {
                            return;
                        }
                        if (left <= 0) {
                            return;
                        }
                        // Before every wait: the count may have risen since the last one, and a
                        // MANUAL drainer only delivers for waiters it knows of.
                        beforeWait();
                        if (nanos == Long.MAX_VALUE) {
                            space.await();
                        } else {
                            left = space.awaitNanos(left);
                        }
                    }
                } finally {
                    spaceWaiters--;
                }
            } finally {
                spaceLock.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c =
                    new CancellationException("interrupted while waiting for room in the buffer; nothing was written");
            c.initCause(e);
            throw c;
        }
    }

    /**
     * DROP_OLDEST. An empty queue with places taken means writers reserved and have not offered
     * yet: yield and let the caller retry.
     */
    private void dropOldest(int n) {
        boolean stalled = false;
        consumerLock.lock();
        try {
            for (; ; ) {
                long w = word;
                if ((w & (CLOSED | FAILED)) != 0 || fits(countOf(w), n)) {
                    return;
                }
                Object e = poll();
                if (e == null) {
                    stalled = true;
                    return;
                }
                int k = Group.placesOf(e);
                droppedQueued += k;
                take(k);
                if (e instanceof Group g) {
                    groups.give(g);
                }
            }
        } finally {
            consumerLock.unlock();
            if (stalled) {
                Thread.yield();
            }
        }
    }

    /** The head element, or null if none is stored there yet. */
    Object peek() {
        assert consumerLock.isHeldByCurrentThread() : "consumer without consumerLock";
        return ring != null ? SLOT.getAcquire(ring, (int) (head & mask)) : grown.peek();
    }

    /** Removes the head element; its places stay counted until {@link #take}. */
    Object poll() {
        assert consumerLock.isHeldByCurrentThread() : "consumer without consumerLock";
        Object e;
        if (ring != null) {
            int slot = (int) (head & mask);
            e = SLOT.getAcquire(ring, slot);
            if (e != null) {
                ring[slot] = null; // before take() publishes consumed: a writer may then reuse it
            }
        } else {
            e = grown.poll();
        }
        if (e != null) {
            head += Group.placesOf(e);
        }
        return e;
    }

    /** Consumer: {@code k} polled places are free again; returns the count after. */
    long take(int k) {
        assert consumerLock.isHeldByCurrentThread() : "consumer without consumerLock";
        long c = consumed + k;
        consumed = c;
        return (word & POSITION) - c;
    }

    /** Places taken for the flags-and-position word {@code w} (read before consumed). */
    private long countOf(long w) {
        return Math.max(0, (w & POSITION) - consumed);
    }

    /** Whether BLOCK writers wait for room (a MANUAL drainer then delivers what is queued). */
    boolean hasSpaceWaiters() {
        return spaceWaiters > 0;
    }

    /** Wakes as many BLOCK writers as there is room for now (at least one if the queue is empty). */
    void signalSpace(long countAfter) {
        if (spaceWaiters == 0) {
            return;
        }
        spaceLock.lock();
        try {
            long room = Math.max(1, capacity - countAfter);
            for (long i = Math.min(room, spaceWaiters); i > 0; i--) {
                space.signal();
            }
        } finally {
            spaceLock.unlock();
        }
    }

    /** Sets CLOSED or FAILED: from now on every reservation is refused; waiting writers wake. */
    void refuse(long flag) {
        WORD.getAndBitwiseOr(this, flag);
        spaceLock.lock();
        try {
            space.signalAll();
        } finally {
            spaceLock.unlock();
        }
    }

    /** The flags and the count of places taken ({@link #COUNT} bits). */
    long word() {
        long w = word;
        return (w & (CLOSED | FAILED)) | countOf(w);
    }

    /** Places ever reserved (stored or being stored): a flush() target. */
    long producerIndex() {
        return word & POSITION;
    }

    /** Places ever polled; consumer only (under consumerLock). */
    long consumerIndex() {
        return head;
    }

    long droppedIncoming() {
        return droppedIncoming;
    }

    long droppedQueued() {
        return droppedQueued;
    }

    int capacity() {
        return capacity;
    }
}
