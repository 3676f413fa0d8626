package dev.mwsr;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The background thread of an {@link AsyncBuffer}: cuts batches from the {@link Room}'s queue,
 * calls the flusher, applies the failure policy, and tells {@code flush()}/{@code close()} callers
 * how far delivery has got. See the implementation notes of {@link AsyncBuffer}.
 */
final class Drainer<T> implements Runnable {
    private static final VarHandle SLEEPING;
    private static final VarHandle REQUESTED;
    private static final VarHandle WAKE_UPS;
    private static final long FIRST_BACKOFF_NANOS = 1_000_000L;

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
    /** Negative: fail fast. Otherwise the retry policy's largest pause. */
    private final long maxBackoffNanos;

    private final System.Logger logger;
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
    private volatile long wakeUps;
    /** What flush(), close() and failure observers wait for. */
    final Progress progress = new Progress();

    /** Metrics and the flusher call itself; used by the drainer thread only. */
    private final FlushStats stats = new FlushStats();

    Drainer(
            Room room,
            Consumer<? super List<T>> flusher,
            AsyncBuffer.Mode mode,
            int maxBatch,
            long intervalNanos,
            boolean earlyFlush,
            long maxBackoffNanos,
            System.Logger logger) {
        this.room = room;
        this.flusher = flusher;
        this.mode = mode;
        this.maxBatch = maxBatch;
        this.intervalNanos = intervalNanos;
        this.earlyFlush = earlyFlush;
        this.maxBackoffNanos = maxBackoffNanos;
        this.logger = logger;
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
                if (mode == AsyncBuffer.Mode.LOOP) {
                    long left = restEnd - System.nanoTime();
                    if (left > 0) {
                        LockSupport.parkNanos(this, left);
                    }
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            sleeping = 0;
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
        List<T> batch = big != null ? big.asList() : view.open(size);
        int taken = batch.size();
        boolean ok;
        try {
            ok = call(batch);
        } finally {
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
     * One batch through the flusher, with the failure policy: fail fast, or retry with backoff.
     *
     * @return true once the flusher returned normally; false if the buffer failed or was abandoned
     */
    private boolean call(List<T> batch) {
        int size = batch.size();
        for (int attempt = 1; ; attempt++) {
            if (abandoned) {
                return false;
            }
            if (stats.call(flusher, batch, size)) {
                return true;
            }
            Throwable thrown = stats.failure();
            if (abandoned) {
                logger.log(
                        Level.WARNING,
                        "AsyncBuffer flusher threw after close(Duration) gave up;" + " its " + size
                                + " items were reported undelivered",
                        thrown);
                return false;
            }
            if (maxBackoffNanos < 0) {
                fail(thrown, batch);
                return false;
            }
            long pause = backoffNanos(attempt);
            logger.log(
                    Level.WARNING,
                    "AsyncBuffer flusher threw on attempt " + attempt + " for a batch of " + size
                            + " items; retrying in " + pause / 1_000_000 + " ms",
                    thrown);
            pause(pause);
        }
    }

    private long backoffNanos(int attempt) {
        long pause = FIRST_BACKOFF_NANOS << Math.min(attempt - 1, 40);
        return Math.min(pause, maxBackoffNanos);
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
        List<Object> lost = new ArrayList<>(batch);
        room.refuse(Room.FAILED);
        room.consumerLock.lock();
        try {
            for (; ; ) {
                Object e = room.poll();
                if (e != null) {
                    Group.addTo(e, lost);
                    room.take(Group.placesOf(e));
                } else if ((room.word() & Room.COUNT) == 0) {
                    break;
                } else {
                    Thread.yield();
                }
            }
        } finally {
            room.consumerLock.unlock();
        }
        stats.holding(0);
        progress.failed(cause, lost);
    }

    // ---------------------------------------------------------------------------------------

    /** close(Duration) gave up: deliver nothing more, leave the flusher call in progress. */
    void abandon() {
        abandoned = true;
        thread.interrupt();
        LockSupport.unpark(thread);
        progress.signal();
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
        return stats.inFlight();
    }
}
