package dev.mwsr.log4j2;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What {@link MwsrFileAppender} does when a write fails (a full disk, a removed mount): core's
 * bounded policy retries the batch with backoff and gives it up after {@code giveUpAfter}
 * ({@code retryFailedBatches(maxBackoff, giveUpAfter, deadLetter)}); this class is the dead-letter
 * handler (counts and reports the lines given up on) and wraps the file flusher so the first
 * failure of an outage and the recovery are reported. Drainer thread only, but {@link #lost()}.
 *
 * <p>A dead-letter handler rather than core's own drop: core would report through
 * {@link System.Logger}, which in a Log4j application may lead back into this very appender; the
 * {@code StatusLogger} always works.
 */
final class BatchGiveUp implements EventQueue.Losses {
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String appender;
    private final Path file;
    private final Duration giveUpAfter;

    private volatile long lost;

    // Drainer thread only.
    private boolean failing;
    private boolean outage;
    private long lostInOutage;
    private long lastWarnNanos;
    private long lostAtLastWarn;

    BatchGiveUp(String appender, Path file, Duration giveUpAfter) {
        this.appender = appender;
        this.file = file;
        this.giveUpAfter = giveUpAfter;
    }

    /** The flusher for the buffer: reports the first failure of a run and the recovery; rethrows. */
    <T> Consumer<List<T>> watch(Consumer<? super List<T>> sink) {
        return batch -> {
            try {
                sink.accept(batch);
            } catch (RuntimeException | Error e) {
                if (!failing) {
                    failing = true;
                    if (!outage) {
                        EventQueue.STATUS.error(
                                "appender [{}]: writing {} failed; retrying each batch for {} ms before its lines are"
                                        + " dropped (counted and reported)",
                                appender,
                                file,
                                giveUpAfter.toMillis(),
                                e);
                    }
                }
                throw e;
            }
            failing = false;
            if (outage) {
                outage = false;
                EventQueue.STATUS.warn(
                        "appender [{}]: writing {} works again; {} lines were lost while it failed",
                        appender,
                        file,
                        lostInOutage);
            }
        };
    }

    /** The dead-letter handler: counted, reported at once for an outage's first, then once a second. */
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
            EventQueue.STATUS.warn(
                    "appender [{}]: writing {} still fails: {} lines dropped since the last report, {} in all, each"
                            + " after its batch failed for {} ms; writing resumes when it works again",
                    appender,
                    file,
                    lost - lostAtLastWarn,
                    lost,
                    giveUpAfter.toMillis());
            lastWarnNanos = now;
            lostAtLastWarn = lost;
        }
    }

    @Override
    public long lost() {
        return lost;
    }

    @Override
    public long failedCalls() {
        return 0; // core counts the failed flusher calls itself
    }
}
