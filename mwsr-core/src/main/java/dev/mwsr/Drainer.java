package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The background thread of an {@link AsyncBuffer}: cuts batches from the {@link Room}'s queue,
 * calls the flusher, applies the failure policy, and tells {@code flush()}/{@code close()} callers
 * how far delivery has got.
 */
final class Drainer<T> implements Runnable {
    /*
     * Implementation notes.
     *
     * flush(): a write that returned has claimed its queue index, so flush() reads the producer
     * index P and waits until `delivered` >= P (the consumer index at the end of the last cut
     * whose flusher call returned). JCTools' drain/relaxedPoll may stop at a slot claimed but not
     * yet filled; peek/poll spin there while the consumer index is below the producer index, so a
     * cut towards P never stops short, and indices are published only after the flusher returns
     * (the happens-before edge flush() needs). flush() raises `requested` to P and wakes the
     * drainer, which serves requests first in every mode (cutting LOOP's rest short).
     *
     * MANUAL delivers only for requests, close, and while BLOCK writers wait (else they would
     * wait forever): a waiter increments spaceWaiters, re-reads the count, then wakes the drainer
     * before each wait; the drainer publishes `sleeping`, then reads the count and spaceWaiters
     * (Dekker, for both conditions). A request for "what is queued now" would not do: items
     * reserved but not yet offered are outside its target and may be all that fills the queue.
     *
     * LOOP rests `interval` after every flusher return (never early), no call for an empty period.
     *
     * The only busy waits are for a writer between its reservation and its offer (a few
     * instructions, no blocking call): the drainer cutting while count > 0 and the queue is
     * empty, and a DROP_OLDEST writer likewise. They Thread.yield().
     */

    private static final VarHandle REQUESTED;
    /**
     * The longest idle park: the drainer does not depend on one unpark arriving (a writer's unpark
     * can be lost, e.g. to a stack overflow inside it), so a lost wake-up costs at most this delay.
     */
    static final long IDLE_PARK_NANOS = 1_000_000_000L;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REQUESTED = lookup.findVarHandle(Drainer.class, "requested", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Room room;
    private final boolean loop;

    private final boolean manual;
    private final int maxBatch;
    private final long intervalNanos;
    private final boolean earlyFlush;
    private final FailurePolicy<T> policy;
    /** The AsyncBuffer, weakly: once it is collected unclosed, the drainer closes it (see sleep). */
    private final WeakReference<Object> owner;
    /** Set by the drainer when it closed the buffer because it was collected unclosed. */
    private boolean orphaned;

    private final BatchCut<T> cut;
    private Thread thread;

    private final Sleeper sleeper;
    /** Queue index up to which flush() callers (or a MANUAL writer under BLOCK) asked for delivery. */
    private volatile long requested;

    final Progress progress = new Progress();

    private final FlushStats stats = new FlushStats();

    private final AsyncFailures<T> calls;

    private final Lag lag = new Lag();

    Drainer(AsyncConfig<T> config, Room room, Sleeper sleeper, Object owner) {
        this.room = room;
        this.sleeper = sleeper;
        this.loop = config.loop();
        this.manual = config.manual();
        this.maxBatch = config.maxBatch();
        this.intervalNanos = config.intervalNanos();
        this.earlyFlush = config.earlyFlush();
        this.policy = new FailurePolicy<>(config);
        this.owner = new WeakReference<>(owner);
        this.cut = new BatchCut<>(room, config);
        this.calls = new AsyncFailures<>(room, config.flusher(), policy, stats, progress);
    }

    void start(Thread t) {
        this.thread = t;
        sleeper.drainer(t);
        t.start();
    }

    Thread thread() {
        return thread;
    }

    @Override
    public void run() {
        assert Thread.currentThread() == thread : "one drainer thread";
        try {
            loop();
        } catch (Throwable t) {
            // Not the flusher (call() catches that): a bug here. Fail loudly rather than strand writers.
            if (progress.failureCause() == null) {
                calls.fail(t, List.of());
            }
        } finally {
            if (orphaned && progress.failureCause() != null) {
                policy.warn(
                        "an AsyncBuffer collected without close() failed while its drainer delivered what it"
                                + " held; " + progress.undelivered().size() + " items were not delivered",
                        progress.failureCause());
            }
            policy.drainerEnds();
            progress.terminated();
        }
    }

    private void loop() {
        long restEnd = System.nanoTime() + intervalNanos;
        for (; ; ) {
            if (calls.abandoned()) {
                return;
            }
            long w = room.word();
            if ((w & Room.FAILED) != 0) {
                return;
            }
            if ((w & Room.CLOSED) != 0) {
                deliverAll();
                return;
            }
            long target = requested;
            if (target > progress.delivered()) {
                if (!deliverUpTo(target)) {
                    return;
                }
                restEnd = System.nanoTime() + intervalNanos;
                continue;
            }
            long count = w & Room.COUNT;
            if (!due(count, restEnd)) {
                sleep(restEnd);
                continue;
            }
            if (count == 0) { // LOOP: an empty period makes no call
                restEnd = System.nanoTime() + intervalNanos;
                continue;
            }
            int r = deliverBatch();
            if (r < 0) {
                return;
            }
            if (r == 0) {
                Thread.yield(); // places reserved by writers that have not offered yet
            } else {
                restEnd = System.nanoTime() + intervalNanos; // the rest starts at the flusher's return
            }
        }
    }

    private boolean due(long count, long restEnd) {
        if (loop) {
            return (earlyFlush && count >= maxBatch) || System.nanoTime() - restEnd >= 0;
        }
        return count > 0 && (!manual || room.hasSpaceWaiters());
    }

    /** Whether a sleep must not start: re-checked after {@code sleeping} is published (Dekker). */
    private boolean hasWork() {
        long w = room.word();
        long count = w & Room.COUNT;
        return calls.abandoned()
                || (w & (Room.CLOSED | Room.FAILED)) != 0
                || requested > progress.delivered()
                || (!loop && !manual && count > 0)
                || (loop && earlyFlush && count >= maxBatch)
                || (manual && count > 0 && room.hasSpaceWaiters());
    }

    private void sleep(long restEnd) {
        Thread.interrupted(); // a stray interrupt must not turn park into a spin; abandon has its flag
        sleeper.announce();
        try {
            if (!hasWork()) {
                // Bounded even when only a wake-up can end it (TRIGGER, MANUAL): see IDLE_PARK_NANOS.
                long left = loop ? restEnd - System.nanoTime() : IDLE_PARK_NANOS;
                if (left > 0) {
                    sleeper.park(Math.min(left, IDLE_PARK_NANOS));
                }
                if (owner.refersTo(null) && !orphaned) {
                    // Collected without close(): nobody can write, flush or close it any more, so
                    // close it here, delivering everything accepted, and end the thread.
                    orphaned = true;
                    room.refuse(Room.CLOSED);
                }
            }
        } finally {
            sleeper.awake();
        }
    }

    /** Unparks only a sleeping drainer. */
    void wake() {
        sleeper.wake();
    }

    /** How many times {@link #wake()} unparked the drainer (tests: no unpark per write). */
    long wakeUps() {
        return sleeper.wakeUps();
    }

    void request(long target) {
        long r;
        do {
            r = requested;
        } while (r < target && !REQUESTED.compareAndSet(this, r, target));
        wake();
    }

    private boolean deliverUpTo(long target) {
        while (progress.delivered() < target) {
            int r = deliverBatch();
            if (r < 0) {
                return false;
            }
            if (r == 0 && progress.delivered() < target) {
                Thread.yield();
            }
        }
        return true;
    }

    /** close(): everything accepted, then return. The CLOSED flag stops new reservations. */
    private void deliverAll() {
        while ((room.word() & Room.COUNT) > 0) {
            int r = deliverBatch();
            if (r < 0) {
                return;
            }
            if (r == 0) {
                Thread.yield();
            }
        }
    }

    /** Returns items delivered; 0 if nothing could be cut; -1 if failed or abandoned. */
    private int deliverBatch() {
        long cutIndex;
        long countAfter = -1;
        room.consumerLock.lock();
        try {
            long first = room.consumerIndex();
            List<T> cut = this.cut.cutLocked();
            if (cut != null) {
                stats.holding(cut.size());
                countAfter = room.take(cut.size());
                calls.holdLocked(cut);
                lag.cut(first, room.producerIndex(), System.nanoTime());
            }
            cutIndex = room.consumerIndex();
        } finally {
            room.consumerLock.unlock();
        }
        Throwable sizerFailure = this.cut.failure();
        if (sizerFailure != null) {
            return failCut(sizerFailure, countAfter >= 0);
        }
        if (countAfter < 0) {
            progress.delivered(cutIndex);
            return 0;
        }
        room.signalSpace(countAfter);
        List<T> batch = calls.held(); // written by this thread
        int taken = batch.size();
        boolean ok;
        try {
            ok = calls.call(batch);
            if (ok) {
                lag.delivered(System.nanoTime());
            }
        } catch (Throwable t) {
            // Not the flusher's (AsyncFailures.call catches those) but ours or a logger's, e.g. a stack
            // overflow while logging: fail with the batch kept, never drop it with the view.
            ok = false;
            if (!calls.abandoned() && progress.failureCause() == null) {
                calls.fail(t, calls.held());
            }
        } finally {
            lag.done();
            calls.release(); // before the view is cleared: close(Duration) may be copying it
            cut.release(calls.abandoned());
        }
        if (!ok) {
            return -1;
        }
        progress.delivered(cutIndex);
        return taken;
    }

    /**
     * The maxBatchBytes sizer failed: the buffer fails whatever the failure policy (retrying would
     * measure the same item again), with the items cut so far and the queue undelivered.
     */
    private int failCut(Throwable cause, boolean cutSome) {
        try {
            calls.fail(cause, cutSome ? calls.held() : List.of());
        } finally {
            lag.done();
            calls.release();
            cut.release(false);
        }
        return -1;
    }

    long abandon(Throwable cause) {
        return calls.abandon(cause, thread);
    }

    /** The drainer must look at the flags now (close): unparks it whether it sleeps or not. */
    void nudge() {
        LockSupport.unpark(thread);
    }

    boolean abandoned() {
        return calls.abandoned();
    }

    long written() {
        return stats.written();
    }

    long batches() {
        return stats.batches();
    }

    long failures() {
        return stats.failures();
    }

    /**
     * Items out of the queue and not written, dropped or given up: the batch in flight (not once
     * abandoned), the undelivered ones of a failure, and those in doubt until their call returns.
     */
    long pending() {
        return (calls.abandoned() ? 0 : stats.inFlight())
                + progress.undelivered().size()
                + calls.inDoubtLeft();
    }

    long lagNanos() {
        return lag.lagNanos(System.nanoTime());
    }

    long deadLettered() {
        return calls.deadLettered();
    }

    long droppedFailed() {
        return calls.droppedFailed();
    }
}
