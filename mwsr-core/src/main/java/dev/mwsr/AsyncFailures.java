package dev.mwsr;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The user-facing half of an {@link AsyncBuffer}'s drainer: the batch it holds, every flusher and
 * dead-letter call on it under the {@link FailurePolicy}, fail-fast, and {@code close(Duration)}
 * abandoning.
 */
final class AsyncFailures<T> {
    /*
     * Failure: FAILED refuses writers; the drainer collects the failed batch, polls until
     * count == 0, and only then publishes; threads that saw FAILED wait for that publication, so
     * every FlushFailedException is complete. Retrying keeps the batch in the reused view.
     *
     * close(Duration): the closing thread sets `abandoned` under consumerLock (so no cut is half
     * done); the drainer checks it under the same lock before every user call (enterCall), so no
     * call starts after. The held batch is in doubt if a call on it runs (inCall), else
     * undelivered. The drainer is unparked, never interrupted: an interrupt would close the
     * user's interruptible channel in the middle of a write.
     */

    private final Room room;
    private final Consumer<? super List<T>> flusher;
    private final FailurePolicy<T> policy;
    private final FlushStats stats;
    private final Progress progress;

    private volatile boolean abandoned;
    /** Guarded by room.consumerLock, so close(Duration) sees a consistent pair with {@code inCall}. */
    private List<T> held;

    private boolean inCall;
    private volatile long deadLettered;

    private volatile long droppedFailed;
    /** In doubt, call not returned yet: a late return counts them as written, never both pending and written. */
    private volatile long inDoubtLeft;

    AsyncFailures(
            Room room,
            Consumer<? super List<T>> flusher,
            FailurePolicy<T> policy,
            FlushStats stats,
            Progress progress) {
        this.room = room;
        this.flusher = flusher;
        this.policy = policy;
        this.stats = stats;
        this.progress = progress;
    }

    void holdLocked(List<T> batch) {
        assert room.consumerLock.isHeldByCurrentThread() : "cut without consumerLock";
        held = batch;
    }

    List<T> held() {
        return held;
    }

    void release() {
        room.consumerLock.lock();
        try {
            inCall = false;
            held = null;
        } finally {
            room.consumerLock.unlock();
        }
    }

    /**
     * One batch through the flusher, with the failure policy; the catch ladder below is this
     * engine's whole failure route. A {@link PartialFlushException}'s durable prefix is done with:
     * only the rest is retried, given up on or failed. A {@link VirtualMachineError} fails the
     * buffer at once, whatever the policy.
     *
     * @return true once the batch is done with (delivered, durable, or given up on); false if the
     *     buffer failed or was abandoned
     */
    boolean call(List<T> batch) {
        List<T> rest = batch;
        long firstFailure = 0;
        for (int attempt = 1; ; attempt++) {
            if (!enterCall()) {
                return false;
            }
            Throwable thrown;
            try {
                stats.call(flusher, rest, rest.size());
                thrown = null;
            } catch (PartialFlushException e) {
                rest = notDurable(rest);
                thrown = e;
            } catch (VirtualMachineError e) {
                return failFast(rest, e);
            } catch (Throwable t) {
                thrown = t;
            }
            if (thrown == null) {
                return delivered();
            }
            if (!policy.retries()) {
                return failFast(rest, thrown);
            }
            leaveCall(rest, rest.size());
            if (abandoned) {
                return abandonedLate(rest, thrown);
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

    private boolean delivered() {
        leaveCall(null, 0);
        policy.recovered();
        return true;
    }

    /** The tail a partial failure left undelivered. */
    private List<T> notDurable(List<T> batch) {
        int left = (int) stats.inFlight();
        return left < batch.size() ? batch.subList(batch.size() - left, batch.size()) : batch;
    }

    private boolean failFast(List<T> rest, Throwable thrown) {
        leaveCall(rest, rest.size());
        if (abandoned) {
            return abandonedLate(rest, thrown);
        }
        fail(thrown, rest);
        return false;
    }

    /** The call close(Duration) abandoned threw at last: its items were reported in doubt already. */
    private boolean abandonedLate(List<T> rest, Throwable thrown) {
        policy.warn(
                "AsyncBuffer flusher threw after close(Duration) abandoned its call; its " + rest.size()
                        + " items were reported in doubt",
                thrown);
        return false;
    }

    /** A handler that throws fails the buffer with the batch undelivered. */
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
            leaveCall(rest, n);
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
        leaveCall(null, 0);
        stats.holding(0);
        policy.gaveUp(n, failingNanos, thrown, false);
        return true;
    }

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

    private void leaveCall(List<T> rest, int left) {
        room.consumerLock.lock();
        try {
            inCall = false;
            held = rest;
            if (abandoned) {
                inDoubtLeft = left;
            }
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

    void fail(Throwable cause, List<T> batch) {
        room.refuse(Room.FAILED);
        room.consumerLock.lock();
        try {
            if (abandoned) {
                return; // close(Duration) abandoned first and reported the batch with everything else
            }
            List<Object> lost = batch == null ? new ArrayList<>() : new ArrayList<>(batch);
            drainQueueInto(lost);
            stats.holding(0);
            progress.failed(cause, lost, List.of());
        } finally {
            room.consumerLock.unlock();
        }
    }

    /** Caller holds consumerLock and has set a flag that refuses writers. */
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

    /**
     * The closing thread (CLOSED set). Returns the items abandoned; 0 if nothing was left (the
     * drainer is ending by itself); -1 if the buffer had failed already.
     */
    long abandon(Throwable cause, Thread drainer) {
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
            inDoubtLeft = doubt.size();
            progress.failed(cause, lost, doubt);
        } finally {
            room.consumerLock.unlock();
        }
        LockSupport.unpark(drainer);
        return lost.size() + doubt.size();
    }

    boolean abandoned() {
        return abandoned;
    }

    long deadLettered() {
        return deadLettered;
    }

    long droppedFailed() {
        return droppedFailed;
    }

    long inDoubtLeft() {
        return inDoubtLeft;
    }
}
