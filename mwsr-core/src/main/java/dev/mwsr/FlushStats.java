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
     * them in flight, with its {@link FlushEvent}; every flusher call of every buffer goes through
     * here, and the caller's catch ladder decides what a throw means.
     *
     * <p>A brought-in interrupt flag is cleared around the call (see the package documentation);
     * a flag the flusher itself leaves set stays set.
     *
     * <p>After a normal return the units count as written. A {@link PartialFlushException} counts
     * its {@code durable()} first units as written; if that is the whole batch the call returns
     * normally (a delivery, counted as a failure too), else it is rethrown. After any throw the
     * undelivered units, the last ones of the batch, stay in flight ({@link #inFlight()}) until
     * the caller parks, retries or gives them up; {@link #failure()} holds what was thrown. The
     * JFR event is inside the {@code try}: whatever goes wrong here is a failed call.
     */
    <B> void call(Consumer<? super B> flusher, B batch, int size) {
        boolean interrupted = Thread.interrupted();
        FlushEvent event = null;
        inFlight = size;
        try {
            // The first JFR event of a JVM costs hundreds of milliseconds (event registration), which
            // would be paid inside the first flush, with writers waiting. With no Flight Recorder
            // initialized no recording can want the event, so skip it; a recording started later
            // (jcmd JFR.start, -XX:StartFlightRecording) initializes it and events follow.
            if (FlightRecorder.isInitialized()) {
                event = new FlushEvent();
                event.begin();
            }
            flusher.accept(batch);
            written += size;
            batches++;
            inFlight = 0;
        } catch (Throwable t) {
            failures++;
            failure = t;
            if (event != null) {
                event.failed = true;
            }
            int durable = t instanceof PartialFlushException p ? Math.min(p.durable(), size) : 0;
            written += durable;
            inFlight = size - durable;
            if (durable < size) {
                throw t;
            }
        } finally {
            try {
                if (event != null) {
                    event.end();
                    if (event.shouldCommit()) {
                        event.batchSize = size;
                        event.commit();
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
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
