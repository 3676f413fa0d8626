package dev.mwsr.logback;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.spi.AppenderAttachable;
import ch.qos.logback.core.spi.AppenderAttachableImpl;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A drop-in for Logback's {@code ch.qos.logback.classic.AsyncAppender}: logging threads put events
 * on an mwsr buffer and return; the drainer hands them, one at a time and in order, to every
 * appender named by an {@code <appender-ref>} child (one or more; Logback's takes one).
 *
 * <pre>{@code
 * <appender name="ASYNC" class="dev.mwsr.logback.MwsrAsyncAppender">
 *   <queueSize>8192</queueSize>
 *   <appender-ref ref="FILE"/>
 * </appender>
 * }</pre>
 *
 * <p><b>Properties:</b> those of {@link MwsrAppenderBase}, {@code includeCallerData} (default
 * false), and Logback's own, which keep their meaning:
 * <ul>
 *   <li>{@code neverBlock=true} selects {@code overflow=DROP_NEWEST}; an {@code overflow} given too
 *       wins, with a warning if they disagree; with {@code appendTimeout} it waits that long before
 *       dropping (a warning says the two disagree).
 *   <li>{@code discardingThreshold=N} (0 to {@code queueSize}): while fewer than N places are free,
 *       counting the events being delivered (so a large {@code maxBatch} starts it early), INFO
 *       and below are discarded, counted and reported. Default 0, never (Logback's discards).
 * </ul>
 *
 * <p>The logging thread prepares the event for another thread
 * ({@link ILoggingEvent#prepareForDeferredProcessing()}, and caller data if asked). {@link #stop()}
 * ends by stopping and detaching the wrapped appenders.
 *
 * <p><b>Failures</b> are retried per event and wrapped appender: an event that reached the first of
 * two appenders before the second threw never reaches the first twice. {@code failures} in
 * {@link #metrics()} counts the wrapped appenders' calls that threw. <em>Limit:</em> Logback's own
 * appenders ({@code AppenderBase}, {@code UnsynchronizedAppenderBase}, so {@code FileAppender})
 * catch what their {@code append} throws, reporting only the first few, and {@code FileAppender}
 * stops writing after an I/O error: nothing can be retried or counted through them.
 */
public class MwsrAsyncAppender extends MwsrAppenderBase implements AppenderAttachable<ILoggingEvent> {
    /*
     * The wrapped appenders are read once per batch; AppenderAttachableImpl is copy-on-write, so
     * attaching while running takes effect from the next batch.
     */

    private final AppenderAttachableImpl<ILoggingEvent> appenders = new AppenderAttachableImpl<>();
    private Boolean neverBlock;
    private int discardingThreshold;
    private boolean includeCallerData;

    private volatile LogBuffer<ILoggingEvent> buffer;
    private volatile SinkFailures failures;
    /** queueSize - discardingThreshold while discarding is on, else Long.MAX_VALUE. */
    private long discardAbove = Long.MAX_VALUE;

    /** Configure it, attach appenders, then {@link #start()} it. */
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

    @Override
    void closeSink() {
        appenders.detachAndStopAllAppenders();
    }

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

    // Properties: see the class comment.

    public void setNeverBlock(boolean neverBlock) {
        this.neverBlock = neverBlock;
    }

    public boolean isNeverBlock() {
        return Boolean.TRUE.equals(neverBlock);
    }

    public void setDiscardingThreshold(int discardingThreshold) {
        this.discardingThreshold = discardingThreshold;
    }

    public int getDiscardingThreshold() {
        return discardingThreshold;
    }

    public void setIncludeCallerData(boolean includeCallerData) {
        this.includeCallerData = includeCallerData;
    }

    public boolean isIncludeCallerData() {
        return includeCallerData;
    }

    // AppenderAttachable: the <appender-ref> children.

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
