package dev.mwsr;

import java.util.function.Consumer;

/**
 * One buffer's flusher calls: the call itself (with its {@link FlushEvent}) and the counters
 * behind {@link Metrics}. Only one thread calls {@link #call} at a time (the caller holds the
 * buffer's flush lock, or is its drainer), so the counters have a single writer; they are volatile
 * for the lock-free readers of {@code metrics()}.
 */
final class FlushStats {
    private volatile long written;
    private volatile long batches;
    private volatile long failures;
    private volatile long inFlight;
    /** The first exception a flusher call threw; published to other threads by the caller's lock. */
    private Throwable failure;

    /**
     * Calls {@code flusher} with {@code batch} of {@code size} units (items, or bytes).
     *
     * @return true if it returned normally; false if it threw, which {@link #failure()} then holds
     */
    <B> boolean call(Consumer<? super B> flusher, B batch, int size) {
        FlushEvent event = new FlushEvent();
        event.begin();
        inFlight = size;
        try {
            flusher.accept(batch);
            written += size;
            batches++;
            return true;
        } catch (Throwable t) {
            failures++;
            event.failed = true;
            if (failure == null) {
                failure = t;
            }
            return false;
        } finally {
            inFlight = 0;
            event.end();
            if (event.shouldCommit()) {
                event.batchSize = size;
                event.commit();
            }
        }
    }

    Throwable failure() {
        return failure;
    }

    long written() {
        return written;
    }

    long batches() {
        return batches;
    }

    long failures() {
        return failures;
    }

    /** Units in the flusher call under way, 0 between calls. */
    long inFlight() {
        return inFlight;
    }
}
