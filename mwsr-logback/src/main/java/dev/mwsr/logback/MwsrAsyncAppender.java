package dev.mwsr.logback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A drop-in for Logback's {@code ch.qos.logback.classic.AsyncAppender}: logging threads put events
 * on an mwsr {@link AsyncBuffer} and return; one drainer thread hands them, in batches, to the
 * appenders named by the {@code <appender-ref>} children (one or more; Logback's takes only one).
 *
 * <pre>{@code
 * <appender name="ASYNC" class="dev.mwsr.logback.MwsrAsyncAppender">
 *   <queueSize>8192</queueSize>
 *   <appender-ref ref="FILE"/>
 * </appender>
 * }</pre>
 *
 * <p><b>Properties.</b> {@code queueSize} (default 8192), {@code maxBatch} (default: the queue
 * size), {@code overflow} ({@code BLOCK} default, {@code DROP_NEWEST}, {@code DROP_OLDEST},
 * {@code WARN}, {@code GROW}; see {@link OverflowPolicy}), {@code appendTimeout} (unset; see
 * below), {@code maxFlushTime} (milliseconds,
 * default 10000; 0 waits without bound), {@code giveUpAfter} (default 10 seconds),
 * {@code includeCallerData} (default false). Logback's own {@code neverBlock} and
 * {@code discardingThreshold} are accepted so that an existing configuration keeps its meaning:
 * <ul>
 *   <li>{@code neverBlock=true} selects {@code overflow=DROP_NEWEST} (the incoming event is dropped
 *       when the queue is full), unless {@code overflow} is given too, which then wins (with a
 *       warning if they disagree). Unlike Logback, every drop is counted and reported.
 *   <li>{@code discardingThreshold=N} (N &gt; 0) keeps Logback's meaning: while fewer than N places
 *       are free, events of level INFO and below are discarded (and counted, and reported). Places
 *       are counted from the pending events, those being delivered included, so with a large
 *       {@code maxBatch} discarding can start while the queue itself still has room. Unlike
 *       Logback, the default is 0: nothing is discarded unless the configuration says so.
 * </ul>
 *
 * <p><b>{@code appendTimeout}</b> (as in logstash-logback-encoder's appenders; Logback's own
 * {@code AsyncAppender} has none) bounds how long a logging thread waits for room in a full queue
 * before the overflow policy applies. Unset (the default), the policy alone decides:
 * {@code BLOCK} waits as long as it takes, the drop policies never wait. Set to a duration
 * ({@code 50 milliseconds}; 0 means no wait), the thread waits at most that long, then:
 * under {@code BLOCK} the event is discarded, counted as dropped and reported (so
 * {@code BLOCK} plus {@code appendTimeout} means "wait, but never longer than this"); under
 * {@code DROP_NEWEST}, {@code WARN} and {@code DROP_OLDEST} the policy drops as usual (so they wait
 * a little before dropping); under {@code GROW} there is always room and it has no effect (a
 * warning). With {@code neverBlock=true} (which selects {@code DROP_NEWEST}) it is applied too,
 * with a warning that the two disagree. The wait unmounts a virtual thread; an interrupt during
 * it does not cost the event (the thread waits out the rest of the timeout, its flag kept).
 *
 * <p><b>Threads.</b> {@code doAppend} may be called from any number of threads, platform or
 * virtual; on that path there is no {@code synchronized} and no lock (only the buffer's own wait
 * for room under {@code BLOCK}, which unmounts a virtual thread). The event is made ready for
 * another thread there ({@link ILoggingEvent#prepareForDeferredProcessing()}, and
 * {@link ILoggingEvent#getCallerData()} if {@code includeCallerData}). The wrapped appenders are
 * called by the drainer thread only, one event at a time, in order: events of one logging thread
 * arrive in the order logged. Actions of a logging thread before it logs an event happen-before
 * the wrapped appenders' call for that event.
 *
 * <p><b>Stop.</b> {@link #stop()} (called by {@code LoggerContext.stop()} and Logback's shutdown
 * hook) refuses later events, delivers every accepted event to the wrapped appenders, joins the
 * drainer thread and then stops the wrapped appenders. It waits at most {@code maxFlushTime}: what
 * it then could not deliver is reported with its count through the status manager.
 *
 * <p><b>Failures.</b> A wrapped appender whose {@code doAppend} throws is retried with a pause
 * that doubles up to 0.5 s, for at most {@code giveUpAfter}; then that event is dropped, counted and
 * reported, and while the appender keeps failing each further event gets one attempt, so logging
 * threads are never held up for longer than that. The first success is reported too. A failure is
 * never thrown at a logging thread. This retry is per event and per wrapped appender, done by
 * this appender, not by the buffer's own bounded failure policy (which {@link MwsrFileAppender}
 * uses): that policy retries a batch, or the part of it after a durable prefix, while here an
 * event may already have reached the first of two wrapped appenders when the second throws;
 * retrying the batch from that event would give it to the first appender twice. <em>Limit:</em>
 * Logback's own appenders ({@code AppenderBase}, {@code UnsynchronizedAppenderBase} and so
 * {@code FileAppender}) catch what their {@code append} throws, report only the first few to the
 * status manager, and {@code FileAppender} stops writing after an I/O error: nothing can be retried
 * or counted through them. {@link MwsrFileAppender} keeps the full promise.
 *
 * <p>{@link #metrics()} tells what happened: enqueued, delivered, dropped (overflow,
 * {@code discardingThreshold}, {@code appendTimeout} under {@code BLOCK}, refused after stop, or
 * given up after failures), pending, and failures (wrapped appender calls that threw).
 */
public class MwsrAsyncAppender extends UnsynchronizedAppenderBase<ILoggingEvent>
        implements AppenderAttachable<ILoggingEvent> {
    /*
     * Implementation notes.
     *
     * The buffer, its drainer and the drop reports are LogBuffer's; the decision what to do when a
     * wrapped appender throws is SinkFailures' (per event and wrapped appender, so an event that
     * reached the first of two appenders is never sent to it twice). The wrapped appenders are
     * read once per batch into an array; AppenderAttachableImpl is copy-on-write, so attaching
     * while running is safe and takes effect from the next batch.
     */

    /** The default {@code queueSize}. */
    public static final int DEFAULT_QUEUE_SIZE = 8192;
    /** The default {@code maxFlushTime}, in milliseconds. */
    public static final int DEFAULT_MAX_FLUSH_TIME = 10_000;
    /** The default {@code giveUpAfter}. */
    public static final Duration DEFAULT_GIVE_UP_AFTER = Duration.ofSeconds(10);

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private int queueSize = DEFAULT_QUEUE_SIZE;
    private int maxBatch;
    private String overflow;
    private Boolean neverBlock;
    private int discardingThreshold;
    private int maxFlushTime = DEFAULT_MAX_FLUSH_TIME;
    private Duration giveUpAfter = DEFAULT_GIVE_UP_AFTER;
    private Duration appendTimeout;
    private boolean includeCallerData;

    private volatile LogBuffer<ILoggingEvent> buffer;
    private volatile SinkFailures failures;
    /** queueSize - discardingThreshold while discarding is on, else Long.MAX_VALUE. */
    private long discardAbove = Long.MAX_VALUE;

    /** Creates an appender; configure it, attach appenders, then {@link #start()} it. */
    public MwsrAsyncAppender() {}

    /**
     * Checks the configuration and starts the drainer. Errors (no appender attached, a bad
     * value) are reported to the status manager and leave the appender stopped.
     */
    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (!appenders.iteratorForAppenders().hasNext()) {
            addError("no appender attached to [" + name + "]: add an <appender-ref ref=\"...\"/> child");
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
        if (discardingThreshold < 0 || discardingThreshold > queueSize) {
            addError("discardingThreshold must be between 0 and queueSize (" + queueSize + "), was "
                    + discardingThreshold);
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
        discardAbove = discardingThreshold > 0 ? queueSize - discardingThreshold : Long.MAX_VALUE;
        if (!checkAppendTimeout(this, appendTimeout, policy)) {
            return;
        }
        if (appendTimeout != null && Boolean.TRUE.equals(neverBlock)) {
            addWarn("[" + name + "]: neverBlock=true with appendTimeout=" + appendTimeout + ": logging threads wait up"
                    + " to appendTimeout for room before an event is dropped. Remove one of them");
        }
        SinkFailures f =
                new SinkFailures(this, "an appender wrapped by [" + name + "]", giveUpAfter, () -> buffer.abandoned());
        failures = f;
        buffer = new LogBuffer<>(
                this, name, queueSize, maxBatch, policy, appendTimeout, f, null, giveUpAfter, this::deliver);
        addInfo("[" + name + "]: queueSize " + queueSize + ", overflow " + policy
                + (discardingThreshold > 0
                        ? ", discarding INFO and below with fewer than " + discardingThreshold + " places free"
                        : ""));
        super.start();
    }

    /**
     * Checks {@code appendTimeout} for both appenders: not negative; with {@code GROW} there is
     * always room, so it is pointless (a warning).
     *
     * @return false (reported as an error) if it is invalid
     */
    static boolean checkAppendTimeout(UnsynchronizedAppenderBase<?> a, Duration appendTimeout, OverflowPolicy p) {
        if (appendTimeout == null) {
            return true;
        }
        if (appendTimeout.isNegative()) {
            a.addError("appendTimeout must not be negative, was " + appendTimeout);
            return false;
        }
        if (p == OverflowPolicy.GROW) {
            a.addWarn("[" + a.getName()
                    + "]: appendTimeout has no effect with overflow=GROW (the queue always has room)");
        }
        return true;
    }

    /** The overflow policy the properties ask for, or null (reported) if they are invalid. */
    private OverflowPolicy overflowPolicy() {
        if (overflow == null) {
            return Boolean.TRUE.equals(neverBlock) ? OverflowPolicy.DROP_NEWEST : OverflowPolicy.BLOCK;
        }
        OverflowPolicy p = LogBuffer.parseOverflow(overflow);
        if (p == null) {
            addError("overflow must be one of BLOCK, DROP_NEWEST, DROP_OLDEST, WARN, GROW; was [" + overflow + "]");
            return null;
        }
        if (neverBlock != null && neverBlock == (p == OverflowPolicy.BLOCK)) {
            addWarn("[" + name + "]: neverBlock=" + neverBlock + " disagrees with overflow=" + p
                    + "; overflow wins. Remove one of them");
        }
        return p;
    }

    /**
     * Refuses later events, delivers the accepted ones (for at most {@code maxFlushTime}), joins
     * the drainer, reports drops and losses, then stops and detaches the wrapped appenders.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        LogBuffer<ILoggingEvent> b = buffer;
        b.stop(maxFlushTime);
        appenders.detachAndStopAllAppenders();
    }

    /** On the logging thread: prepares the event, then queues it (or discards it, see the class comment). */
    @Override
    protected void append(ILoggingEvent event) {
        LogBuffer<ILoggingEvent> b = buffer;
        if (discardAbove != Long.MAX_VALUE
                && event.getLevel().toInt() <= Level.INFO_INT
                && b.pending() > discardAbove) {
            b.discard();
            return;
        }
        event.prepareForDeferredProcessing();
        if (includeCallerData) {
            event.getCallerData();
        }
        b.write(event);
    }

    /** On the drainer thread: one batch to every wrapped appender. */
    private void deliver(List<ILoggingEvent> batch) {
        List<Appender<ILoggingEvent>> targets = new ArrayList<>(2);
        appenders.iteratorForAppenders().forEachRemaining(targets::add);
        SinkFailures f = failures;
        LogBuffer<ILoggingEvent> b = buffer;
        for (int i = 0, n = batch.size(); i < n; i++) {
            if (b.abandoned()) {
                f.abandon(n - i); // stop()'s maxFlushTime ran out: report the rest (pending, in doubt)
                break;
            }
            ILoggingEvent event = batch.get(i);
            for (int j = 0, m = targets.size(); j < m; j++) {
                f.deliver(Appender::doAppend, targets.get(j), event, 1);
            }
        }
        b.afterBatch();
    }

    /**
     * The counters since {@link #start()}, see the class comment; exact once stopped.
     *
     * @return the metrics, all zero before the first start
     */
    public Metrics metrics() {
        LogBuffer<ILoggingEvent> b = buffer;
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
     * The most events handed to the wrapped appenders in one batch; 0 (the default) means the queue
     * size.
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
     * @return the policy name, or null if not set
     */
    public String getOverflow() {
        return overflow;
    }

    /**
     * Logback's {@code neverBlock}: true means {@code overflow=DROP_NEWEST}, false {@code BLOCK};
     * an explicit {@code overflow} wins.
     *
     * @param neverBlock whether logging threads must never wait for room
     */
    public void setNeverBlock(boolean neverBlock) {
        this.neverBlock = neverBlock;
    }

    /**
     * Logback's {@code neverBlock}, as set.
     *
     * @return true if set to true
     */
    public boolean isNeverBlock() {
        return Boolean.TRUE.equals(neverBlock);
    }

    /**
     * Logback's {@code discardingThreshold}: while fewer than this many places are free, events of
     * level INFO and below are discarded, counted and reported. Default 0 (never).
     *
     * @param discardingThreshold between 0 and the queue size
     */
    public void setDiscardingThreshold(int discardingThreshold) {
        this.discardingThreshold = discardingThreshold;
    }

    /**
     * The discarding threshold.
     *
     * @return the free places below which INFO and lower are discarded; 0 for never
     */
    public int getDiscardingThreshold() {
        return discardingThreshold;
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
     * @return the wait, or null if unset
     */
    public Duration getAppendTimeout() {
        return appendTimeout;
    }

    /**
     * How long an event is retried into a wrapped appender that throws before it is dropped and
     * counted; in {@code logback.xml} a Logback duration such as {@code 10 seconds}. Default 10 s.
     *
     * @param giveUpAfter not negative; 0 gives up after one attempt
     */
    public void setGiveUpAfter(ch.qos.logback.core.util.Duration giveUpAfter) {
        this.giveUpAfter = Duration.ofMillis(giveUpAfter.getMilliseconds());
    }

    /**
     * The retry bound.
     *
     * @return how long a failing event is retried
     */
    public Duration getGiveUpAfter() {
        return giveUpAfter;
    }

    /**
     * Whether caller data (class, method, line) is taken on the logging thread, as Logback's
     * {@code includeCallerData}; it is costly. Default false.
     *
     * @param includeCallerData whether to take caller data
     */
    public void setIncludeCallerData(boolean includeCallerData) {
        this.includeCallerData = includeCallerData;
    }

    /**
     * Whether caller data is taken.
     *
     * @return the setting
     */
    public boolean isIncludeCallerData() {
        return includeCallerData;
    }

    // ---------------------------------------------------------------------------------------
    // AppenderAttachable: the <appender-ref> children.

    /**
     * Attaches an appender that receives every event (from the drainer thread).
     *
     * @param newAppender the appender
     */
    @Override
    public void addAppender(Appender<ILoggingEvent> newAppender) {
        addInfo("attaching appender [" + newAppender.getName() + "] to [" + name + "]");
        appenders.addAppender(newAppender);
    }

    /**
     * The attached appenders.
     *
     * @return an iterator over them
     */
    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    /**
     * An attached appender by name.
     *
     * @param name the name
     * @return the appender, or null
     */
    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    /**
     * Whether an appender is attached.
     *
     * @param appender the appender
     * @return true if attached
     */
    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    /** Stops and detaches every attached appender. */
    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    /**
     * Detaches an appender (without stopping it).
     *
     * @param appender the appender
     * @return true if it was attached
     */
    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    /**
     * Detaches an appender by name (without stopping it).
     *
     * @param name the name
     * @return true if it was attached
     */
    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
