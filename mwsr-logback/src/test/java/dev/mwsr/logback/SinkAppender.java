package dev.mwsr.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.FilterAttachableImpl;
import ch.qos.logback.core.spi.FilterReply;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test appender for logback.xml configurations: records each event's message, can be made to
 * block (a gate) or to throw, and lets its exceptions out of doAppend (unlike AppenderBase, which
 * swallows them), as an appender that reports its failures does.
 */
public class SinkAppender extends ContextAwareBase implements Appender<ILoggingEvent> {
    final ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
    final AtomicInteger calls = new AtomicInteger();
    /** While set and not yet counted down, doAppend waits on it. */
    volatile CountDownLatch gate;
    /** The gate holds only calls from this one on (1 = every call). */
    volatile int gateFromCall = 1;
    /** Counted down when a call starts waiting at the gate. */
    volatile CountDownLatch entered = new CountDownLatch(1);
    /** While true, every call throws. */
    volatile boolean failing;
    /** The next this-many calls throw. */
    final AtomicInteger failNext = new AtomicInteger();

    volatile boolean started;
    private String name;
    private final FilterAttachableImpl<ILoggingEvent> filters = new FilterAttachableImpl<>();

    /** Joran instantiates it from logback.xml. */
    public SinkAppender() {}

    @Override
    public void doAppend(ILoggingEvent event) {
        int call = calls.incrementAndGet();
        CountDownLatch g = gate;
        if (g != null && call >= gateFromCall) {
            entered.countDown();
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at the gate", e);
            }
        }
        if (failing || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("sink down (test)");
        }
        received.add(event.getFormattedMessage());
    }

    List<String> messages() {
        return List.copyOf(received);
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public void setName(String name) {
        this.name = name;
    }

    @Override
    public void start() {
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isStarted() {
        return started;
    }

    @Override
    public void addFilter(Filter<ILoggingEvent> newFilter) {
        filters.addFilter(newFilter);
    }

    @Override
    public void clearAllFilters() {
        filters.clearAllFilters();
    }

    @Override
    public List<Filter<ILoggingEvent>> getCopyOfAttachedFiltersList() {
        return filters.getCopyOfAttachedFiltersList();
    }

    @Override
    public FilterReply getFilterChainDecision(ILoggingEvent event) {
        return filters.getFilterChainDecision(event);
    }
}
