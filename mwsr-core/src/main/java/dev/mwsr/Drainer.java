package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The background thread of an {@link AsyncBuffer}: cuts batches from the {@link Room}'s queue,
 * calls the flusher, applies the failure policy, and tells {@code flush()}/{@code close()} callers
 * how far delivery has got.
 */
final class Drainer<T> implements Runnable {
    /*
     * Implementation notes (the queue and admission are Room's).
     *
     * Wake-up. An idle drainer sets `sleeping` = 1, re-checks for work, and parks. A writer whose
     * reservation makes count reach `wakeAt` (1 in TRIGGER; maxBatch in LOOP with earlyFlush;
     * never otherwise) reads `sleeping` after its CAS and, only if it is 1, CASes it to 0 and
     * unparks: one unpark per sleep, none per write. No lost wake-up: the writer's CAS on the
     * count precedes its read of `sleeping`, the drainer's write of `sleeping` precedes its read of
     * the count, so at least one of them sees the other. (The argument rests on our own `word`,
     * not on JCTools' internal orderings.)
     *
     * flush(). A write that returned has claimed its queue index, so flush() reads the producer
     * index P and waits until `delivered` >= P, where `delivered` is the consumer index at the end
     * of the last cut whose flusher call returned. JCTools' drain/relaxedPoll may stop at a slot a
     * producer claimed but has not filled yet; peek/poll instead spin there while the consumer
     * index is below the producer index, so a cut towards P never stops short, and indices are
     * only published after the flusher's return (the happens-before edge flush() needs). flush()
     * raises `requested` to P and wakes the drainer, which serves requests before anything else in
     * every mode (cutting LOOP's rest short). MANUAL delivers only for requests, close, and while
     * BLOCK writers wait (or they would wait forever): a waiter increments spaceWaiters and
     * re-reads the count, then wakes the drainer before each wait; the drainer publishes
     * `sleeping`, then reads the count and spaceWaiters (Dekker again, for both conditions).
     * A request for "what is queued now" would not do: items reserved but not yet offered when
     * the waiter asks are outside its target, and may be all that fills the queue.
     *
     * Batches. Under consumerLock the drainer peeks, and polls only what fits: a group that does
     * not fit in the current batch stays at the head for the next cut, one larger than maxBatch is
     * cut alone and delivered as its own read-only list. LOOP rests `interval` after every flusher
     * return (measured from it, so never early) and makes no call for an empty period.
     *
     * Failure. The drainer sets FAILED (refusing writers), collects the failed batch and then
     * polls until count == 0, and only then publishes the cause and the undelivered list; threads
     * that saw FAILED wait for that publication, so every FlushFailedException is complete. The
     * retrying policy instead keeps the batch in the reused view and calls again after a pause
     * (parkNanos, doubling from 1 ms to the cap); writers meanwhile see a full queue as usual.
     *
     * Spins. The only busy waits are for a writer between its reservation and its offer (a few
     * instructions, no blocking call between them): the drainer cutting while count > 0 and the
     * queue is empty, and a DROP_OLDEST writer in the same situation. They Thread.yield().
     *
     * close(Duration). After the timeout the closing thread takes consumerLock (so no cut is half
     * done) and sets `abandoned`; the drainer checks it under the same lock before every flusher
     * or dead-letter call (enterCall), so after that no call starts. The batch the drainer holds
     * is reported in doubt if a call on it is running (inCall), else undelivered, followed by
     * everything still queued; then the failure (a TimeoutException) is published like a
     * fail-fast failure. The drainer is unparked, never interrupted: an interrupt would close the
     * user's interruptible channel in the middle of a write.
     */

    private static final VarHandle SLEEPING;
    private static final VarHandle REQUESTED;
    private static final VarHandle WAKE_UPS;
    /**
     * The longest idle park: the drainer does not depend on one unpark arriving (a writer's unpark
     * can be lost, e.g. to a stack overflow inside it), so a lost wake-up costs at most this delay.
     */
    static final long IDLE_PARK_NANOS = 1_000_000_000L;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SLEEPING = lookup.findVarHandle(Drainer.class, "sleeping", int.class);
            REQUESTED = lookup.findVarHandle(Drainer.class, "requested", long.class);
            WAKE_UPS = lookup.findVarHandle(Drainer.class, "wakeUps", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Room room;
    private final Consumer<? super List<T>> flusher;
    private final AsyncBuffer.Mode mode;
    private final int maxBatch;
    private final long intervalNanos;
    private final boolean earlyFlush;
    private final FailurePolicy<T> policy;
    /** The AsyncBuffer, weakly: once it is collected unclosed, the drainer closes it (see sleep). */
    private final WeakReference<Object> owner;
    /** Set by the drainer when it closed the buffer because it was collected unclosed. */
    private boolean orphaned;

    private final BatchView<T> view;
    /** Writers whose reservation brings the count to this wake a sleeping drainer. */
    final long wakeAt;

    /** Set once, before the thread starts. */
    private Thread thread;

    /** 1 while the drainer is (about to be) parked; a waker CASes it to 0 and unparks. */
    private volatile int sleeping;
    /** Queue index up to which flush() callers (or a MANUAL writer under BLOCK) asked for delivery. */
    private volatile long requested;

    private volatile boolean abandoned;
    /**
     * Guarded by room.consumerLock (so close(Duration) giving up sees a consistent pair): the
     * batch the drainer holds, from its cut until it is done with it (delivered, given up on or
     * failed), and whether a user call (flusher or dead-letter handler) on it is running.
     */
    private List<T> held;

    private boolean inCall;
    /** Items of batches given up on: handed to the dead-letter handler, or dropped. */
    private volatile long deadLettered;

    private volatile long droppedFailed;
    private volatile long wakeUps;
    /** What flush(), close() and failure observers wait for. */
    final Progress progress = new Progress();

    /** Metrics and the flusher call itself; used by the drainer thread only. */
    private final FlushStats stats = new FlushStats();

    /** The lag figure: one clock read per batch (Lag). */
    private final Lag lag = new Lag();

    Drainer(
            Room room,
            Consumer<? super List<T>> flusher,
            AsyncBuffer.Mode mode,
            int maxBatch,
            long intervalNanos,
            boolean earlyFlush,
            FailurePolicy<T> policy,
            Object owner) {
        this.room = room;
        this.flusher = flusher;
        this.mode = mode;
        this.maxBatch = maxBatch;
        this.intervalNanos = intervalNanos;
        this.earlyFlush = earlyFlush;
        this.policy = policy;
        this.owner = new WeakReference<>(owner);
        this.view = new BatchView<>(maxBatch);
        this.wakeAt = switch (mode) {
            case TRIGGER -> 1;
            case LOOP -> earlyFlush ? maxBatch : Long.MAX_VALUE;
            case MANUAL -> Long.MAX_VALUE;
        };
    }

    void start(Thread t) {
        this.thread = t;
        t.start();
    }

    Thread thread() {
        return thread;
    }

    // ---------------------------------------------------------------------------------------
    // The loop.

    @Override
    public void run() {
        assert Thread.currentThread() == thread : "one drainer thread";
        try {
            loop();
        } catch (Throwable t) {
            // Not the flusher (call() catches that): a bug here. Fail loudly rather than strand writers.
            if (progress.failureCause() == null) {
                fail(t, List.of());
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
            if (abandoned) {
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
        return switch (mode) {
            case TRIGGER -> count > 0;
            case LOOP -> (earlyFlush && count >= maxBatch) || System.nanoTime() - restEnd >= 0;
            case MANUAL -> count > 0 && room.hasSpaceWaiters();
        };
    }

    /** Whether a sleep must not start: re-checked after {@code sleeping} is published (Dekker). */
    private boolean hasWork() {
        long w = room.word();
        long count = w & Room.COUNT;
        return abandoned
                || (w & (Room.CLOSED | Room.FAILED)) != 0
                || requested > progress.delivered()
                || (mode == AsyncBuffer.Mode.TRIGGER && count > 0)
                || (mode == AsyncBuffer.Mode.LOOP && earlyFlush && count >= maxBatch)
                || (mode == AsyncBuffer.Mode.MANUAL && count > 0 && room.hasSpaceWaiters());
    }

    private void sleep(long restEnd) {
        Thread.interrupted(); // a stray interrupt must not turn park into a spin; abandon has its flag
        SLEEPING.setVolatile(this, 1);
        try {
            if (!hasWork()) {
                // Bounded even when only a wake-up can end it (TRIGGER, MANUAL): see IDLE_PARK_NANOS.
                long left = mode == AsyncBuffer.Mode.LOOP ? restEnd - System.nanoTime() : IDLE_PARK_NANOS;
                if (left > 0) {
                    LockSupport.parkNanos(this, Math.min(left, IDLE_PARK_NANOS));
                }
                if (owner.refersTo(null) && !orphaned) {
                    // Collected without close(): nobody can write, flush or close it any more, so
                    // close it here, delivering everything accepted, and end the thread.
                    orphaned = true;
                    room.refuse(Room.CLOSED);
                }
            }
        } finally {
            sleeping = 0;
        }
    }

    /** Run by a BLOCK writer before each wait for room, once it counts as a waiter. */
    void beforeWriterWaits() {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("the flusher must not write to its own buffer when that has to"
                    + " wait for room: the wait would never end");
        }
        if (mode == AsyncBuffer.Mode.MANUAL) {
            wake(); // a MANUAL drainer delivers while writers wait (Room.hasSpaceWaiters)
        }
    }

    /** Called by writers past {@link #wakeAt}, and by flush(): unparks only a sleeping drainer. */
    void wake() {
        if (sleeping == 1 && SLEEPING.compareAndSet(this, 1, 0)) {
            WAKE_UPS.getAndAdd(this, 1L);
            LockSupport.unpark(thread);
        }
    }

    /** How many times {@link #wake()} unparked the drainer (tests: no unpark per write). */
    long wakeUps() {
        return wakeUps;
    }

    /** Asks for delivery of every element below {@code target}, then wakes the drainer. */
    void request(long target) {
        long r;
        do {
            r = requested;
        } while (r < target && !REQUESTED.compareAndSet(this, r, target));
        wake();
    }

    // ---------------------------------------------------------------------------------------
    // Delivering.

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

    /**
     * Cuts one batch from the head of the queue and delivers it.
     *
     * @return items delivered; 0 if nothing could be cut; -1 if the buffer failed or was abandoned
     */
    private int deliverBatch() {
        int size = 0;
        Group big = null;
        long cutIndex;
        long countAfter = -1;
        room.consumerLock.lock();
        try {
            long first = room.consumerIndex();
            Object[] slots = view.items;
            while (size < maxBatch) {
                Object e = room.peek();
                if (e == null) {
                    break;
                }
                if (e instanceof Group g) {
                    int n = g.size();
                    if (n > maxBatch - size) {
                        if (size == 0) {
                            room.poll();
                            big = g;
                        }
                        break;
                    }
                    room.poll();
                    System.arraycopy(g.items, 0, slots, size, n);
                    size += n;
                    room.groups.give(g);
                } else {
                    room.poll();
                    slots[size++] = e;
                }
            }
            int taken = big != null ? big.size() : size;
            if (taken > 0) {
                stats.holding(taken);
                countAfter = room.take(taken);
                held = big != null ? big.asList() : view.open(size);
                lag.cut(first, room.producerIndex(), System.nanoTime());
            }
            cutIndex = room.consumerIndex();
        } finally {
            room.consumerLock.unlock();
        }
        if (countAfter < 0) {
            progress.delivered(cutIndex);
            return 0;
        }
        room.signalSpace(countAfter);
        List<T> batch = held; // written by this thread
        int taken = batch.size();
        boolean ok;
        try {
            ok = call(batch);
            if (ok) {
                lag.delivered(System.nanoTime());
            }
        } catch (Throwable t) {
            // Not the flusher's (stats.call catches those) but ours or a logger's, e.g. a stack
            // overflow while logging: fail with the batch kept, never drop it with the view.
            ok = false;
            if (!abandoned && progress.failureCause() == null) {
                fail(t, held);
            }
        } finally {
            lag.done();
            hold(null); // before the view is cleared: close(Duration) may be copying it
            if (big == null) {
                view.clear(size);
            } else if (!abandoned) {
                room.groups.give(big); // after close(Duration) gave up, a flusher may still hold it
            }
        }
        if (!ok) {
            return -1;
        }
        progress.delivered(cutIndex);
        return taken;
    }

    /**
     * One batch through the flusher, with the failure policy: fail fast, retry with backoff, or
     * retry until the batch has been failing for the limit and then give it up (dead letter or
     * drop). A {@link PartialFlushException}'s durable prefix is done with: only the rest is
     * retried, given up on or failed. A {@link VirtualMachineError} fails the buffer at once.
     *
     * @return true once the batch is done with (delivered, durable, or given up on); false if the
     *     buffer failed or was abandoned
     */
    private boolean call(List<T> batch) {
        List<T> rest = batch;
        long firstFailure = 0;
        for (int attempt = 1; ; attempt++) {
            if (!enterCall()) {
                return false;
            }
            int left = stats.call(flusher, rest, rest.size());
            if (left == 0) {
                policy.recovered();
                return true; // inCall is reset by hold(null), with the rest of the batch's state
            }
            Throwable thrown = stats.failure();
            if (left < rest.size()) {
                rest = rest.subList(rest.size() - left, rest.size());
            }
            leaveCall(rest);
            if (abandoned) {
                policy.warn(
                        "AsyncBuffer flusher threw after close(Duration) gave up; its " + rest.size()
                                + " items were reported in doubt",
                        thrown);
                return false;
            }
            if (!policy.retries() || FlushStats.fatal(thrown)) {
                fail(thrown, rest);
                return false;
            }
            long now = System.nanoTime();
            if (attempt == 1) {
                firstFailure = now;
            }
            if (policy.givesUp(firstFailure, now)) {
                return giveUp(rest, thrown, now - firstFailure);
            }
            policy.failed(rest.size(), thrown);
            pause(policy.backoffNanos(attempt));
        }
    }

    /**
     * The bounded policy's end for one batch: a copy to the dead-letter handler, or a counted and
     * logged drop; then the drainer goes on. A handler that throws fails the buffer with the batch
     * among the undelivered items.
     */
    private boolean giveUp(List<T> rest, Throwable thrown, long failingNanos) {
        Consumer<? super List<T>> deadLetter = policy.deadLetter();
        int n = rest.size();
        if (deadLetter == null) {
            droppedFailed += n;
            stats.holding(0);
            policy.gaveUp(n, failingNanos, thrown, true);
            return true;
        }
        if (!enterCall()) {
            return false;
        }
        boolean interrupted = Thread.interrupted(); // as for a flusher call: no stray flag
        try {
            deadLetter.accept(List.copyOf(rest));
        } catch (Throwable handlerFailure) {
            leaveCall(rest);
            if (!abandoned) {
                fail(handlerFailure, rest);
            }
            return false;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        deadLettered += n;
        stats.holding(0);
        policy.gaveUp(n, failingNanos, thrown, false);
        return true;
    }

    /** Before a user call: false if close(Duration) gave up (then no call is made). */
    private boolean enterCall() {
        room.consumerLock.lock();
        try {
            if (abandoned) {
                return false;
            }
            inCall = true;
            return true;
        } finally {
            room.consumerLock.unlock();
        }
    }

    /** After a user call that threw: {@code rest} is what the drainer still holds. */
    private void leaveCall(List<T> rest) {
        room.consumerLock.lock();
        try {
            inCall = false;
            held = rest;
        } finally {
            room.consumerLock.unlock();
        }
    }

    private void hold(List<T> batch) {
        room.consumerLock.lock();
        try {
            inCall = false;
            held = batch;
        } finally {
            room.consumerLock.unlock();
        }
    }

    private void pause(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0 && !abandoned; left = end - System.nanoTime()) {
            Thread.interrupted();
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * Fail fast: refuse writers, then collect the failed batch and everything accepted after it,
     * waiting for reserved places whose writers are still offering. Only then is the failure
     * published, so every exception built from it is complete.
     */
    private void fail(Throwable cause, List<T> batch) {
        room.refuse(Room.FAILED);
        room.consumerLock.lock();
        try {
            if (abandoned) {
                return; // close(Duration) gave up first and reported the batch with everything else
            }
            List<Object> lost = new ArrayList<>(batch);
            drainQueueInto(lost);
            stats.holding(0);
            progress.failed(cause, lost, List.of());
        } finally {
            room.consumerLock.unlock();
        }
    }

    /**
     * Polls every accepted element into {@code out}, waiting for reserved places whose writers
     * are still offering. Caller holds consumerLock and has set a flag that refuses writers.
     */
    private void drainQueueInto(List<Object> out) {
        for (; ; ) {
            Object e = room.poll();
            if (e != null) {
                Group.addTo(e, out);
                room.take(Group.placesOf(e));
            } else if ((room.word() & Room.COUNT) == 0) {
                return;
            } else {
                Thread.yield();
            }
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * close(Duration) gave up: no flusher call is made any more, the one in progress (if any) is
     * left alone (never interrupted) and its items reported in doubt; the held batch not in a call
     * and everything queued are reported undelivered, and the buffer fails with {@code cause}.
     * Called by the closing thread; CLOSED is set, so no writer gets in any more.
     *
     * @return the items given up on (undelivered plus in doubt); 0 if there was nothing left (the
     *     drainer is ending by itself); -1 if the buffer had failed already
     */
    long abandon(Throwable cause) {
        List<Object> lost = new ArrayList<>();
        List<Object> doubt = List.of();
        room.consumerLock.lock();
        try {
            if (progress.failureCause() != null) {
                return -1;
            }
            if (held == null && (room.word() & Room.COUNT) == 0) {
                return 0;
            }
            abandoned = true;
            room.refuse(Room.FAILED);
            if (held != null) {
                if (inCall) {
                    doubt = new ArrayList<>(held);
                } else {
                    lost.addAll(held);
                }
            }
            drainQueueInto(lost);
            progress.failed(cause, lost, doubt);
        } finally {
            room.consumerLock.unlock();
        }
        LockSupport.unpark(thread); // ends a retry pause or an idle park; no interrupt
        return lost.size() + doubt.size();
    }

    /** The drainer must look at the flags now (close): unparks it whether it sleeps or not. */
    void nudge() {
        LockSupport.unpark(thread);
    }

    boolean abandoned() {
        return abandoned;
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

    long inFlight() {
        return abandoned ? 0 : stats.inFlight();
    }

    /** Metrics: the lag figure now (see {@link Metrics#lagNanos()}). */
    long lagNanos() {
        return lag.lagNanos(System.nanoTime());
    }

    long deadLettered() {
        return deadLettered;
    }

    long droppedFailed() {
        return droppedFailed;
    }
}
