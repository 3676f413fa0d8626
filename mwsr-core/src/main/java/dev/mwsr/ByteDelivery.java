package dev.mwsr;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The single-reader side of a {@link ByteBatchBuffer}: the flushLock, the spare half, the
 * flusher calls with their counters, and the copies of bytes accepted but not delivered.
 * Everything here except the volatile counters is guarded by {@link #lock}; the buffer takes it
 * after its write lock, never before (see the buffer's implementation notes).
 */
final class ByteDelivery {
    /** Held for every cut and every flusher call, so calls are one at a time and in cut order. */
    final ReentrantLock lock = new ReentrantLock();

    private final Consumer<? super ByteBuffer> flusher;
    /** Fails the buffer (its FAILED state bit); run before anything that could throw. */
    private final Runnable markFailed;
    /** close(Duration): the batch in the flusher, and giving up on it (shared with the buffer). */
    final GiveUp giveUp = new GiveUp();
    /** The idle half; null from a cut until that half has been delivered. */
    private ByteHalf spare;

    private boolean failed;
    private final List<ByteBuffer> undelivered = new ArrayList<>();

    // Written under lock, volatile for metrics(); writers touch none of them.
    private final FlushStats stats = new FlushStats();
    private volatile long undeliveredCount;

    ByteDelivery(Consumer<? super ByteBuffer> flusher, ByteHalf spare, Runnable markFailed) {
        this.flusher = flusher;
        this.spare = spare;
        this.markFailed = markFailed;
    }

    /** Hands out the spare half for a cut. Caller holds the buffer's write lock and {@link #lock}. */
    ByteHalf takeSpare() {
        assert lock.isHeldByCurrentThread() && spare != null : "cut without flushLock or spare";
        ByteHalf half = spare;
        spare = null;
        return half;
    }

    /**
     * Calls the flusher on the first {@code size} bytes of {@code cut}, or parks them if already
     * failed; then {@code cut} is the spare again. Caller holds {@link #lock}.
     *
     * @return false if failed after this call
     */
    boolean deliver(ByteHalf cut, int size) {
        assert lock.isHeldByCurrentThread() : "deliver outside flushLock";
        try {
            if (failed) {
                park(cut.region, size);
                return false;
            }
            return call(cut.open(size), cut.region, size);
        } finally {
            giveUp.release();
            spare = cut;
        }
    }

    /** Delivers an oversized write (read-only, position 0) as one call, or parks it. Caller holds lock. */
    boolean deliverAlone(ByteBuffer bytes, int size) {
        assert lock.isHeldByCurrentThread() : "deliver outside flushLock";
        if (failed) {
            park(bytes, size);
            return false;
        }
        giveUp.hold(bytes, size);
        try {
            return call(bytes.duplicate(), bytes, size);
        } finally {
            giveUp.release();
        }
    }

    /**
     * One flusher call on {@code view}; on failure fails the buffer first, then parks the bytes of
     * {@code base} that are not durable ({@link PartialFlushException}), read from {@code base},
     * which the flusher never had, so however far it consumed the view they are all kept. A
     * {@link VirtualMachineError} is rethrown as itself once the bytes are parked (see
     * {@link Buffer}'s {@code call}).
     */
    private boolean call(ByteBuffer view, ByteBuffer base, int size) {
        if (giveUp.started()) {
            return false; // close(Duration) gave up: no call starts; the bytes are reported in doubt
        }
        int left = stats.call(flusher, view, size);
        if (left == 0) {
            return true;
        }
        failed = true;
        markFailed.run();
        try {
            park(base, size - left, left);
        } finally {
            stats.holding(0);
        }
        if (FlushStats.fatal(stats.failure())) {
            throw (VirtualMachineError) stats.failure();
        }
        return false;
    }

    /** Keeps a heap copy of the first {@code size} bytes of {@code bytes}. Caller holds lock. */
    void park(ByteBuffer bytes, int size) {
        park(bytes, 0, size);
    }

    /** Keeps a heap copy of {@code n} bytes of {@code bytes} from {@code from}. Caller holds lock. */
    private void park(ByteBuffer bytes, int from, int n) {
        undelivered.add(ByteSources.copyOf(bytes, from, n));
        undeliveredCount += n;
    }

    /**
     * The exception of a failed buffer; the caller has parked what was left in its current half.
     * Every exception gets its own read-only views, so reading one does not move another's.
     * Caller holds lock.
     */
    FlushFailedException failureException() {
        assert lock.isHeldByCurrentThread() && failed : "not failed, or outside flushLock";
        List<ByteBuffer> views = new ArrayList<>(undelivered.size());
        for (ByteBuffer bytes : undelivered) {
            views.add(bytes.asReadOnlyBuffer());
        }
        return new FlushFailedException(
                "the flusher threw, so the buffer failed and refuses further writes;"
                        + " undelivered() holds the " + undeliveredCount + " bytes it accepted but did not deliver,"
                        + " as ByteBuffers in order",
                stats.failure(),
                views);
    }

    FlushStats stats() {
        return stats;
    }

    /** close(Duration) gave up on {@code bytes} (undelivered or in doubt): still pending in metrics. */
    void gaveUp(long bytes) {
        undeliveredCount += bytes;
    }

    /** Bytes in the flusher now plus bytes parked; an estimate unless quiescent. */
    long pending() {
        return stats.inFlight() + undeliveredCount;
    }
}
