package dev.mwsr.logback;

import static dev.mwsr.logback.Logs.props;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import dev.mwsr.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS) // a deadlock fails the test instead of hanging the build
class MwsrFileAppenderTest {
    private static final Pattern LINE =
            Pattern.compile("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^]]+\\] INFO  test - w0 (\\d+)( x{100})?");

    @TempDir
    Path dir;

    private LoggerContext ctx;
    private MwsrFileAppender appender;
    private Path mounted;

    @AfterEach
    void tearDown() throws Exception {
        if (ctx != null) {
            ctx.stop();
        }
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    private org.slf4j.Logger configure(String... kv) {
        ctx = Logs.configure("file.xml", props(kv));
        appender = (MwsrFileAppender) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("FILE");
        return ctx.getLogger("test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"block", "mmap", "appendClose"})
    void joranConfig_8PlatformThreads_everyEventInTheFileOnceInOrder_afterContextStop(String flusher) throws Exception {
        Path file = dir.resolve("app.log");
        org.slf4j.Logger log = configure("LOG", file.toString(), "FLUSHER", flusher);
        Logs.assertNoWarnings(ctx);
        assertTrue(appender.isStarted());
        Logs.logFrom(Thread.ofPlatform().factory(), 8, 20_000, log);
        ctx.stop();
        Logs.assertExactlyOnceInOrder(Logs.lines(file), 8, 20_000);
        Logs.assertNoWarnings(ctx);
        Metrics m = appender.metrics();
        assertEquals(new Metrics(160_000, 160_000, 0, 0, m.batches(), 0), m);
    }

    @Test
    void joranConfig_10000VirtualThreads_everyEventInTheFileOnceInOrder() throws Exception {
        Path file = dir.resolve("app.log");
        org.slf4j.Logger log = configure("LOG", file.toString(), "QUEUE", "256");
        Logs.logFrom(Thread.ofVirtual().factory(), 10_000, 10, log);
        ctx.stop();
        Logs.assertExactlyOnceInOrder(Logs.lines(file), 10_000, 10);
        Logs.assertNoWarnings(ctx);
        assertEquals("", Logs.liveThreads("mwsr-logback-"), "no thread outlives stop()");
    }

    /**
     * Logback's {@code <shutdownHook/>} in a child JVM that calls System.exit with events still
     * queued: both appenders deliver every accepted event before the JVM ends.
     */
    @Test
    void logbackShutdownHook_atSystemExit_deliversEverything() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        ShutdownHookMain.class.getName(),
                        dir.toString(),
                        "50000")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        Logs.assertExactlyOnceInOrder(Logs.lines(dir.resolve("mwsr-file.log")), 4, 50_000);
        Logs.assertExactlyOnceInOrder(Logs.lines(dir.resolve("async.log")), 4, 50_000);
    }

    @Test
    void append_defaultContinuesTheFile_falseTruncates() throws Exception {
        Path file = dir.resolve("app.log");
        Files.writeString(file, "before\n");
        configure("LOG", file.toString()).info("w0 0");
        ctx.stop();
        assertEquals(List.of("before"), Logs.lines(file).subList(0, 1));
        MwsrFileAppender a = new MwsrFileAppender();
        a.setContext(ctx);
        a.setName("TRUNC");
        a.setFile(file.toString());
        a.setAppend(false);
        a.setEncoder(appender.getEncoder());
        a.start();
        a.stop();
        assertEquals(0, Files.size(file));
    }

    @Test
    void encoderHeader_isTheFirstLine() throws Exception {
        Path file = dir.resolve("header.log");
        ctx = Logs.configure("file.xml", props("LOG", dir.resolve("unused.log").toString()));
        var encoder = new ch.qos.logback.classic.encoder.PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%msg%n");
        encoder.setOutputPatternAsHeader(true);
        encoder.start();
        MwsrFileAppender a = new MwsrFileAppender();
        a.setContext(ctx);
        a.setName("HEADER");
        a.setFile(file.toString());
        a.setEncoder(encoder);
        a.start();
        Logger logger = ctx.getLogger("header");
        logger.setAdditive(false);
        logger.addAppender(a);
        logger.info("one");
        a.stop();
        assertEquals(List.of("#logback.classic pattern: %msg%n", "one"), Logs.lines(file));
        assertEquals(2, a.metrics().written(), "the header counts as an item");
    }

    @Test
    void badConfiguration_isAnErrorStatus_andTheAppenderStaysStopped() throws Exception {
        configure("LOG", dir.resolve("a.log").toString(), "FLUSHER", "carrier-pigeon");
        assertFalse(appender.isStarted());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "flusher must be block, mmap or appendClose"));
        ctx.stop();
        Files.writeString(dir.resolve("not-a-dir"), "x");
        configure("LOG", dir.resolve("not-a-dir").resolve("a.log").toString());
        assertFalse(appender.isStarted());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "cannot open"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    /**
     * A real full disk: a 1 MiB tmpfs filled by another file. Logging goes on while the disk is
     * full (threads unharmed, failures reported with the file's name, events dropped only after
     * giveUpAfter, each counted) and resumes by itself once space is freed.
     */
    @Test
    void fullDisk_isReported_loggingThreadsUnharmed_lossesCounted_resumesWhenSpaceReturns() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "skipped: cannot mount a tmpfs here (needs root); the full-disk test did not run");
        mounted = mnt;
        Path file = mnt.resolve("app.log");
        Path filler = mnt.resolve("filler");
        org.slf4j.Logger log = configure("LOG", file.toString(), "QUEUE", "64", "GIVE_UP", "200 milliseconds");
        log.info("w0 0");
        appender.metrics(); // the first line may still be in flight; fill the rest of the disk
        try (OutputStream out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            for (; ; ) {
                out.write(block);
            }
        } catch (IOException expectedNoSpace) {
            // the disk is full
        }
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 1; i < 2_000; i++) {
                    log.info("w0 {} {}", i, "x".repeat(100));
                }
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        writer.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(writer.isAlive(), "logging threads are held up only for giveUpAfter per failing batch");
        assertEquals(null, thrown.get());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, file.toString()), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        Files.delete(filler);
        for (int i = 2_000; i < 2_100; i++) {
            log.info("w0 {} {}", i, "x".repeat(100));
        }
        ctx.stop();
        Metrics m = appender.metrics();
        Map<Integer, Integer> seen = new HashMap<>();
        int torn = 0;
        for (String line : Logs.lines(file)) {
            Matcher whole = LINE.matcher(line);
            if (!whole.matches()) {
                torn++;
                System.out.println("fullDisk: torn line [" + line + "]");
                continue;
            }
            seen.merge(Integer.parseInt(whole.group(1)), 1, Integer::sum);
        }
        // The first line written after the disk came back may be glued to the fragment a failed
        // batch left (today's FileFlusher limit, below); every later one must be there once.
        for (int i = 2_001; i < 2_100; i++) {
            assertEquals(1, seen.getOrDefault(i, 0), "after space returned, event " + i + " is there once");
        }
        long missing = 2_100 - seen.size();
        assertTrue(
                m.dropped() + torn >= missing,
                "every missing event is counted as dropped (or torn by a failed write): " + m + ", missing " + missing
                        + ", torn " + torn);
        assertTrue(m.dropped() > 0 && m.failures() > 0, m::toString);
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "works again"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        // Known limit of today's FileFlusher (see the class javadoc): a batch that failed half-way
        // leaves its first part in the file. Printed, not asserted, so the report can say how much.
        long dup = seen.values().stream().filter(c -> c > 1).count();
        System.out.println("fullDisk: dropped " + m.dropped() + ", missing " + missing + ", duplicated " + dup
                + ", torn lines " + torn + ", failures " + m.failures());
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor();
    }
}
