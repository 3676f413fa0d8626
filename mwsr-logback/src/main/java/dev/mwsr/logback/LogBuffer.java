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
 * What both appenders share: an {@link AsyncBuffer} between the logging threads and a sink, its
 * drainer thread, the reports of drops to Logback's status manager, and the stop with a grace
 * period. One per started appender.
 *
 * @param <T> what the logging threads hand over (events, or encoded bytes)
 */
final class LogBuffer<T> {
    /*
     * Implementation notes.
     *
     * Writers call only write(): AsyncBuffer.write plus, on the rare refusal paths, a LongAdder and
     * a status message; no lock and no monitor. Overflow drops happen inside AsyncBuffer and are
     * seen only through metrics(), so they are reported by the drainer after each batch (at most
     * once a second) and once more by stop(): a drop is reported late while the sink is stuck, but
     * never silently.
     *
     * The drainer is a platform daemon thread of our own factory, so that stop() can join it even
     * after close(Duration) gave up (that returns without joining), and so that a wrapped appender
     * whose doAppend is synchronized (AppenderBase) does not pin a virtual thread's carrier on
     * JDK 21. It is joined before stop() returns unless a sink call never returns.
     */

    static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ContextAware status;
    private final String name;
    private final SinkFailures failures;
    private final AsyncBuffer<T> buffer;
    private volatile Thread drainer;
    /** Events refused before the buffer (discardingThreshold, or arriving after stop). */
    private final LongAdder discarded = new LongAdder();

    private final AtomicLong lastRefusalReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);

    // Drainer thread only, then stop() after the drainer ended.
    private long reportedDropped;
    private long lastDropReport;

    LogBuffer(
            ContextAware status,
            String name,
            SinkFailures failures,
            int capacity,
            int maxBatch,
            OverflowPolicy overflow,
            Consumer<? super List<T>> sink) {
        this.status = status;
        this.name = name;
        this.failures = failures;
        AsyncBuffer.Builder<T> b = AsyncBuffer.<T>builder(sink)
                .capacity(capacity)
                .overflow(overflow)
                .threadFactory(r -> {
                    Thread t = new Thread(r, "mwsr-logback-" + name);
                    t.setDaemon(true);
                    drainer = t;
                    return t;
                });
        if (maxBatch > 0) {
            b.maxBatch(maxBatch);
        }
        this.buffer = b.build();
    }

    /** Parses an overflow policy name, case-insensitively; null if it is none. */
    static OverflowPolicy parseOverflow(String text) {
        try {
            return OverflowPolicy.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Hands one item over. Interrupts do not cost the item: a writer interrupted while it waits for
     * room waits again and leaves with its interrupt flag set (as Logback's own AsyncAppender).
     * A refused item (stopped, failed, or a write from the drainer that would wait for itself) is
     * counted and reported, never thrown at the logging thread.
     */
    void write(T item) {
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    buffer.write(item);
                    return;
                } catch (CancellationException e) {
                    interrupted = true;
                    Thread.interrupted(); // wait again; the flag is set back below
                } catch (IllegalStateException e) { // closed, or failed (FlushFailedException)
                    refused(e);
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void refused(IllegalStateException e) {
        discarded.increment();
        long last = lastRefusalReport.get();
        long now = System.nanoTime();
        if (now - last >= REPORT_EVERY_NANOS && lastRefusalReport.compareAndSet(last, now)) {
            status.addWarn("appender [" + name + "] refused an event (counted as dropped; " + discarded.sum()
                    + " refused or discarded so far): " + e.getMessage());
        }
    }

    /** Counts one event discarded before the buffer (Logback's discardingThreshold). */
    void discard() {
        discarded.increment();
    }

    /** Items waiting or in the sink, an estimate. */
    long pending() {
        return buffer.metrics().pending();
    }

    /** Drainer thread, after each batch: reports new overflow drops at most once a second. */
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
                    + " in all) because its queue was full or they arrived after stop;"
                    + " raise queueSize or use overflow=BLOCK to lose none");
            reportedDropped = dropped;
        }
        lastDropReport = now;
    }

    /**
     * Refuses further items, delivers what was accepted (for at most {@code maxFlushTimeMillis},
     * or without bound if that is 0 or less), joins the drainer and reports what was not delivered.
     */
    void stop(int maxFlushTimeMillis) {
        long left = 0;
        try {
            if (maxFlushTimeMillis <= 0) {
                buffer.close();
            } else {
                left = buffer.close(Duration.ofMillis(maxFlushTimeMillis));
            }
        } catch (FlushFailedException e) {
            left = e.undelivered().size();
            status.addError(
                    "appender [" + name + "] failed for good: " + left + " accepted events were not delivered", e);
        }
        Thread t = drainer;
        if (t != null && t.isAlive()) {
            try {
                t.join(Duration.ofMillis(100)); // after close(Duration) gave up: the sink's call may end
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
        long lost = failures.lost();
        if (lost > 0) {
            status.addWarn("appender [" + name + "]: " + lost + " events in all were dropped after its sink failed");
        }
    }

    /** True once the drainer thread has ended (after stop). */
    boolean drainerEnded() {
        Thread t = drainer;
        return t == null || !t.isAlive();
    }

    /**
     * The buffer's counters with the appender's own folded in: events discarded before the buffer
     * and events given up on after sink failures count as dropped (and not as written), failed
     * sink calls as failures.
     */
    Metrics metrics() {
        Metrics m = buffer.metrics();
        long lost = failures.lost();
        return new Metrics(
                m.enqueued(),
                m.written() - lost,
                m.dropped() + lost + discarded.sum(),
                m.pending(),
                m.batches(),
                m.failures() + failures.failedCalls());
    }
}
