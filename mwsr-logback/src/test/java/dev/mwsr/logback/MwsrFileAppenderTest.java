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
    void writesAfterStop_areCountedAndReported_notWritten() throws Exception {
        Path file = dir.resolve("app.log");
        org.slf4j.Logger log = configure("LOG", file.toString());
        log.info("w0 0");
        appender.stop();
        log.info("w0 1");
        assertEquals(1, Logs.lines(file).size());
        assertEquals(1, appender.metrics().dropped(), () -> "the late event is counted: " + appender.metrics());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "refused an event"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    /** Logging threads racing stop(): every event is in the file once or counted as dropped. */
    @Test
    void loggingRacingStop_everyEventWrittenOrCountedAsDropped() throws Exception {
        Path file = dir.resolve("app.log");
        org.slf4j.Logger log = configure("LOG", file.toString());
        long logged = Logs.logRacingStop(log, appender, 4);
        Metrics m = appender.metrics();
        assertEquals(m.written(), Logs.lines(file).size(), m::toString);
        assertEquals(logged, m.written() + m.dropped(), m::toString);
        assertTrue(m.dropped() >= 4 * 100, m::toString);
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

    /** Mounts a 1 MiB tmpfs under the test directory (unmounted in tearDown), or skips the test. */
    private Path smallDisk() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "skipped: cannot mount a tmpfs here (needs root); the full-disk test did not run");
        mounted = mnt;
        return mnt;
    }

    /** Fills the disk holding {@code filler} until a write fails. */
    static void fill(Path filler) {
        try (OutputStream out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            for (; ; ) {
                out.write(block);
            }
        } catch (IOException expectedNoSpace) {
            // the disk is full
        }
    }

    /**
     * Reads the test lines "w0 {n} x..." of {@code file}: how often each n is there. Every line must
     * be whole (the flushers cut a failed batch back, so no line is torn).
     */
    private static Map<Integer, Integer> eventsIn(Path file) throws IOException {
        Map<Integer, Integer> seen = new HashMap<>();
        for (String line : Logs.lines(file)) {
            Matcher whole = LINE.matcher(line);
            assertTrue(whole.matches(), () -> "torn or foreign line in the file: [" + line + "]");
            seen.merge(Integer.parseInt(whole.group(1)), 1, Integer::sum);
        }
        return seen;
    }

    /**
     * A real full disk: a 1 MiB tmpfs filled by another file. Logging goes on while the disk is
     * full (threads unharmed, failures reported with the file's name; under BLOCK the writers are
     * released each time a batch is given up after giveUpAfter), and resumes by itself once space
     * is freed. Exact: every event logged is in the file exactly once, whole, or counted as
     * dropped.
     */
    @Test
    void fullDisk_everyEventInTheFileOnceOrCountedAsDropped_reported_resumesWhenSpaceReturns() throws Exception {
        Path mnt = smallDisk();
        Path file = mnt.resolve("app.log");
        Path filler = mnt.resolve("filler");
        org.slf4j.Logger log = configure("LOG", file.toString(), "QUEUE", "64", "GIVE_UP", "200 milliseconds");
        log.info("w0 0");
        fill(filler);
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
        assertFalse(writer.isAlive(), "BLOCK writers behind a dead disk are released as batches are given up");
        assertEquals(null, thrown.get());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, file.toString()), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        Files.delete(filler);
        for (int i = 2_000; i < 2_100; i++) {
            log.info("w0 {} {}", i, "x".repeat(100));
        }
        ctx.stop();
        Metrics m = appender.metrics();
        Map<Integer, Integer> seen = eventsIn(file);
        seen.forEach((n, count) -> assertEquals(1, count, () -> "event " + n + " is in the file " + count + " times"));
        for (int i = 2_000; i < 2_100; i++) {
            assertTrue(seen.containsKey(i), "after space returned, event " + i + " is there");
        }
        long missing = 2_100 - seen.size();
        assertTrue(missing > 0 && m.failures() > 0, () -> "the disk was full for a while: " + m);
        assertEquals(missing, m.dropped(), () -> "every missing event, and only those, counted as dropped: " + m);
        assertEquals(new Metrics(2_100, seen.size(), missing, 0, m.batches(), m.failures()), m);
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "still fails"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "works again"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        System.out.println("fullDisk: dropped " + m.dropped() + " of 2100, failures " + m.failures());
    }

    /**
     * stop() on a disk that stays full, with a giveUpAfter longer than maxFlushTime: stop() returns
     * after about maxFlushTime (never blocks forever), reports what it could not write with the
     * count, leaves no thread behind, and every event is in the file once or not delivered
     * (pending) or dropped: none is unaccounted for.
     */
    @Test
    void stop_onADiskThatStaysFull_isBoundedByMaxFlushTime_reportsTheRest_noThreadOutlivesIt() throws Exception {
        Path mnt = smallDisk();
        Path file = mnt.resolve("app.log");
        org.slf4j.Logger log =
                configure("LOG", file.toString(), "QUEUE", "4096", "GIVE_UP", "60 seconds", "MAX_FLUSH", "300");
        log.info("w0 0");
        fill(mnt.resolve("filler"));
        for (int i = 1; i < 500; i++) {
            log.info("w0 {} {}", i, "x".repeat(100));
        }
        long start = System.nanoTime();
        ctx.stop();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "stop() is bounded by maxFlushTime");
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "maxFlushTime"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        assertEquals("", Logs.liveThreads("mwsr-logback-FILE"), "no thread outlives stop()");
        Metrics m = appender.metrics();
        Map<Integer, Integer> seen = eventsIn(file);
        seen.forEach((n, count) -> assertEquals(1, count, () -> "event " + n + " is in the file " + count + " times"));
        assertTrue(m.pending() > 0, m::toString);
        assertEquals(500, seen.size() + m.pending() + m.dropped(), () -> "every event accounted for: " + m);
    }

    /**
     * appendTimeout with BLOCK on a dead disk, and a giveUpAfter longer than the test: logging
     * threads are not held up (each waits at most appendTimeout, then that event is dropped and
     * counted); nothing accepted is lost, because the stuck batch is retried until space returns.
     */
    @Test
    void appendTimeout_onADeadDisk_writersMoveOn_droppedCounted_acceptedEventsWrittenOnce() throws Exception {
        Path mnt = smallDisk();
        Path file = mnt.resolve("app.log");
        Path filler = mnt.resolve("filler");
        ctx = Logs.configure(
                "file-timeout.xml",
                props(
                        "LOG",
                        file.toString(),
                        "QUEUE",
                        "16",
                        "GIVE_UP",
                        "60 seconds",
                        "APPEND_TIMEOUT",
                        "5 milliseconds"));
        appender = (MwsrFileAppender) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("FILE");
        org.slf4j.Logger log = ctx.getLogger("test");
        assertEquals(java.time.Duration.ofMillis(5), appender.getAppendTimeout());
        log.info("w0 0");
        fill(filler);
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 1; i < 300; i++) {
                log.info("w0 {} {}", i, "x".repeat(100));
            }
        });
        writer.join(TimeUnit.SECONDS.toMillis(15));
        assertFalse(writer.isAlive(), "appendTimeout bounds each wait although giveUpAfter is 60 s");
        Files.delete(filler);
        ctx.stop();
        Metrics m = appender.metrics();
        Map<Integer, Integer> seen = eventsIn(file);
        seen.forEach((n, count) -> assertEquals(1, count, () -> "event " + n + " is in the file " + count + " times"));
        assertTrue(m.dropped() > 0, m::toString);
        assertEquals(300, seen.size() + m.dropped(), () -> "each event in the file or counted as dropped: " + m);
        assertEquals(seen.size(), m.enqueued(), () -> "every accepted event was written: " + m);
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "appendTimeout"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor();
    }
}
