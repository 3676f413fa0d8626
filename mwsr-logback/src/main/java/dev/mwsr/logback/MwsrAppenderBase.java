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
 * between the logging threads and one drainer thread that hands batches to the appender's sink (the
 * wrapped appenders, or the file), its properties, the start and the stop, and the drop reports.
 *
 * <p><b>Why public.</b> The properties below are set by Joran from {@code logback.xml} (and by bean
 * tools) as public methods of the appender class; declaring them once on a public class keeps them
 * visible to reflection under any module setup and documents them once. The API of this type is
 * those properties, {@link #metrics()} and the {@code DEFAULT_} constants. It is not meant to be
 * extended outside this package: its constructor is package-private and its hooks too.
 *
 * <p><b>Properties.</b> {@code queueSize} (default {@value #DEFAULT_QUEUE_SIZE}), {@code maxBatch}
 * (default: the queue size), {@code overflow} ({@code BLOCK} default, {@code DROP_NEWEST},
 * {@code DROP_OLDEST}, {@code WARN}, {@code GROW}; see {@link OverflowPolicy}),
 * {@code appendTimeout} (unset; see below), {@code maxFlushTime} (milliseconds, default
 * {@value #DEFAULT_MAX_FLUSH_TIME}; 0 waits without bound) and {@code giveUpAfter} (default 10
 * seconds). Each appender adds its own.
 *
 * <p><b>{@code appendTimeout}</b> (as in logstash-logback-encoder's appenders; Logback's own
 * {@code AsyncAppender} has none) bounds how long a logging thread waits for room in a full queue
 * before the overflow policy applies. Unset (the default), the policy alone decides: {@code BLOCK}
 * waits as long as it takes, the drop policies never wait. Set to a duration ({@code 50
 * milliseconds}; 0 means no wait), the thread waits at most that long, then: under {@code BLOCK}
 * the event is discarded, counted as dropped and reported (so {@code BLOCK} plus
 * {@code appendTimeout} means "wait, but never longer than this"); under {@code DROP_NEWEST},
 * {@code WARN} and {@code DROP_OLDEST} the policy drops as usual (so they wait a little before
 * dropping); under {@code GROW} there is always room and it has no effect (a warning). The wait
 * unmounts a virtual thread; an interrupt during it does not cost the event (the thread waits out
 * the rest of the timeout, its flag kept).
 *
 * <p><b>Start.</b> {@link #start()} checks the configuration: an error (a missing or bad value) is
 * reported to the status manager and leaves the appender stopped, having written nothing.
 *
 * <p><b>Stop.</b> {@link #stop()} (called by {@code LoggerContext.stop()} and Logback's shutdown
 * hook) refuses later events, delivers every accepted one, joins the drainer thread and then closes
 * the sink (stops the wrapped appenders, or closes the file) before it returns. It waits at most
 * {@code maxFlushTime}: what it then could not deliver is reported with its count through the
 * status manager.
 *
 * <p><b>Drops</b> (a dropping {@code overflow}, {@code appendTimeout} under {@code BLOCK}, events
 * arriving after stop, events given up on after sink failures) are counted in
 * {@link #metrics()}{@code .dropped()} and reported to the status manager, at most once a second.
 */
public abstract class MwsrAppenderBase extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /*
     * Implementation notes.
     *
     * A template: start() runs the subclass's own checks (checkOwn), then the shared ones, then
     * open(policy), in which the subclass opens its sink and builds its LogBuffer (through
     * newBuffer, which passes the shared settings); stop() runs writeLast (a footer), drains the
     * buffer with the grace period, then closeSink. The subclass keeps the buffer typed for its
     * append(); this class keeps it untyped for stop() and metrics(). The buffer, its drainer and
     * the drop reports are LogBuffer's.
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

    /**
     * For this package's appenders only.
     *
     * @param overflow what {@link #getOverflow()} shows before it is set (null: not set)
     */
    MwsrAppenderBase(String overflow) {
        this.overflow = overflow;
    }

    /** The subclass's own checks, before the shared ones: false (reported) leaves it stopped. */
    abstract boolean checkOwn();

    /**
     * Opens the sink and builds the buffer with {@link #newBuffer}, after every check passed; null
     * (reported, nothing left open) if it cannot.
     */
    abstract LogBuffer<?> open(OverflowPolicy policy);

    /** In {@link #stop()}, after later events are refused and before the drain: the last items. */
    void writeLast() {}

    /** In {@link #stop()}, after the drain: stops the wrapped appenders or closes the file. */
    abstract void closeSink();

    /** A buffer with the shared settings; see {@link LogBuffer}'s constructor for the failures. */
    final <T> LogBuffer<T> newBuffer(
            OverflowPolicy policy, Outage outage, SinkFailures perEvent, Consumer<List<T>> sink) {
        return new LogBuffer<>(
                this,
                new LogBuffer.Settings(name, queueSize, maxBatch, policy, appendTimeout, giveUpAfter),
                outage,
                perEvent,
                sink);
    }

    /**
     * Checks the configuration, opens the sink and starts the drainer; see the class comment.
     */
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

    /** The overflow policy the properties ask for, or null (reported) if they are invalid. */
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

    /**
     * Refuses later events, delivers the accepted ones (for at most {@code maxFlushTime}), joins
     * the drainer, reports drops and losses, then closes the sink; see the class comment.
     */
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
     * Logback's {@code doAppend} (the filters, then {@code append}; an exception reported), except
     * that an event reaching a stopped appender is counted as dropped and reported instead of
     * ignored. {@code started} is read once, so an event racing {@link #stop()} is either appended
     * (and then accepted or refused by the buffer, counted) or counted here: never lost unseen.
     */
    @Override
    public void doAppend(ILoggingEvent event) {
        boolean started = isStarted();
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
     * The counters since {@link #start()}: enqueued, delivered, dropped (see the class comment),
     * pending, batches and failed sink calls; each appender's javadoc says what it counts as an
     * item and a failure. Exact once stopped.
     *
     * @return the metrics, all zero before the first start
     */
    public Metrics metrics() {
        LogBuffer<?> b = buffer;
        return b == null ? new Metrics(0, 0, 0, 0, 0, 0) : b.metrics();
    }

    // ---------------------------------------------------------------------------------------
    // Properties (set by Joran from logback.xml, or by code before start()).

    /**
     * The most events waiting in the queue (the batch being delivered not counted).
     *
     * @param queueSize at least 1; default {@value #DEFAULT_QUEUE_SIZE}
     */
    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    /**
     * The queue size.
     *
     * @return the most events waiting in the queue
     */
    public int getQueueSize() {
        return queueSize;
    }

    /**
     * The most events handed to the sink in one batch (to the wrapped appenders, or in one write
     * of the file); 0 (the default) means the queue size.
     *
     * @param maxBatch 0, or between 1 and the queue size
     */
    public void setMaxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /**
     * The batch bound.
     *
     * @return the most events in one batch, 0 for the queue size
     */
    public int getMaxBatch() {
        return maxBatch;
    }

    /**
     * What a logging thread does when the queue is full: {@code BLOCK} (default: wait, lose
     * nothing), {@code DROP_NEWEST}, {@code DROP_OLDEST}, {@code WARN} or {@code GROW}, case
     * ignored. Drops are counted and reported.
     *
     * @param overflow the policy name
     */
    public void setOverflow(String overflow) {
        this.overflow = overflow;
    }

    /**
     * The overflow policy as configured.
     *
     * @return the policy name; before it is set, null for {@link MwsrAsyncAppender} (whose
     *     {@code neverBlock} may then decide) and {@code BLOCK} for {@link MwsrFileAppender}
     */
    public String getOverflow() {
        return overflow;
    }

    /**
     * How long {@link #stop()} waits for the queue to be delivered, in milliseconds; 0 waits
     * without bound. Default {@value #DEFAULT_MAX_FLUSH_TIME}.
     *
     * @param maxFlushTime milliseconds
     */
    public void setMaxFlushTime(int maxFlushTime) {
        this.maxFlushTime = maxFlushTime;
    }

    /**
     * The stop grace period.
     *
     * @return milliseconds, 0 for no bound
     */
    public int getMaxFlushTime() {
        return maxFlushTime;
    }

    /**
     * How long a logging thread waits for room in a full queue before the overflow policy
     * applies; see the class comment. Unset by default: the policy alone decides.
     *
     * @param appendTimeout a Logback duration such as {@code 50 milliseconds}; 0 for no wait
     */
    public void setAppendTimeout(ch.qos.logback.core.util.Duration appendTimeout) {
        this.appendTimeout = Duration.ofMillis(appendTimeout.getMilliseconds());
    }

    /**
     * The bounded wait for room.
     *
     * @return the wait, or null if unset (the overflow policy alone decides)
     */
    public Duration getAppendTimeout() {
        return appendTimeout;
    }

    /**
     * How long a failing sink is retried before its events are dropped and counted: per event and
     * wrapped appender in {@link MwsrAsyncAppender}, per batch in {@link MwsrFileAppender}. In
     * {@code logback.xml} a Logback duration such as {@code 10 seconds}. Default 10 s.
     *
     * @param giveUpAfter not negative; 0 gives up after one attempt ({@link MwsrFileAppender}: at
     *     the second failed attempt, 1 ms after the first)
     */
    public void setGiveUpAfter(ch.qos.logback.core.util.Duration giveUpAfter) {
        this.giveUpAfter = Duration.ofMillis(giveUpAfter.getMilliseconds());
    }

    /**
     * The retry bound.
     *
     * @return how long a failing event or batch is retried
     */
    public Duration getGiveUpAfter() {
        return giveUpAfter;
    }
}
