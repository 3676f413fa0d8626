package dev.mwsr.log4j2;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.Metrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.AppenderLoggingException;
import org.apache.logging.log4j.core.config.AppenderControl;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationException;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAliases;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderFactory;
import org.apache.logging.log4j.core.config.plugins.PluginElement;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.AsynchronouslyFormattable;

/**
 * {@code <MwsrAsync>}: a drop-in for Log4j's {@code <Async>}. Logging threads make each event immutable
 * and put it on an mwsr {@link AsyncBuffer}; one drainer thread hands the events, in order, to the
 * appenders named by the {@code <AppenderRef>} children.
 *
 * <pre>{@code
 * <MwsrAsync name="ASYNC" bufferSize="8192">
 *   <AppenderRef ref="FILE"/>
 *   <AppenderRef ref="ERRORS" level="error"/>
 * </MwsrAsync>
 * }</pre>
 *
 * <p><b>Attributes.</b> Those of {@code <Async>} with the same meanings: {@code name}, a filter,
 * {@code <AppenderRef>} children (one or more, each with its {@code level} and filter),
 * {@code bufferSize} (the queue's size, default {@value #DEFAULT_BUFFER_SIZE}), {@code blocking}
 * (default true; false means {@code overflow=DROP_NEWEST}), {@code shutdownTimeout} (milliseconds
 * the stop may take to deliver the queue; 0, the default, waits without bound), {@code includeLocation}
 * (default false), {@code errorRef} (also spelled {@code error-ref}) and {@code ignoreExceptions}
 * (default true). Added: {@code overflow} ({@code BLOCK}, {@code DROP_NEWEST}, {@code DROP_OLDEST},
 * {@code WARN}, {@code GROW}; see {@link OverflowPolicy}; when given it wins over {@code blocking},
 * with a warning if they disagree), {@code appendTimeout} (milliseconds a logging thread waits for
 * room before {@code overflow} applies; under {@code BLOCK} the event is then dropped; unset by
 * default: the policy alone decides) and {@code giveUpAfter} (milliseconds a failing target is
 * retried per event, default 10,000). {@code <Async>}'s {@code BlockingQueueFactory} element and the
 * {@code log4j2.asyncQueueFullPolicy} property do not apply: the queue is mwsr's, and a full queue
 * does what {@code overflow} says.
 *
 * <p><b>On the logging thread</b> the event is copied into an immutable {@link Log4jLogEvent}
 * with {@link Log4jLogEvent#createMemento(LogEvent, boolean)} (thread name and context data captured,
 * the message's parameters formatted unless the message is {@link AsynchronouslyFormattable}, a
 * reusable message copied, the location taken only with {@code includeLocation}, which
 * {@link #requiresLocation()} reports to async loggers). No lock and no {@code synchronized} on that
 * path; only the wait for room under {@code BLOCK}, which unmounts a virtual thread. An interrupt
 * during that wait does not cost the event: the thread waits on and returns with its flag set. A
 * logging thread never calls a target itself (no "synchronous when full" route that would overtake
 * queued events).
 *
 * <p><b>Delivery.</b> Every accepted event reaches each target once, in each logging thread's order,
 * from the drainer thread; actions of a logging thread before it logs happen-before the targets'
 * call. The last event handed over before the queue empties has {@code endOfBatch=true}, so buffered
 * targets (a {@code <RandomAccessFile immediateFlush="false">}) flush without waiting for a stop.
 *
 * <p><b>Failures.</b> A target sees its own failures only with its {@code ignoreExceptions="false"}
 * (otherwise Log4j reports them to the status logger and they never reach this appender). A target
 * that throws is retried for that event, with a pause doubling up to 0.5 s, for at most
 * {@code giveUpAfter}; then the event is given up at that target, counted in
 * {@link #metrics()}{@code .dropped()}, reported, and handed once to the {@code errorRef} appender,
 * if any. While the target keeps failing each further event gets one attempt. Other targets are
 * never called twice for one event. <em>Differs from {@code <Async>}</em>, which sends an event to
 * {@code errorRef} only when no target took it and also when its queue is full with
 * {@code blocking=false}: here a queue-full drop is counted and reported, and {@code errorRef} gets
 * the events a target gave up on.
 *
 * <p><b>Stop.</b> The configuration's stop drains this appender before any appender stops, whatever
 * the names (see {@code StopHook}: a logger config named {@code dev.mwsr.log4j2.stop.<name>}, added
 * at start), bounded by {@code shutdownTimeout}; what it could not deliver is counted and reported.
 * The targets belong to the configuration, which stops them afterwards. Stopping this appender on
 * its own drains it the same way.
 *
 * <p><b>Refusals.</b> An event arriving after the stop, or waiting {@code appendTimeout} in vain
 * under {@code BLOCK}, is counted and reported; with {@code ignoreExceptions="false"} the logging call
 * also gets an {@link AppenderLoggingException}.
 */
@Plugin(name = "MwsrAsync", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE, printObject = true)
public final class MwsrAsyncAppender extends AbstractAppender {
    /*
     * Implementation notes.
     *
     * The queue, its drainer, the drop reports and the bounded stop are EventQueue's; what happens
     * when a target throws is TargetRetry's (per event and target). The targets are resolved at
     * start into AppenderControls, which apply each AppenderRef's level and filter and Log4j's
     * recursion guard. endOfBatch is set by the drainer on our own immutable copy.
     */

    /** The default {@code bufferSize}, as {@code <Async>}'s. */
    public static final int DEFAULT_BUFFER_SIZE = 1024;
    /** The default {@code giveUpAfter}, in milliseconds. */
    public static final long DEFAULT_GIVE_UP_AFTER = 10_000;

    private final QueueSettings settings;
    private final Configuration configuration;
    private final AppenderRef[] appenderRefs;
    private final String errorRef;
    private final boolean includeLocation;

    private volatile EventQueue<LogEvent> queue;
    private volatile TargetRetry retry;
    private List<AppenderControl> targets = List.of();
    private AppenderControl errorAppender;

    private MwsrAsyncAppender(
            String name,
            Filter filter,
            boolean ignoreExceptions,
            Property[] properties,
            QueueSettings settings,
            Configuration configuration,
            AppenderRef[] appenderRefs,
            String errorRef,
            boolean includeLocation) {
        super(name, filter, null, ignoreExceptions, properties);
        this.settings = settings;
        this.configuration = configuration;
        this.appenderRefs = appenderRefs;
        this.errorRef = errorRef;
        this.includeLocation = includeLocation;
    }

    /**
     * The builder Log4j fills from the configuration; also for code.
     *
     * @return a new builder
     */
    @PluginBuilderFactory
    public static Builder newBuilder() {
        return new Builder();
    }

    /**
     * Resolves the targets and starts the drainer.
     *
     * @throws ConfigurationException if an {@code AppenderRef} or {@code errorRef} names no appender
     *     of the configuration (nothing started)
     */
    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        Map<String, Appender> all = configuration.getAppenders();
        List<AppenderControl> resolved = new ArrayList<>(appenderRefs.length);
        for (AppenderRef ref : appenderRefs) {
            resolved.add(new AppenderControl(named(all, ref.getRef(), "AppenderRef"), ref.getLevel(), ref.getFilter()));
        }
        AppenderControl error =
                errorRef == null ? null : new AppenderControl(named(all, errorRef, "errorRef"), null, null);
        targets = List.copyOf(resolved);
        errorAppender = error;
        TargetRetry r = new TargetRetry(getName(), settings.giveUpAfter(), () -> queue.abandoned());
        retry = r;
        queue = new EventQueue<>(settings, this::deliver, null, r);
        StopHook.install(configuration, getName(), this::drain);
        super.start();
    }

    private Appender named(Map<String, Appender> all, String ref, String what) {
        Appender a = all.get(ref);
        if (a == null) {
            throw new ConfigurationException("appender [" + getName() + "]: " + what + " [" + ref
                    + "] names no appender of the configuration; define it in <Appenders> or fix the name");
        }
        if (a == this) {
            throw new ConfigurationException(
                    "appender [" + getName() + "]: " + what + " [" + ref + "] names the appender itself");
        }
        return a;
    }

    /** On the logging thread: an immutable copy on the queue (see the class comment). */
    @Override
    public void append(LogEvent event) {
        // Log4j's memento: a reusable message copied, any other formatted now (freezing mutable
        // parameters) unless @AsynchronouslyFormattable; context data and thread name captured.
        Log4jLogEvent copy = Log4jLogEvent.createMemento(event, includeLocation);
        EventQueue<LogEvent> q = queue;
        if ((q == null || !q.write(copy)) && !ignoreExceptions()) {
            throw new AppenderLoggingException("appender [" + getName() + "] refused an event (stopped, or the queue"
                    + " stayed full for appendTimeout); it is counted as dropped");
        }
    }

    /** On the drainer thread: each event of a batch to every target, in order. */
    private void deliver(List<LogEvent> batch) {
        EventQueue<LogEvent> q = queue;
        TargetRetry r = retry;
        List<AppenderControl> to = targets;
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            if (q.abandoned()) {
                r.abandon(n - i);
                break;
            }
            LogEvent event = batch.get(i);
            event.setEndOfBatch(i == n - 1 && q.emptyAfter(n));
            boolean gaveUp = false;
            for (int j = 0, m = to.size(); j < m; j++) {
                gaveUp |= !r.deliver(to.get(j), event);
            }
            if (gaveUp && errorAppender != null) {
                try {
                    errorAppender.callAppender(event);
                } catch (VirtualMachineError e) {
                    throw e;
                } catch (Throwable t) {
                    r.errorAppenderFailed(errorAppender, t);
                }
            }
        }
        q.afterBatch();
    }

    /** The configuration's stop hook, and stop(): delivers the queue, bounded by shutdownTimeout. */
    private void drain() {
        EventQueue<LogEvent> q = queue;
        if (q != null) {
            q.stop();
        }
    }

    /** Drains the queue (bounded by {@code shutdownTimeout}) and stops; the targets stay started. */
    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        setStopping();
        drain();
        super.stop(timeout, timeUnit, false);
        setStopped();
        return true;
    }

    /**
     * Whether async loggers must take the caller's location before the event reaches this appender.
     *
     * @return {@code includeLocation}
     */
    @Override
    public boolean requiresLocation() {
        return includeLocation;
    }

    /** True once the drainer thread has ended (after stop), or if the appender never started. */
    boolean drainerEnded() {
        EventQueue<LogEvent> q = queue;
        return q == null || q.drainerEnded();
    }

    /**
     * The counters since start: enqueued (events accepted), written (events every target took or
     * that were handed on after being given up), dropped (overflow, refusals, and events given up at a
     * target), pending, batches, and failures (target calls that threw). Exact once stopped.
     *
     * @return the metrics, all zero before start
     */
    public Metrics metrics() {
        EventQueue<LogEvent> q = queue;
        return q == null ? new Metrics(0, 0, 0, 0, 0, 0) : q.metrics(true);
    }

    /**
     * The queue's size.
     *
     * @return {@code bufferSize}
     */
    public int getBufferSize() {
        return settings.queueSize();
    }

    /**
     * What a full queue does.
     *
     * @return the overflow policy in force
     */
    public OverflowPolicy getOverflow() {
        return settings.overflow();
    }

    /**
     * The builder behind {@code <MwsrAsync>}: its attributes are the class comment's.
     */
    public static final class Builder extends AbstractAppender.Builder<Builder>
            implements org.apache.logging.log4j.core.util.Builder<MwsrAsyncAppender> {
        @PluginElement("AppenderRef")
        private AppenderRef[] appenderRefs;

        @PluginBuilderAttribute
        @PluginAliases("error-ref")
        private String errorRef;

        @PluginBuilderAttribute
        private int bufferSize = DEFAULT_BUFFER_SIZE;

        @PluginBuilderAttribute
        private Boolean blocking;

        @PluginBuilderAttribute
        private long shutdownTimeout;

        @PluginBuilderAttribute
        private boolean includeLocation;

        @PluginBuilderAttribute
        private String overflow;

        @PluginBuilderAttribute
        private long appendTimeout = -1;

        @PluginBuilderAttribute
        private long giveUpAfter = DEFAULT_GIVE_UP_AFTER;

        private Builder() {}

        /**
         * The targets.
         *
         * @param appenderRefs one or more references to appenders of the configuration
         * @return this builder
         */
        public Builder setAppenderRefs(AppenderRef... appenderRefs) {
            this.appenderRefs = appenderRefs;
            return this;
        }

        /**
         * The appender that gets each event a target gave up on.
         *
         * @param errorRef an appender's name, or null
         * @return this builder
         */
        public Builder setErrorRef(String errorRef) {
            this.errorRef = errorRef;
            return this;
        }

        /**
         * The queue's size.
         *
         * @param bufferSize at least 1
         * @return this builder
         */
        public Builder setBufferSize(int bufferSize) {
            this.bufferSize = bufferSize;
            return this;
        }

        /**
         * {@code <Async>}'s {@code blocking}: false means {@code overflow=DROP_NEWEST}.
         *
         * @param blocking whether logging threads wait for room
         * @return this builder
         */
        public Builder setBlocking(boolean blocking) {
            this.blocking = blocking;
            return this;
        }

        /**
         * How long the stop may deliver, in milliseconds; 0 without bound.
         *
         * @param shutdownTimeout milliseconds, not negative
         * @return this builder
         */
        public Builder setShutdownTimeout(long shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * Whether the caller's location is taken on the logging thread.
         *
         * @param includeLocation true to take it
         * @return this builder
         */
        public Builder setIncludeLocation(boolean includeLocation) {
            this.includeLocation = includeLocation;
            return this;
        }

        /**
         * What a full queue does; wins over {@code blocking}.
         *
         * @param overflow a policy name, case ignored
         * @return this builder
         */
        public Builder setOverflow(String overflow) {
            this.overflow = overflow;
            return this;
        }

        /**
         * How long a logging thread waits for room before {@code overflow} applies.
         *
         * @param appendTimeout milliseconds; negative for unset
         * @return this builder
         */
        public Builder setAppendTimeout(long appendTimeout) {
            this.appendTimeout = appendTimeout;
            return this;
        }

        /**
         * How long a failing target is retried per event.
         *
         * @param giveUpAfter milliseconds, not negative
         * @return this builder
         */
        public Builder setGiveUpAfter(long giveUpAfter) {
            this.giveUpAfter = giveUpAfter;
            return this;
        }

        /**
         * Checks the attributes and builds the appender (not started).
         *
         * @return the appender
         * @throws ConfigurationException with what to change, if an attribute is wrong
         */
        @Override
        public MwsrAsyncAppender build() {
            QueueSettings s = QueueSettings.of(
                    getName(),
                    "bufferSize",
                    bufferSize,
                    overflow,
                    blocking,
                    appendTimeout,
                    shutdownTimeout,
                    giveUpAfter);
            if (appenderRefs == null || appenderRefs.length == 0) {
                throw new ConfigurationException(
                        "appender [" + getName() + "] has no target: add an <AppenderRef ref=\"...\"/> child");
            }
            if (getConfiguration() == null) {
                throw new ConfigurationException(
                        "appender [" + getName() + "] needs its Configuration (setConfiguration) to find its targets");
            }
            return new MwsrAsyncAppender(
                    getName(),
                    getFilter(),
                    isIgnoreExceptions(),
                    getPropertyArray(),
                    s,
                    getConfiguration(),
                    appenderRefs.clone(),
                    errorRef,
                    includeLocation);
        }
    }
}
