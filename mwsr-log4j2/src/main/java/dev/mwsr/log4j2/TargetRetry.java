package dev.mwsr.log4j2;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.config.AppenderControl;

/**
 * The one place that decides what {@link MwsrAsyncAppender} does when a target throws: retry that
 * event at that target, with a pause doubling from 1 ms up to 0.5 s, for at most
 * {@code giveUpAfter}; then give it up (counted, reported), and while the target keeps failing give
 * each further event one attempt only, so the queue keeps moving; the first success ends the outage
 * with a report. Runs on the drainer thread only.
 *
 * <p>Per event and per target, not per batch (core's bounded policy retries batches): an event
 * that reached the first of two targets before the second threw is retried at the second only, so
 * no target ever gets an event twice.
 */
final class TargetRetry implements EventQueue.Losses {
    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String appender;
    private final long giveUpAfterNanos;
    private final BooleanSupplier abandoned;

    // Written by the drainer thread only (plain read-modify-write is safe); volatile for readers.
    private volatile long lost;
    private volatile long failedCalls;

    // Drainer thread only.
    private boolean outage;
    private long lostInOutage;
    private long lastWarnNanos;
    private long lostAtLastWarn;

    TargetRetry(String appender, Duration giveUpAfter, BooleanSupplier abandoned) {
        this.appender = appender;
        this.giveUpAfterNanos = giveUpAfter.toNanos();
        this.abandoned = abandoned;
    }

    /**
     * Calls {@code target} with {@code event} until it returns normally, or gives up as the class
     * comment says. A {@link VirtualMachineError} is rethrown at once; retrying ends when the
     * stop's bound has run out.
     *
     * @return true if delivered, false if given up (and counted)
     */
    boolean deliver(AppenderControl target, LogEvent event) {
        long firstFailure = 0;
        boolean failedBefore = false;
        long pause = FIRST_PAUSE_NANOS;
        for (; ; ) {
            try {
                target.callAppender(event);
                if (outage) {
                    outage = false;
                    EventQueue.STATUS.warn(
                            "appender [{}]: its targets work again; {} events were lost while one failed",
                            appender,
                            lostInOutage);
                }
                return true;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) { // any failure of a target is reported, never swallowed
                failedCalls = failedCalls + 1;
                long now = System.nanoTime();
                if (!failedBefore) {
                    failedBefore = true;
                    firstFailure = now;
                    if (!outage) {
                        EventQueue.STATUS.error(
                                "appender [{}]: target [{}] failed; retrying the event for {} ms before it is given"
                                        + " up (counted, reported, and sent to errorRef if there is one)",
                                appender,
                                target.getAppenderName(),
                                TimeUnit.NANOSECONDS.toMillis(giveUpAfterNanos),
                                t);
                    }
                }
                if (outage || now - firstFailure >= giveUpAfterNanos || abandoned.getAsBoolean()) {
                    giveUp(target, t, now);
                    return false;
                }
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
            }
        }
    }

    private void giveUp(AppenderControl target, Throwable cause, long now) {
        lost = lost + 1;
        if (!outage) {
            outage = true;
            lostInOutage = 0;
            lastWarnNanos = now - WARN_EVERY_NANOS;
            lostAtLastWarn = lost - 1;
        }
        lostInOutage++;
        if (now - lastWarnNanos >= WARN_EVERY_NANOS) {
            EventQueue.STATUS.warn(
                    "appender [{}]: target [{}] still fails: {} events given up since the last report, {} in all;"
                            + " each further event gets one attempt until it works again",
                    appender,
                    target.getAppenderName(),
                    lost - lostAtLastWarn,
                    lost,
                    cause);
            lastWarnNanos = now;
            lostAtLastWarn = lost;
        }
    }

    /** Counts a call of the error appender that threw (its event is then lost for good). */
    void errorAppenderFailed(AppenderControl errorAppender, Throwable cause) {
        failedCalls = failedCalls + 1;
        EventQueue.STATUS.error(
                "appender [{}]: errorRef [{}] failed too", appender, errorAppender.getAppenderName(), cause);
    }

    /**
     * Counts as lost, and reports, the events of the batch in progress not tried because the stop's
     * bound ran out (the batch's call then returns normally: without this they would count as written).
     */
    void abandon(int events) {
        lost = lost + events; // the drainer is the only writer
        EventQueue.STATUS.warn(
                "appender [{}]: {} events of the batch in progress were not delivered: shutdownTimeout ran out",
                appender,
                events);
    }

    @Override
    public long lost() {
        return lost;
    }

    @Override
    public long failedCalls() {
        return failedCalls;
    }
}
