package dev.mwsr.logback;

import ch.qos.logback.core.spi.ContextAware;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The status-manager side of core's bounded failure policy, for {@link MwsrFileAppender}: the
 * {@code AsyncBuffer} itself retries a failed batch with backoff and gives it up after
 * {@code giveUpAfter} ({@code retryFailedBatches(maxBackoff, giveUpAfter, deadLetter)}); this class
 * is the dead-letter handler (counts the events given up on and reports them) and wraps the sink
 * so that the first failure of an outage and the recovery are reported. Runs on the drainer thread
 * only, except {@link #lost()}.
 *
 * <p>A dead-letter handler rather than core's own drop (a null handler): core would report the drop
 * only through {@link System.Logger}, which in a Logback application may lead back into this very
 * appender; the handler reports it to Logback's status manager, which always works.
 */
final class BatchFailures {
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ContextAware status;
    private final String sink;
    private final Duration giveUpAfter;

    // Written by the drainer thread only (plain read-modify-write is safe); volatile for readers.
    private volatile long lost;

    // Drainer thread only.
    private boolean failing;
    private boolean outage;
    private long lostInOutage;
    private long lastWarnNanos;
    private long lostAtLastWarn;

    BatchFailures(ContextAware status, String sink, Duration giveUpAfter) {
        this.status = status;
        this.sink = sink;
        this.giveUpAfter = giveUpAfter;
    }

    /**
     * The flusher to give the buffer: runs {@code sink}, reports its first failure of a run and the
     * recovery, and rethrows every failure so that core's policy retries or gives up.
     */
    <T> Consumer<List<T>> watch(Consumer<List<T>> sink) {
        return batch -> {
            try {
                sink.accept(batch);
            } catch (RuntimeException | Error e) {
                if (!failing) {
                    failing = true;
                    if (!outage) {
                        status.addError(
                                this.sink + " failed; retrying each batch for " + giveUpAfter
                                        + " before its events are dropped (counted and reported)",
                                e);
                    }
                }
                throw e;
            }
            failing = false;
            if (outage) {
                outage = false;
                status.addWarn(this.sink + " works again; " + lostInOutage + " events were lost while it failed");
            }
        };
    }

    /**
     * The dead-letter handler: a batch given up on after {@code giveUpAfter}. Counted, and
     * reported at once for the first of an outage, then at most once a second. Never throws (a
     * throwing handler would fail the buffer).
     */
    <T> void gaveUp(List<T> batch) {
        failing = false;
        int items = batch.size();
        lost = lost + items;
        long now = System.nanoTime();
        if (!outage) {
            outage = true;
            lostInOutage = 0;
            lastWarnNanos = now - WARN_EVERY_NANOS;
            lostAtLastWarn = lost - items;
        }
        lostInOutage += items;
        if (now - lastWarnNanos >= WARN_EVERY_NANOS) {
            try {
                status.addWarn(sink + " still fails: " + (lost - lostAtLastWarn)
                        + " events dropped since the last report, " + lost + " in all, each after its batch"
                        + " failed for " + giveUpAfter + "; writing resumes when it works again");
            } catch (RuntimeException ignored) {
                // a broken status manager must not fail the buffer; the loss is counted in metrics()
            }
            lastWarnNanos = now;
            lostAtLastWarn = lost;
        }
    }

    /** Events given up on so far. */
    long lost() {
        return lost;
    }
}
