package dev.mwsr.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.FilterReply;
import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * What {@link MwsrAsyncAppender} and {@link MwsrFileAppender} share: an mwsr {@link AsyncBuffer}
 * between the logging threads and one drainer thread that hands batches to the sink (the wrapped
 * appenders, or the file). Public so that Joran and bean tools see the shared properties on a
 * public class; not for extension (its constructor is package-private).
 *
 * <p><b>Properties</b> (set before {@link #start()}; each appender adds its own):
 * <ul>
 *   <li>{@code queueSize}: the most events waiting, the batch being delivered not counted; at
 *       least 1, default {@value #DEFAULT_QUEUE_SIZE}.
 *   <li>{@code maxBatch}: the most events in one batch; 0 (default) for {@code queueSize}.
 *   <li>{@code overflow}, case ignored: {@code BLOCK} (default: a logging thread waits for room,
 *       nothing is lost), {@code DROP_NEWEST}, {@code DROP_OLDEST}, {@code WARN}, {@code GROW}
 *       (see {@link OverflowPolicy}).
 *   <li>{@code appendTimeout} (logstash-logback-encoder's meaning; Logback's {@code AsyncAppender}
 *       has none), unset by default: the policy alone decides. Set ({@code 50 milliseconds}, 0 for
 *       no wait), a logging thread waits at most that long for room, then {@code BLOCK} drops the
 *       event, the drop policies drop as they say, and {@code GROW} ignores it (a warning). The
 *       wait unmounts a virtual thread; an interrupt does not cut it short or cost the event.
 *   <li>{@code maxFlushTime}: milliseconds {@link #stop()} waits, 0 without bound; default
 *       {@value #DEFAULT_MAX_FLUSH_TIME}.
 *   <li>{@code giveUpAfter}: how long a failing sink is retried before its events are dropped, a
 *       Logback duration, default 10 seconds, not negative; 0 gives up after one attempt
 *       ({@link MwsrFileAppender}: at the second, 1 ms after the first).
 * </ul>
 *
 * <p><b>Start</b> reports a bad configuration to the status manager and leaves the appender
 * stopped, having written nothing. <b>Stop</b> (also through {@code LoggerContext.stop()} and
 * Logback's shutdown hook) refuses later events, delivers the accepted ones, joins the drainer and
 * closes the sink before it returns; after {@code maxFlushTime} it reports what it could not
 * deliver, with the count.
 *
 * <p><b>Threads.</b> No {@code synchronized} and no lock on a logging thread's path (only the
 * buffer's wait for room); an interrupted logging thread loses no event and keeps its flag. Events
 * of one logging thread reach the sink in the order logged, and its actions before it logs an
 * event happen-before the sink's call for that event.
 *
 * <p><b>Failures.</b> A throwing sink is reported and retried with a pause doubling up to 0.5 s
 * for {@code giveUpAfter}; then the events are dropped, and while it keeps failing each further
 * event or batch gets one attempt. The recovery is reported with the count lost. A failure never
 * reaches a logging thread, nor holds one up for good: under {@code BLOCK} the writers behind a
 * dead sink are released as its events are given up.
 *
 * <p><b>Drops</b> are counted in {@link #metrics()}{@code .dropped()} and reported to the status
 * manager at most once a second: a dropping {@code overflow}, {@code appendTimeout} under
 * {@code BLOCK}, events given up on after failures, events whose {@code append} threw, and events
 * reaching the appender once it is stopped (a logging thread racing {@code stop()}, or
 * {@code stop()} called on the appender alone: {@code LoggerContext.stop()} also detaches it).
 */
public abstract class MwsrAppenderBase extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /*
     * A template: start() runs checkOwn, the shared checks, then open(policy), in which the
     * subclass opens its sink and builds its LogBuffer through newBuffer; stop() runs writeLast,
     * drains with the grace period, then closeSink.
     */

    /** The default {@code queueSize}. */
    public static final int DEFAULT_QUEUE_SIZE = 8192;
    /** The default {@code maxFlushTime}, in milliseconds. */
    public static final int DEFAULT_MAX_FLUSH_TIME = 10_000;
    /** The default {@code giveUpAfter}. */
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofSeconds(10);

    private int queueSize = DEFAULT_QUEUE_SIZE;
    private int maxBatch;
    private String overflow;
    private int maxFlushTime = DEFAULT_MAX_FLUSH_TIME;
    private Duration giveUpAfter = DEFAULT_GIVE_UP_AFTER;
    private Duration appendTimeout;

    private volatile LogBuffer<?> buffer;

    /** {@code overflow}: what {@link #getOverflow()} shows before it is set (null: not set). */
    MwsrAppenderBase(String overflow) {
        this.overflow = overflow;
    }

    /** False (reported) leaves the appender stopped. */
    abstract boolean checkOwn();

    /** Null (reported, nothing left open) if the sink cannot be opened. */
    abstract LogBuffer<?> open(OverflowPolicy policy);

    void writeLast() {}

    abstract void closeSink();

    final <T> LogBuffer<T> newBuffer(
            OverflowPolicy policy, Outage outage, SinkFailures perEvent, Consumer<List<T>> sink) {
        return new LogBuffer<>(
                this,
                new LogBuffer.Settings(name, queueSize, maxBatch, policy, appendTimeout, giveUpAfter),
                outage,
                perEvent,
                sink);
    }

    @Override
    public void start() {
        if (isStarted() || !checkOwn()) {
            return;
        }
        if (queueSize < 1) {
            addError("queueSize must be at least 1, was " + queueSize);
            return;
        }
        if (maxBatch < 0 || maxBatch > queueSize) {
            addError("maxBatch must be between 1 and queueSize (" + queueSize + "), was " + maxBatch);
            return;
        }
        if (maxFlushTime < 0) {
            addError("maxFlushTime must not be negative (0 waits without bound), was " + maxFlushTime);
            return;
        }
        if (giveUpAfter.isNegative()) {
            addError("giveUpAfter must not be negative, was " + giveUpAfter);
            return;
        }
        OverflowPolicy policy = overflowPolicy();
        if (policy == null) {
            return;
        }
        if (appendTimeout != null && appendTimeout.isNegative()) {
            addError("appendTimeout must not be negative, was " + appendTimeout);
            return;
        }
        if (appendTimeout != null && policy == OverflowPolicy.GROW) {
            addWarn("[" + name + "]: appendTimeout has no effect with overflow=GROW (the queue always has room)");
        }
        LogBuffer<?> b = open(policy);
        if (b == null) {
            return;
        }
        buffer = b;
        super.start();
    }

    /** Null (reported) if the properties are invalid. */
    OverflowPolicy overflowPolicy() {
        if (overflow == null) {
            return OverflowPolicy.BLOCK;
        }
        OverflowPolicy p = LogBuffer.parseOverflow(overflow);
        if (p == null) {
            addError("overflow must be one of BLOCK, DROP_NEWEST, DROP_OLDEST, WARN, GROW; was [" + overflow + "]");
        }
        return p;
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        LogBuffer<?> b = buffer;
        writeLast();
        b.stop(maxFlushTime);
        closeSink();
    }

    /**
     * Logback's {@code doAppend} (the filters, then {@code append}), except that an event refused
     * for being stopped, or whose {@code append} threw, is counted as dropped and reported.
     */
    @Override
    public void doAppend(ILoggingEvent event) {
        boolean started = isStarted(); // read once: an event racing stop() is appended or counted
        LogBuffer<?> b = buffer;
        if (!started && b == null) {
            super.doAppend(event); // never started: Logback's own warning
            return;
        }
        try {
            if (getFilterChainDecision(event) == FilterReply.DENY) {
                return;
            }
            if (started) {
                append(event);
            } else {
                b.refuse("the appender is stopped", null);
            }
        } catch (Exception e) {
            b.refuse("appending it threw", e);
        }
    }

    /**
     * The counters since {@link #start()}, all zero before it; each appender says what it counts
     * as an item and as a failure.
     *
     * @return the metrics: {@code dropped} as in the class comment, the rest as in {@link Metrics}
     */
    public Metrics metrics() {
        LogBuffer<?> b = buffer;
        return b == null ? new Metrics(0, 0, 0, 0, 0, 0) : b.metrics();
    }

    // Properties: see the class comment.

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    public int getQueueSize() {
        return queueSize;
    }

    public void setMaxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    public int getMaxBatch() {
        return maxBatch;
    }

    public void setOverflow(String overflow) {
        this.overflow = overflow;
    }

    /**
     * @return as set; before that null for {@link MwsrAsyncAppender} ({@code neverBlock} decides),
     *     {@code BLOCK} for {@link MwsrFileAppender}
     */
    public String getOverflow() {
        return overflow;
    }

    public void setMaxFlushTime(int maxFlushTime) {
        this.maxFlushTime = maxFlushTime;
    }

    public int getMaxFlushTime() {
        return maxFlushTime;
    }

    public void setAppendTimeout(ch.qos.logback.core.util.Duration appendTimeout) {
        this.appendTimeout = Duration.ofMillis(appendTimeout.getMilliseconds());
    }

    /** @return null while unset */
    public Duration getAppendTimeout() {
        return appendTimeout;
    }

    public void setGiveUpAfter(ch.qos.logback.core.util.Duration giveUpAfter) {
        this.giveUpAfter = Duration.ofMillis(giveUpAfter.getMilliseconds());
    }

    public Duration getGiveUpAfter() {
        return giveUpAfter;
    }
}
