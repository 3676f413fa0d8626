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
     * Every flusher call of every buffer; the caller's catch ladder decides what a throw means. A
     * brought-in interrupt flag is cleared around the call; one the flusher leaves set stays set.
     * A {@link PartialFlushException} whose durable prefix is the whole batch returns normally
     * (counted as a failure too). After a throw the undelivered tail stays {@link #inFlight()}
     * until the caller parks, retries or gives it up. The JFR event is inside the {@code try}.
     */
    <B> void call(Consumer<? super B> flusher, B batch, int size) {
        boolean interrupted = Thread.interrupted();
        FlushEvent event = null;
        inFlight = size;
        try {
            // The first JFR event of a JVM costs hundreds of ms (registration), paid inside a flush.
            // Uninitialized, no recording can want it; a recording started later initializes it.
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

    long inFlight() {
        return inFlight;
    }

    /** Counts {@code units} as in flight from a cut on (0: none, e.g. after parking a failed batch). */
    void holding(long units) {
        inFlight = units;
    }
}
