package dev.mwsr.log4j2;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;

/**
 * {@code <Sink>}: a real Log4j appender for the tests that keeps what it got (a copy of each event's
 * message, thread, end-of-batch flag, location and context value), in order, and can be told to
 * throw for chosen messages or to hold the drainer at a gate. Found through the test plugin cache.
 */
@Plugin(name = "Sink", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE)
public final class Sink extends AbstractAppender {
    /** What one append call received. */
    record Got(String message, String thread, boolean endOfBatch, StackTraceElement source, String key) {}

    private final List<Got> got = new ArrayList<>();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final boolean location;
    private volatile Predicate<String> failFor = m -> false;
    private volatile int failTimes;
    private volatile CountDownLatch gate;
    private volatile long sleepMillis;
    private volatile int gotWhenStopped = -1;

    private Sink(String name, boolean ignoreExceptions, boolean location) {
        super(name, null, null, ignoreExceptions, Property.EMPTY_ARRAY);
        this.location = location;
    }

    @PluginFactory
    public static Sink create(
            @PluginAttribute("name") String name,
            @PluginAttribute(value = "ignoreExceptions", defaultBoolean = true) boolean ignoreExceptions,
            @PluginAttribute("location") boolean location) {
        return new Sink(name, ignoreExceptions, location);
    }

    @Override
    public void append(LogEvent event) {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sleepMillis > 0) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String message = event.getMessage().getFormattedMessage();
        int attempt = attempts.merge(message, 1, Integer::sum);
        if (failFor.test(message) && attempt <= failTimes) {
            throw new IllegalStateException("planted failure " + attempt + " for " + message);
        }
        synchronized (got) {
            got.add(new Got(
                    message,
                    event.getThreadName(),
                    event.isEndOfBatch(),
                    location ? event.getSource() : null,
                    event.getContextData().getValue("key")));
        }
    }

    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        synchronized (got) {
            gotWhenStopped = got.size();
        }
        return super.stop(timeout, timeUnit);
    }

    @Override
    public boolean requiresLocation() {
        return location;
    }

    /** Throws for messages matching {@code which}, the first {@code times} attempts of each. */
    void failFor(Predicate<String> which, int times) {
        failTimes = times;
        failFor = which;
    }

    /** Holds every append until {@code gate} opens; null for none. */
    void gate(CountDownLatch gate) {
        this.gate = gate;
    }

    void sleepPerEvent(long millis) {
        sleepMillis = millis;
    }

    /** A copy of what it got so far. */
    List<Got> got() {
        synchronized (got) {
            return List.copyOf(got);
        }
    }

    List<String> messages() {
        return got().stream().map(Got::message).toList();
    }

    int attempts(String message) {
        return attempts.getOrDefault(message, 0);
    }

    /** How many events it had when it was stopped; -1 while running. */
    int gotWhenStopped() {
        return gotWhenStopped;
    }
}
