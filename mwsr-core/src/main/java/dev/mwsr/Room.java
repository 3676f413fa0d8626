package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.QueueProgressIndicators;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

/**
 * The queue of an {@link AsyncBuffer} and its admission control: how many places are taken, the
 * overflow policy applied to a writer that does not fit, and the closed/failed flags that refuse
 * writers. Writers call {@link #reserve} then {@link #offer}; the consumer side (the drainer, or a
 * {@code DROP_OLDEST} writer) polls only while holding {@link #consumerLock}.
 */
final class Room {
    /*
     * `word` packs the flags and the count of places taken: reserved by writers (maybe not yet
     * offered) plus queued. Reserving is a CAS on `word` that fails once a flag is set, so after
     * refuse() returns no writer is accepted, and every writer accepted before is counted: the
     * consumer waits for the count to reach zero to know it has seen every accepted item. No
     * "accepted but stranded"; a refused writer throws before it touches the queue.
     *
     * The count goes down only after the consumer polled (take()), so a successful reservation
     * always finds a slot: elements <= count <= capacity <= slots. A group larger than the
     * capacity is admitted only at count == 0, alone, in one slot.
     *
     * Queue: JCTools' VarHandle MPSC queues (no sun.misc.Unsafe). Bounded policies use
     * MpscVarHandleArrayQueue (preallocated ring: write() allocates nothing; one CAS per offer);
     * GROW uses MpscUnboundedVarHandleArrayQueue (linked chunks). Not MpscBlockingConsumerArrayQueue:
     * its parking serves one wake-up rule (non-empty), ours depends on mode, flush requests and
     * close; and capacity counts items, not elements (a writeV group is one element, n places).
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
     * a later take() signals again. DROP_OLDEST cannot poll as an MPSC producer, so the consumer
     * role is a lock (consumerLock), held by the drainer while it cuts (not while the flusher
     * runs) and by a DROP_OLDEST writer dropping whole elements from the head until it fits. One
     * poller at a time; the lock hands over the consumer index with happens-before.
     */

    static final long CLOSED = 1L << 62;
    static final long FAILED = 1L << 61;
    static final long COUNT = FAILED - 1;
    /** {@link #reserve} results. */
    static final long DROPPED = -1L;

    static final long REFUSED = -2L;
    /** {@link #reserveWithin} found no room in time. */
    static final long FULL = -3L;

    private static final VarHandle WORD;
    private static final VarHandle DROPPED_INCOMING;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(Room.class, "word", long.class);
            DROPPED_INCOMING = lookup.findVarHandle(Room.class, "droppedIncoming", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MessagePassingQueue<Object> queue;
    private final QueueProgressIndicators indices;
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
            var q = new MpscUnboundedVarHandleArrayQueue<Object>(Math.max(2, Math.min(capacity, 4096)));
            this.queue = q;
            this.indices = q;
        } else {
            var q = new MpscVarHandleArrayQueue<Object>(Math.max(2, capacity));
            this.queue = q;
            this.indices = q;
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
     * Returns the count after this reservation (the caller must then {@link #offer}), or
     * {@link #DROPPED}, or {@link #REFUSED}. Interrupted while waiting: nothing reserved.
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
            long count = w & COUNT;
            if (grow || fits(count, n)) {
                if (WORD.compareAndSet(this, w, w + n)) {
                    return count + n;
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

    /** Never fails: the reservation guaranteed a slot. */
    void offer(Object element) {
        boolean added = queue.offer(element);
        assert added : "a reserved place had no slot";
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
                        if ((w & (CLOSED | FAILED)) != 0 || fits(w & COUNT, n)) {
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
                if ((w & (CLOSED | FAILED)) != 0 || fits(w & COUNT, n)) {
                    return;
                }
                Object e = queue.poll();
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

    Object peek() {
        assert consumerLock.isHeldByCurrentThread() : "consumer without consumerLock";
        return queue.peek();
    }

    Object poll() {
        assert consumerLock.isHeldByCurrentThread() : "consumer without consumerLock";
        return queue.poll();
    }

    long take(int k) {
        return ((long) WORD.getAndAdd(this, (long) -k) - k) & COUNT;
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

    long word() {
        return word;
    }

    /** Elements ever offered or being offered: a flush() target. */
    long producerIndex() {
        return indices.currentProducerIndex();
    }

    /** Elements ever polled. */
    long consumerIndex() {
        return indices.currentConsumerIndex();
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
