package dev.mwsr.logback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/** Test helpers: a LoggerContext from a logback.xml resource, statuses, and the line checks. */
final class Logs {
    private Logs() {}

    /** A fresh context configured from a test resource, with the given substitution properties. */
    static LoggerContext configure(String resource, Map<String, String> properties) {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new LogbackMDCAdapter()); // without it every append fails (to the status manager only)
        return configure(ctx, resource, properties);
    }

    /** {@code ctx} configured from a test resource, with the given substitution properties. */
    static LoggerContext configure(LoggerContext ctx, String resource, Map<String, String> properties) {
        ctx.setName(resource);
        properties.forEach(ctx::putProperty);
        JoranConfigurator jc = new JoranConfigurator();
        jc.setContext(ctx);
        URL url = Logs.class.getResource("/" + resource);
        try {
            jc.doConfigure(url);
        } catch (JoranException e) {
            throw new AssertionError(e);
        }
        return ctx;
    }

    /** Statuses at or above a level (Status.WARN, Status.ERROR), as "LEVEL message" strings. */
    static List<String> statuses(LoggerContext ctx, int atLeast) {
        List<String> out = new ArrayList<>();
        for (Status s : ctx.getStatusManager().getCopyOfStatusList()) {
            if (s.getEffectiveLevel() >= atLeast) {
                out.add((s.getLevel() == Status.ERROR ? "ERROR " : s.getLevel() == Status.WARN ? "WARN " : "INFO ")
                        + s.getMessage()
                        + (s.getThrowable() != null ? " / " + s.getThrowable() : ""));
            }
        }
        return out;
    }

    static void assertNoWarnings(LoggerContext ctx) {
        List<String> bad = statuses(ctx, Status.WARN);
        assertTrue(bad.isEmpty(), () -> "unexpected statuses: " + bad);
    }

    static boolean hasStatus(LoggerContext ctx, int level, String fragment) {
        return statuses(ctx, level).stream().anyMatch(s -> s.contains(fragment));
    }

    /** Logs {@code perWriter} messages "w{i} {seq}" from each of {@code writers} threads and waits for them. */
    static void logFrom(ThreadFactory threads, int writers, int perWriter, Logger log) throws InterruptedException {
        try (var pool = Executors.newThreadPerTaskExecutor(threads)) {
            for (int w = 0; w < writers; w++) {
                int id = w;
                pool.execute(() -> {
                    for (int s = 0; s < perWriter; s++) {
                        log.info("w{} {}", id, s);
                    }
                });
            }
        } // close() waits for every task
    }

    /**
     * Logs "w{i} {seq}" from {@code writers} platform threads while the appender is stopped under
     * them (once it has delivered 1,000 events), each thread going on for 100 events after it sees
     * the appender stopped.
     *
     * @return how many events were logged
     */
    static long logRacingStop(Logger log, MwsrAppenderBase appender, int writers) throws InterruptedException {
        var logged = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int id = w;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int s = 0, after = 0; after < 100; s++) {
                    boolean stopped = !appender.isStarted();
                    log.info("w{} {}", id, s);
                    logged.increment();
                    after += stopped ? 1 : 0;
                }
            }));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (appender.metrics().written() < 1_000 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        appender.stop();
        for (Thread t : threads) {
            t.join();
        }
        return logged.sum();
    }

    /**
     * Checks that the lines (pattern "... - w{i} {seq}") hold every message of every writer exactly
     * once, each writer's in the order written.
     */
    static void assertExactlyOnceInOrder(List<String> lines, int writers, int perWriter) {
        int[] next = new int[writers];
        for (String line : lines) {
            int dash = line.lastIndexOf(" - w");
            if (dash < 0) {
                fail("not a test line: [" + line + "]");
            }
            String[] parts = line.substring(dash + 4).split(" ");
            int w = Integer.parseInt(parts[0]);
            int s = Integer.parseInt(parts[1]);
            if (s != next[w]) {
                fail("writer " + w + ": expected message " + next[w] + " next, found " + s
                        + (s < next[w] ? " (duplicate or out of order)" : " (missing messages)"));
            }
            next[w]++;
        }
        for (int w = 0; w < writers; w++) {
            assertEquals(perWriter, next[w], "writer " + w + " messages in the file");
        }
    }

    static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8);
    }

    static Map<String, String> props(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Names of live threads that start with the prefix. */
    static String liveThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .map(Thread::getName)
                .collect(Collectors.joining(", "));
    }
}
