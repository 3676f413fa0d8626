package dev.mwsr.logback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
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
 * <p><b>Properties.</b> Those of {@link MwsrAppenderBase} ({@code queueSize}, {@code maxBatch},
 * {@code overflow}, {@code appendTimeout}, {@code maxFlushTime}, {@code giveUpAfter}), and
 * {@code includeCallerData} (default false). Logback's own {@code neverBlock} and
 * {@code discardingThreshold} are accepted so that an existing configuration keeps its meaning:
 * <ul>
 *   <li>{@code neverBlock=true} selects {@code overflow=DROP_NEWEST} (the incoming event is dropped
 *       when the queue is full), unless {@code overflow} is given too, which then wins (with a
 *       warning if they disagree). Unlike Logback, every drop is counted and reported. With
 *       {@code appendTimeout} it waits that long before dropping, with a warning that the two
 *       disagree.
 *   <li>{@code discardingThreshold=N} (N &gt; 0) keeps Logback's meaning: while fewer than N places
 *       are free, events of level INFO and below are discarded (and counted, and reported). Places
 *       are counted from the pending events, those being delivered included, so with a large
 *       {@code maxBatch} discarding can start while the queue itself still has room. Unlike
 *       Logback, the default is 0: nothing is discarded unless the configuration says so.
 * </ul>
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
 * <p><b>Stop</b> (see {@link MwsrAppenderBase}) delivers every accepted event, joins the drainer,
 * then stops and detaches the wrapped appenders.
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
public class MwsrAsyncAppender extends MwsrAppenderBase implements AppenderAttachable<ILoggingEvent> {
    /*
     * Implementation notes.
     *
     * The queue, the lifecycle and the shared properties are MwsrAppenderBase's, the buffer, its
     * drainer and the drop reports LogBuffer's; the decision what to do when a wrapped appender
     * throws is SinkFailures' (per event and wrapped appender, so an event that reached the first
     * of two appenders is never sent to it twice). The wrapped appenders are read once per batch
     * into a list; AppenderAttachableImpl is copy-on-write, so attaching while running is safe and
     * takes effect from the next batch.
     */

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private Boolean neverBlock;
    private int discardingThreshold;
    private boolean includeCallerData;

    private volatile LogBuffer<ILoggingEvent> buffer;
    private volatile SinkFailures failures;
    /** queueSize - discardingThreshold while discarding is on, else Long.MAX_VALUE. */
    private long discardAbove = Long.MAX_VALUE;

    /** Creates an appender; configure it, attach appenders, then {@link #start()} it. */
    public MwsrAsyncAppender() {
        super(null); // overflow unset: neverBlock may decide
    }

    @Override
    boolean checkOwn() {
        if (!appenders.iteratorForAppenders().hasNext()) {
            addError("no appender attached to [" + name + "]: add an <appender-ref ref=\"...\"/> child");
            return false;
        }
        return true;
    }

    @Override
    LogBuffer<?> open(OverflowPolicy policy) {
        if (discardingThreshold < 0 || discardingThreshold > getQueueSize()) {
            addError("discardingThreshold must be between 0 and queueSize (" + getQueueSize() + "), was "
                    + discardingThreshold);
            return null;
        }
        discardAbove = discardingThreshold > 0 ? getQueueSize() - discardingThreshold : Long.MAX_VALUE;
        if (getAppendTimeout() != null && Boolean.TRUE.equals(neverBlock)) {
            addWarn("[" + name + "]: neverBlock=true with appendTimeout=" + getAppendTimeout()
                    + ": logging threads wait up to appendTimeout for room before an event is dropped."
                    + " Remove one of them");
        }
        Outage outage = new Outage(
                this,
                "an appender wrapped by [" + name + "]",
                "retrying for " + getGiveUpAfter(),
                "; each further event gets one attempt until it works again");
        SinkFailures f = new SinkFailures(outage, getGiveUpAfter(), () -> buffer.abandoned());
        failures = f;
        LogBuffer<ILoggingEvent> b = newBuffer(policy, outage, f, this::deliver);
        buffer = b;
        addInfo("[" + name + "]: queueSize " + getQueueSize() + ", overflow " + policy
                + (discardingThreshold > 0
                        ? ", discarding INFO and below with fewer than " + discardingThreshold + " places free"
                        : ""));
        return b;
    }

    /** neverBlock decides while overflow is not set; a disagreeing overflow wins, with a warning. */
    @Override
    OverflowPolicy overflowPolicy() {
        if (getOverflow() == null) {
            return Boolean.TRUE.equals(neverBlock) ? OverflowPolicy.DROP_NEWEST : OverflowPolicy.BLOCK;
        }
        OverflowPolicy p = super.overflowPolicy();
        if (p != null && neverBlock != null && neverBlock == (p == OverflowPolicy.BLOCK)) {
            addWarn("[" + name + "]: neverBlock=" + neverBlock + " disagrees with overflow=" + p
                    + "; overflow wins. Remove one of them");
        }
        return p;
    }

    /** After the drain: stops and detaches the wrapped appenders, as Logback's AsyncAppender does. */
    @Override
    void closeSink() {
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
            if (b.abandoned()) { // stop()'s maxFlushTime ran out: the rest stays pending, in doubt
                addWarn("an appender wrapped by [" + name + "]: " + (n - i) + " events of the batch in progress"
                        + " were not delivered because the stop grace period (maxFlushTime) ran out");
                break;
            }
            ILoggingEvent event = batch.get(i);
            for (int j = 0, m = targets.size(); j < m; j++) {
                f.deliver(targets.get(j), event);
            }
        }
        b.afterBatch();
    }

    // ---------------------------------------------------------------------------------------
    // Properties of its own (the shared ones are MwsrAppenderBase's).

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
    // AppenderAttachable: the <appender-ref> children (the interface's javadoc applies).

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

    @Override
    public Iterator<Appender<ILoggingEvent>> iteratorForAppenders() {
        return appenders.iteratorForAppenders();
    }

    @Override
    public Appender<ILoggingEvent> getAppender(String name) {
        return appenders.getAppender(name);
    }

    @Override
    public boolean isAttached(Appender<ILoggingEvent> appender) {
        return appenders.isAttached(appender);
    }

    @Override
    public void detachAndStopAllAppenders() {
        appenders.detachAndStopAllAppenders();
    }

    /** Detaches an appender without stopping it; see {@link AppenderAttachable}. */
    @Override
    public boolean detachAppender(Appender<ILoggingEvent> appender) {
        return appenders.detachAppender(appender);
    }

    /** Detaches an appender by name without stopping it; see {@link AppenderAttachable}. */
    @Override
    public boolean detachAppender(String name) {
        return appenders.detachAppender(name);
    }
}
