package dev.mwsr.logback;

import ch.qos.logback.core.spi.ContextAware;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The one place that decides what an appender does when its sink (a wrapped appender, or the file)
 * throws: retry with a doubling pause for at most {@code giveUpAfter}, then count the unit as lost,
 * report it, and go on; while the sink keeps failing after that, each further unit gets one attempt
 * (so writers are never held up for long), and the first success ends the outage with a report.
 * Runs on the drainer thread only.
 *
 * <p>Used by {@link MwsrAsyncAppender} only, inside its flusher, so the {@code AsyncBuffer} never
 * sees a failure. Core's bounded policy ({@code retryFailedBatches(maxBackoff, giveUpAfter,
 * deadLetter)}, which {@link MwsrFileAppender} uses) cannot express this: it retries a batch (or
 * what follows a durable prefix), and an event that reached the first of two wrapped appenders
 * before the second threw would reach the first one again.
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
    /** True once stop()'s grace period ran out: retrying ends. */
    private final BooleanSupplier abandoned;

    // Written by the drainer thread only (plain read-modify-write is safe); volatile for readers.
    private volatile long lost;
    private volatile long failedCalls;

    // Drainer thread only.
    private boolean outage;
    private long lostInOutage;
    private long lastWarnNanos;
    private long lostAtLastWarn;

    SinkFailures(ContextAware status, String sink, Duration giveUpAfter, BooleanSupplier abandoned) {
        this.status = status;
        this.abandoned = abandoned;
        this.sink = sink;
        this.giveUpAfterNanos = giveUpAfter.toNanos();
    }

    /**
     * Runs {@code attempt} until it returns normally, or gives up on it as described in the class
     * comment, counting {@code items} as lost. A {@link VirtualMachineError} is rethrown at once.
     * Retrying ends when stop()'s grace period has run out.
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
                if (outage || now - firstFailure >= giveUpAfterNanos || abandoned.getAsBoolean()) {
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
     * Reports {@code items} not tried: {@code stop()}'s grace period ran out, and the rest of the
     * batch will not be delivered. Not counted as lost: the buffer counts the batch in doubt as
     * pending, and stop() reports it.
     */
    void abandon(int items) {
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
