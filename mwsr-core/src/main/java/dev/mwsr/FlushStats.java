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
     * them in flight; every flusher call of every buffer goes through here.
     *
     * <p>A brought-in interrupt flag is cleared around the call (see the package documentation);
     * a flag the flusher itself leaves set stays set.
     *
     * <p>After a normal return the units count as written. A {@link PartialFlushException} counts
     * its {@code durable()} first units as written (at most {@code size}); the rest, and the whole
     * batch after any other throw, stay in flight until the caller parks them, retries them, or
     * gives them up ({@link #holding(long)}). Everything, the JFR event included, is inside the
     * {@code try}: whatever goes wrong here is a failed call, never a batch that vanishes.
     *
     * @return the units not delivered: 0 if it returned normally (or a partial failure said the
     *     whole batch was durable); otherwise {@link #failure()} holds what it threw, and the
     *     undelivered units are the last ones of the batch
     */
    <B> int call(Consumer<? super B> flusher, B batch, int size) {
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
            return 0;
        } catch (Throwable t) {
            failures++;
            failure = t;
            if (event != null) {
                event.failed = true;
            }
            int durable = t instanceof PartialFlushException p ? Math.min(p.durable(), size) : 0;
            written += durable;
            inFlight = size - durable;
            return size - durable;
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

    /** Whether a failure must fail the buffer at once, whatever the policy: the JVM itself is in trouble. */
    static boolean fatal(Throwable t) {
        return t instanceof VirtualMachineError;
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
