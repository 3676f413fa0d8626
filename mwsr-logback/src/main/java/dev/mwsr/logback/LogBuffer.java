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
     * Writers call only write(): AsyncBuffer.write (or offer(item, appendTimeout) and then write
     * for a drop policy) plus, on the rare refusal paths, a LongAdder and a status message; no
     * lock and no monitor. Overflow drops happen inside AsyncBuffer and are
     * seen only through metrics(), so they are reported by the drainer after each batch (at most
     * once a second) and once more by stop(): a drop is reported late while the sink is stuck, but
     * never silently.
     *
     * The drainer is a platform daemon thread of our own factory, so that stop() can join it even
     * after close(Duration) gave up (that returns without joining), and so that a wrapped appender
     * whose doAppend is synchronized (AppenderBase) does not pin a virtual thread's carrier on
     * JDK 21. It is joined before stop() returns unless a sink call never returns. mwsr never
     * interrupts it: when close(Duration) gives up, stop() raises the abandoned flag, which the
     * per-event sink (MwsrAsyncAppender) checks before each event; a batch sink's call ends by
     * itself and core calls it no more.
     */

    static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The longest pause between two attempts of a failed batch (core's bounded policy). */
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    /** What {@link MwsrAppenderBase} checked at start; {@code maxBatch} 0 means the capacity. */
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
    /** Null: writers wait as the overflow policy says; else at most this long before it applies. */
    private final Duration appendTimeout;

    private final Outage outage;
    /** Per event and wrapped appender (MwsrAsyncAppender); null: per batch, core's bounded policy. */
    private final SinkFailures perEvent;

    private final AsyncBuffer<T> buffer;
    private volatile Thread drainer;
    /** Set when stop()'s grace period ran out: the drainer delivers no further event. */
    private volatile boolean abandoned;
    /** Events refused before the buffer (discardingThreshold, appendTimeout, stopped, append threw). */
    private final LongAdder discarded = new LongAdder();

    private final AtomicLong lastRefusalReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);

    // Drainer thread only, then stop() after the drainer ended.
    private long reportedDropped;
    private long lastDropReport;

    /**
     * A buffer whose sink handles its failures per event ({@code perEvent}, which reports to
     * {@code outage}), or, with {@code perEvent} null, whose sink's failures core's bounded policy
     * retries per batch, {@code outage} hearing of each failure and being the dead-letter handler.
     */
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

    /** The sink, telling the outage of each failure (rethrown, for core's policy) and success. */
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

    /** Whether stop()'s grace period ran out: the per-event sink stops delivering. */
    boolean abandoned() {
        return abandoned;
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
     * With an {@code appendTimeout} the wait for room is bounded: after it the overflow policy
     * applies (a drop policy drops, counted by the buffer), and under {@code BLOCK} the event is
     * discarded, counted and reported. A refused item (stopped, failed, or a write from the drainer
     * that would wait for itself) is counted and reported, never thrown at the logging thread.
     */
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
                            buffer.write(item); // drops as the policy says, counted in dropped(); never waits
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

    /**
     * Counts an event refused before the buffer (the appender stopped, its append threw) and
     * reports it, at most once a second.
     */
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
                    + " in all) because its queue was full (or appendTimeout ran out) or they arrived after"
                    + " stop; raise queueSize, or use overflow=BLOCK without appendTimeout, to lose none");
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
        if (left > 0) {
            abandoned = true; // a per-event sink delivers no further event of the batch in doubt
        }
        Thread t = drainer;
        if (t != null && t.isAlive()) {
            try {
                t.join(Duration.ofSeconds(1)); // after close(Duration) gave up: the sink's call may end
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

    /** True once the drainer thread has ended (after stop). */
    boolean drainerEnded() {
        Thread t = drainer;
        return t == null || !t.isAlive();
    }

    /**
     * The buffer's counters with the appender's own folded in. {@code dropped}: overflow drops
     * (the buffer's), events refused before the buffer (discardingThreshold, appendTimeout under
     * BLOCK, after stop), and events given up on after sink failures (per batch: core's dead
     * letters, never counted as written; per event: delivered to core as part of a batch that
     * returned, so taken off {@code written}). {@code failures}: failed sink calls (per batch: the
     * buffer's count of flusher calls that threw; per event: the wrapped appenders' calls that
     * threw). {@code enqueued}: events the buffer accepted.
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
