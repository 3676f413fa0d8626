package dev.mwsr;

import java.util.function.Consumer;
import jdk.jfr.FlightRecorder;

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
    /** The last exception a flusher call threw; published to other threads by the caller's lock. */
    private Throwable failure;

    /**
     * Calls {@code flusher} with {@code batch} of {@code size} units (items, or bytes), counting
     * them in flight. After a normal return they count as written; after a throw they stay in
     * flight until the caller parks them or gives up retrying ({@link #holding(long) holding(0)}).
     *
     * @return true if it returned normally; false if it threw, which {@link #failure()} then holds
     */
    <B> boolean call(Consumer<? super B> flusher, B batch, int size) {
        // The first JFR event of a JVM costs hundreds of milliseconds (event registration), which
        // would be paid inside the first flush, with writers waiting. With no Flight Recorder
        // initialized no recording can want the event, so skip it; a recording started later
        // (jcmd JFR.start, -XX:StartFlightRecording) initializes it and events follow.
        FlushEvent event = FlightRecorder.isInitialized() ? new FlushEvent() : null;
        if (event != null) {
            event.begin();
        }
        inFlight = size;
        try {
            flusher.accept(batch);
            written += size;
            batches++;
            inFlight = 0;
            return true;
        } catch (Throwable t) {
            failures++;
            failure = t;
            if (event != null) {
                event.failed = true;
            }
            return false;
        } finally {
            if (event != null) {
                event.end();
                if (event.shouldCommit()) {
                    event.batchSize = size;
                    event.commit();
                }
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

    /** Units cut for the flusher and not yet written or parked: the batch in flight. */
    long inFlight() {
        return inFlight;
    }

    /** Counts {@code units} as in flight from a cut on (0: none, e.g. after parking a failed batch). */
    void holding(long units) {
        inFlight = units;
    }
}
