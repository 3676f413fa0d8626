package dev.mwsr.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * {@link MwsrAsyncAppender}'s retry of one event to one wrapped appender, inside its flusher (the
 * {@code AsyncBuffer} never sees a failure). Core's bounded policy cannot do this: it retries a
 * batch, so an event that reached the first of two appenders before the second threw would reach
 * the first again. Drainer thread only, except {@link #failedCalls()}.
 */
final class SinkFailures {
    static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Outage outage;
    private final long giveUpAfterNanos;
    private final BooleanSupplier abandoned;

    private volatile long failedCalls; // written by the drainer only

    SinkFailures(Outage outage, Duration giveUpAfter, BooleanSupplier abandoned) {
        this.outage = outage;
        this.giveUpAfterNanos = giveUpAfter.toNanos();
        this.abandoned = abandoned;
    }

    /**
     * Retries until {@code target} takes the event, {@code giveUpAfter} has passed, the outage is
     * on (one attempt) or stop() abandoned the batch; a {@link VirtualMachineError} is rethrown.
     */
    void deliver(Appender<ILoggingEvent> target, ILoggingEvent event) {
        long firstFailure = 0;
        long pause = 0;
        for (; ; ) {
            try {
                target.doAppend(event);
                outage.worked();
                return;
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                failedCalls = failedCalls + 1;
                outage.failed(t);
                long now = System.nanoTime();
                if (pause == 0) {
                    firstFailure = now;
                    pause = FIRST_PAUSE_NANOS;
                }
                if (outage.on() || now - firstFailure >= giveUpAfterNanos || abandoned.getAsBoolean()) {
                    outage.gaveUp(1, t);
                    return;
                }
                LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, LogBuffer.MAX_BACKOFF.toNanos());
            }
        }
    }

    long failedCalls() {
        return failedCalls;
    }
}
