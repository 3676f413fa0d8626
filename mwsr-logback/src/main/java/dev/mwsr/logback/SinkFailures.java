package dev.mwsr.logback;

import ch.qos.logback.core.spi.ContextAware;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one place that decides what an appender does when its sink (a wrapped appender, or the file)
 * throws: retry with a doubling pause for at most {@code giveUpAfter}, then count the unit as lost,
 * report it, and go on; while the sink keeps failing after that, each further unit gets one attempt
 * (so writers are never held up for long), and the first success ends the outage with a report.
 * Runs on the drainer thread only.
 *
 * <p>This is the bounded failure policy built on today's core API, inside the flusher, so the
 * {@code AsyncBuffer} itself never sees a failure (and never stops). When the core's own
 * {@code retryFailedBatches(maxBackoff, giveUpAfter, deadLetter)} lands, this class is what to
 * replace: the appenders call only {@link #deliver}, {@link #lost()} and {@link #failedCalls()}.
 */
final class SinkFailures {
    /** One delivery attempt; throws if the sink failed. */
    interface Attempt<A, B> {
        void run(A a, B b);
    }

    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ContextAware status;
    private final String sink;
    private final long giveUpAfterNanos;

    // Written by the drainer thread only (plain read-modify-write is safe); volatile for readers.
    private volatile long lost;
    private volatile long failedCalls;

    // Drainer thread only.
    private boolean outage;
    private long lostInOutage;
    private long lastWarnNanos;
    private long lostAtLastWarn;

    SinkFailures(ContextAware status, String sink, Duration giveUpAfter) {
        this.status = status;
        this.sink = sink;
        this.giveUpAfterNanos = giveUpAfter.toNanos();
    }

    /**
     * Runs {@code attempt} until it returns normally, or gives up on it as described in the class
     * comment, counting {@code items} as lost. A {@link VirtualMachineError} is rethrown at once.
     * An interrupt of the drainer (the buffer's {@code close(Duration)} giving up) ends retrying.
     *
     * @return true if delivered, false if given up (and counted)
     */
    <A, B> boolean deliver(Attempt<A, B> attempt, A a, B b, int items) {
        long firstFailure = 0;
        boolean failedBefore = false;
        long pause = FIRST_PAUSE_NANOS;
        for (; ; ) {
            try {
                attempt.run(a, b);
                if (outage) {
                    outage = false;
                    status.addWarn(sink + " works again; " + lostInOutage + " events were lost while it failed");
                }
                return true;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) { // any failure of the sink is reported, never swallowed
                failedCalls = failedCalls + 1;
                long now = System.nanoTime();
                if (!failedBefore) {
                    failedBefore = true;
                    firstFailure = now;
                    if (!outage) {
                        status.addError(
                                sink + " failed; retrying for " + Duration.ofNanos(giveUpAfterNanos)
                                        + " before its events are dropped (counted and reported)",
                                t);
                    }
                }
                if (outage
                        || now - firstFailure >= giveUpAfterNanos
                        || Thread.currentThread().isInterrupted()) {
                    giveUp(items, t, now);
                    return false;
                }
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
            }
        }
    }

    private void giveUp(int items, Throwable cause, long now) {
        lost = lost + items;
        if (!outage) {
            outage = true;
            lostInOutage = 0;
            lastWarnNanos = now - WARN_EVERY_NANOS;
            lostAtLastWarn = lost - items;
        }
        lostInOutage += items;
        if (now - lastWarnNanos >= WARN_EVERY_NANOS) {
            status.addWarn(
                    sink + " still fails: " + (lost - lostAtLastWarn) + " events dropped since the last report, " + lost
                            + " in all; each further event gets one attempt until it works again",
                    cause);
            lastWarnNanos = now;
            lostAtLastWarn = lost;
        }
    }

    /**
     * Counts {@code items} as lost without trying them: the drainer was interrupted because
     * {@code stop()}'s grace period ran out, and the rest of its batch will not be delivered.
     */
    void abandon(int items) {
        lost = lost + items;
        status.addWarn(sink + ": " + items + " events of the batch in progress were not delivered because the"
                + " stop grace period (maxFlushTime) ran out");
    }

    /** Events given up on so far. */
    long lost() {
        return lost;
    }

    /** Sink calls that threw so far. */
    long failedCalls() {
        return failedCalls;
    }
}
