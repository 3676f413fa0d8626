package dev.mwsr.log4j2;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.status.StatusData;
import org.apache.logging.log4j.status.StatusListener;
import org.apache.logging.log4j.status.StatusLogger;

/**
 * A real Log4j configuration for one test: a {@code log4j2.xml} template from the test resources with
 * its {@code @KEY@} tokens replaced, started with {@link Configurator#initialize} and stopped with
 * {@link Configurator#shutdown}; the status messages of WARN and above logged meanwhile are kept.
 */
final class Logs implements AutoCloseable {
    private static final AtomicInteger COUNT = new AtomicInteger();

    final LoggerContext ctx;
    private final List<String> statuses = new ArrayList<>();
    private boolean closed;
    private final StatusListener listener = new StatusListener() {
        @Override
        public void log(StatusData data) {
            synchronized (statuses) {
                statuses.add(data.getLevel() + " " + data.getMessage().getFormattedMessage()
                        + (data.getThrowable() == null ? "" : " " + data.getThrowable()));
            }
        }

        @Override
        public Level getStatusLevel() {
            return Level.WARN;
        }

        @Override
        public void close() {}
    };

    private Logs(Path config) {
        StatusLogger.getLogger().registerListener(listener);
        ctx = Configurator.initialize("mwsr-test-" + COUNT.incrementAndGet(), null, config.toUri());
    }

    /** Starts {@code resource} with each {@code KEY, value} pair of {@code tokens} substituted. */
    static Logs start(Path dir, String resource, String... tokens) throws IOException {
        String xml;
        try (InputStream in = Logs.class.getResourceAsStream("/" + resource)) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (int i = 0; i < tokens.length; i += 2) {
            xml = xml.replace("@" + tokens[i] + "@", tokens[i + 1]);
        }
        Path config = dir.resolve("log4j2-" + COUNT.get() + "-" + resource);
        Files.writeString(config, xml);
        return new Logs(config);
    }

    org.apache.logging.log4j.Logger logger() {
        return ctx.getLogger("test");
    }

    @SuppressWarnings("unchecked")
    <A> A appender(String name) {
        return (A) ctx.getConfiguration().getAppender(name);
    }

    /** Stops the configuration (Configurator.shutdown); idempotent. */
    void stop() {
        if (!closed) {
            closed = true;
            Configurator.shutdown(ctx);
        }
    }

    @Override
    public void close() {
        stop();
        StatusLogger.getLogger().removeListener(listener);
    }

    /** The status messages (WARN and above) so far. */
    List<String> statuses() {
        synchronized (statuses) {
            return List.copyOf(statuses);
        }
    }

    boolean hasStatus(String level, String part) {
        return statuses().stream().anyMatch(s -> s.startsWith(level) && s.contains(part));
    }

    /** Threads whose name starts with {@code prefix} that are alive, for "no thread outlives stop". */
    static String liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName)
                .toList()
                .toString()
                .replace("[]", "");
    }
}
