package dev.mwsr.logback;

import ch.qos.logback.core.spi.ContextAware;
import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.FlushFailedException;
import dev.mwsr.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * An appender's {@link AsyncBuffer}, its drainer thread, its drop reports and its stop with a
 * grace period; one per start. The logging threads call {@link #write}, {@link #refuse} and
 * {@link #discard}; the sink calls {@link #afterBatch()} on the drainer thread.
 *
 * @param <T> what the logging threads hand over (events, or encoded bytes)
 */
final class LogBuffer<T> {
    /*
     * Writers take no lock: AsyncBuffer.write or offer, and on refusal a LongAdder and a CAS for
     * the report. Overflow drops happen inside AsyncBuffer and show only in its metrics, so the
     * drainer reports them after each batch and stop() once more: late while the sink is stuck,
     * never silent.
     *
     * The drainer is a platform daemon thread of our own factory, so that stop() can join it even
     * after close(Duration) abandoned a call, and so that a wrapped appender whose doAppend is
     * synchronized does not pin a virtual thread's carrier on JDK 21. mwsr never interrupts it:
     * stop() raises the abandoned flag, which the per-event sink checks before each event.
     *
     * Per batch, a batch given up on goes to a dead-letter handler (the Outage) rather than core's
     * own drop, which reports through System.Logger and so may lead back into this very appender.
     */

    static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The longest pause between two attempts, per batch and per event. */
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    /** Checked by {@link MwsrAppenderBase}; {@code maxBatch} 0 means the capacity. */
    record Settings(
            String name,
            int capacity,
            int maxBatch,
            OverflowPolicy overflow,
            Duration appendTimeout,
            Duration giveUpAfter) {}

    private final ContextAware status;
    private final String name;
    private final OverflowPolicy overflow;
    /** Null: the overflow policy alone decides. */
    private final Duration appendTimeout;

    private final Outage outage;
    /** Null: failures are retried per batch, by core's bounded policy. */
    private final SinkFailures perEvent;

    private final AsyncBuffer<T> buffer;
    private volatile Thread drainer;
    private volatile boolean abandoned;
    /** Events refused or discarded before the buffer. */
    private final LongAdder discarded = new LongAdder();

    private final AtomicLong lastRefusalReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);

    // Drainer thread only, then stop() after the drainer ended.
    private long reportedDropped;
    private long lastDropReport;

    LogBuffer(ContextAware status, Settings settings, Outage outage, SinkFailures perEvent, Consumer<List<T>> sink) {
        this.status = status;
        this.name = settings.name();
        this.overflow = settings.overflow();
        this.appendTimeout = settings.appendTimeout();
        this.outage = outage;
        this.perEvent = perEvent;
        AsyncBuffer.Builder<T> b = AsyncBuffer.<T>builder(perEvent == null ? watched(sink) : sink)
                .capacity(settings.capacity())
                .overflow(overflow)
                .threadFactory(r -> {
                    Thread t = new Thread(r, "mwsr-logback-" + name);
                    t.setDaemon(true);
                    drainer = t;
                    return t;
                });
        if (perEvent == null) {
            // Core wants a positive bound; giveUpAfter=0 ("one attempt") becomes the shortest one,
            // which gives up at the second failed attempt, 1 ms after the first.
            Duration giveUpAfter = settings.giveUpAfter();
            Duration bound = giveUpAfter.isZero() ? Duration.ofNanos(1) : giveUpAfter;
            b.retryFailedBatches(MAX_BACKOFF, bound, batch -> outage.gaveUp(batch.size(), null));
        }
        if (settings.maxBatch() > 0) {
            b.maxBatch(settings.maxBatch());
        }
        this.buffer = b.build();
    }

    private Consumer<List<T>> watched(Consumer<List<T>> sink) {
        return batch -> {
            try {
                sink.accept(batch);
            } catch (RuntimeException | Error e) {
                outage.failed(e);
                throw e;
            }
            outage.worked();
        };
    }

    /** Whether stop()'s grace period ran out: the per-event sink delivers no further event. */
    boolean abandoned() {
        return abandoned;
    }

    /** Case ignored; null if it names none. */
    static OverflowPolicy parseOverflow(String text) {
        try {
            return OverflowPolicy.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Never throws: a refused item (closed, failed, a drainer write that would wait for itself) is counted. */
    void write(T item) {
        boolean interrupted = false;
        long deadline = appendTimeout == null ? 0 : System.nanoTime() + appendTimeout.toNanos();
        try {
            for (; ; ) {
                try {
                    if (appendTimeout == null) {
                        buffer.write(item);
                    } else if (!buffer.offer(item, Duration.ofNanos(deadline - System.nanoTime()))) {
                        if (overflow == OverflowPolicy.BLOCK) {
                            refuse("waited appendTimeout (" + appendTimeout + ") for room in vain", null);
                        } else {
                            buffer.write(item); // drops as the policy says; never waits
                        }
                    }
                    return;
                } catch (CancellationException e) {
                    interrupted = true;
                    Thread.interrupted(); // wait again; the flag is set back below
                } catch (IllegalStateException e) { // closed, or failed (FlushFailedException)
                    refuse(e.getMessage(), null);
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Counts an event refused before the buffer; reports at most once a second. */
    void refuse(String why, Throwable cause) {
        discarded.increment();
        long last = lastRefusalReport.get();
        long now = System.nanoTime();
        if (now - last >= REPORT_EVERY_NANOS && lastRefusalReport.compareAndSet(last, now)) {
            status.addWarn(
                    "appender [" + name + "] refused an event (counted as dropped; " + discarded.sum()
                            + " refused or discarded so far): " + why,
                    cause);
        }
    }

    /** Counts an event discarded by {@code discardingThreshold}; the drainer reports it. */
    void discard() {
        discarded.increment();
    }

    long pending() {
        return buffer.metrics().pending();
    }

    void afterBatch() {
        long now = System.nanoTime();
        if (now - lastDropReport >= REPORT_EVERY_NANOS) {
            reportDrops(now);
        }
    }

    private void reportDrops(long now) {
        long dropped = buffer.metrics().dropped() + discarded.sum();
        if (dropped > reportedDropped) {
            status.addWarn("appender [" + name + "] dropped " + (dropped - reportedDropped)
                    + " events since the last report (" + dropped
                    + " in all) because its queue was full (or appendTimeout ran out, or discardingThreshold"
                    + " applied) or they were refused; raise queueSize, or use overflow=BLOCK without"
                    + " appendTimeout, to lose none");
            reportedDropped = dropped;
        }
        lastDropReport = now;
    }

    /** {@code maxFlushTimeMillis} 0: without bound. */
    void stop(int maxFlushTimeMillis) {
        long left = 0;
        try {
            if (maxFlushTimeMillis == 0) {
                buffer.close();
            } else {
                left = buffer.close(Duration.ofMillis(maxFlushTimeMillis));
            }
        } catch (FlushFailedException e) {
            left = e.undelivered().size();
            status.addError(
                    "appender [" + name + "] failed for good: " + left + " accepted events were not delivered", e);
        }
        if (left > 0) {
            abandoned = true; // a per-event sink delivers no further event of the batch in doubt
        }
        Thread t = drainer;
        if (t != null && t.isAlive()) {
            try {
                t.join(Duration.ofSeconds(1)); // after close(Duration) abandoned a call: it may end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (left > 0) {
            status.addWarn("appender [" + name + "]: maxFlushTime (" + maxFlushTimeMillis + " ms) ran out; up to "
                    + left + " accepted events were not delivered"
                    + (t != null && t.isAlive()
                            ? "; a call into the sink has not returned and its thread " + t.getName() + " lives on"
                            : ""));
        }
        reportDrops(System.nanoTime());
        long lost = outage.lost();
        if (lost > 0) {
            status.addWarn("appender [" + name + "]: " + lost + " events in all were dropped after its sink failed");
        }
    }

    boolean drainerEnded() {
        Thread t = drainer;
        return t == null || !t.isAlive();
    }

    /**
     * The buffer's counters with the appender's own folded in. Events given up on per event were
     * in a batch that returned, so they come off {@code written}; per batch, core never counted them.
     */
    Metrics metrics() {
        Metrics m = buffer.metrics();
        long lost = outage.lost();
        return new Metrics(
                m.enqueued(),
                perEvent == null ? m.written() : m.written() - lost,
                m.dropped() + lost + discarded.sum(),
                m.pending(),
                m.batches(),
                perEvent == null ? m.failures() : m.failures() + perEvent.failedCalls(),
                m.lagNanos());
    }
}
