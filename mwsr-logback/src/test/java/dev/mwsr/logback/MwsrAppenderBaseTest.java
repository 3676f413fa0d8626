package dev.mwsr.logback;

import static dev.mwsr.logback.Logs.props;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import dev.mwsr.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The properties MwsrAppenderBase declares, set by Joran from a real logback.xml
 * ({@code inherited.xml}) on each appender: Joran finds the setters through the inherited class,
 * and each value takes effect (seen in behaviour: counts, waits, status messages), not just in a
 * getter.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MwsrAppenderBaseTest {
    @TempDir
    Path dir;

    private LoggerContext ctx;
    private SinkAppender sink;
    private Path mounted;

    @AfterEach
    void tearDown() throws Exception {
        if (sink != null && sink.gate != null) {
            sink.gate.countDown();
        }
        if (ctx != null) {
            ctx.stop();
        }
        if (mounted != null) {
            MwsrFileAppenderTest.run("umount", mounted.toString());
        }
    }

    private <A> A appender(String logger, String name, Class<A> type) {
        return type.cast(ctx.getLogger(logger).getAppender(name));
    }

    private static void await(String what, MwsrAppenderBase a, Predicate<Metrics> done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.test(a.metrics())) {
            assertTrue(System.nanoTime() < deadline, () -> "never " + what + ": " + a.metrics());
            Thread.sleep(2);
        }
    }

    /**
     * With the sink stuck: logs {@code queueSize} events from {@code first} on (queued: the queue
     * is then full), then 5 more, each of which waits appendTimeout (20 ms) before the overflow
     * policy drops the oldest queued event.
     */
    private static void overfill(org.slf4j.Logger log, String prefix, int first, int queueSize) {
        for (int i = first; i < first + queueSize; i++) {
            log.info("{}{}", prefix, i);
        }
        long start = System.nanoTime();
        for (int i = first + queueSize; i < first + queueSize + 5; i++) {
            log.info("{}{}", prefix, i);
        }
        long waited = System.nanoTime() - start;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(5 * 20), "appendTimeout: each of 5 waits 20 ms");
    }

    @Test
    void joranConfig_setsEveryInheritedProperty_onBothAppenders_withoutAWarning() {
        ctx = Logs.configure(
                "inherited.xml", props("LOG", dir.resolve("app.log").toString()));
        Logs.assertNoWarnings(ctx); // an unknown property is a Joran warning, and the default stays
        MwsrAsyncAppender async = appender("async", "ASYNC", MwsrAsyncAppender.class);
        MwsrFileAppender file = appender("file", "FILE", MwsrFileAppender.class);
        assertTrue(async.isStarted() && file.isStarted());
        List<Object> asyncValues = List.of(
                async.getQueueSize(),
                async.getMaxBatch(),
                async.getOverflow(),
                async.getAppendTimeout(),
                async.getMaxFlushTime(),
                async.getGiveUpAfter());
        assertEquals(List.of(4, 1, "drop_oldest", Duration.ofMillis(20), 300, Duration.ofMillis(150)), asyncValues);
        List<Object> fileValues = List.of(
                file.getQueueSize(),
                file.getMaxBatch(),
                file.getOverflow(),
                file.getAppendTimeout(),
                file.getMaxFlushTime(),
                file.getGiveUpAfter());
        assertEquals(List.of(8, 1, "DROP_OLDEST", Duration.ofMillis(20), 400, Duration.ofSeconds(60)), fileValues);
    }

    /**
     * MwsrAsyncAppender: queueSize 4 (one event in the stuck sink, four queued), DROP_OLDEST (the
     * newest kept), appendTimeout 20 ms (each later event waits that long first), maxBatch 1 (one
     * event per batch), giveUpAfter 150 ms (a failing event is given up on well before the 10 s
     * default), maxFlushTime 300 ms (stop() gives up on a stuck sink after that, and says so).
     */
    @Test
    void asyncAppender_inheritedPropertiesFromJoran_takeEffect() throws Exception {
        ctx = Logs.configure(
                "inherited.xml", props("LOG", dir.resolve("app.log").toString()));
        MwsrAsyncAppender async = appender("async", "ASYNC", MwsrAsyncAppender.class);
        sink = (SinkAppender) async.getAppender("SINK");
        org.slf4j.Logger log = ctx.getLogger("async");
        sink.gate = new CountDownLatch(1);
        log.info("e0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        overfill(log, "e", 1, 4);
        sink.gate.countDown();
        await("delivered the queue", async, m -> m.written() == 5);
        assertEquals(List.of("e0", "e6", "e7", "e8", "e9"), sink.messages(), "queueSize 4, DROP_OLDEST");
        Metrics m = async.metrics();
        assertEquals(5, m.dropped(), m::toString);
        assertEquals(m.written(), m.batches(), () -> "maxBatch 1: one event per batch: " + m);

        sink.failing = true;
        log.info("lost");
        await("gave up on the failing event", async, n -> n.dropped() == 6);
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "retrying for PT0.15S"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        sink.failing = false;

        sink.entered = new CountDownLatch(1);
        sink.gateFromCall = sink.calls.get() + 1;
        sink.gate = new CountDownLatch(1);
        log.info("stuck");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        log.info("behind");
        long stopStart = System.nanoTime();
        async.stop();
        assertTrue(System.nanoTime() - stopStart < TimeUnit.SECONDS.toNanos(5), "maxFlushTime, not the 10 s default");
        assertTrue(
                Logs.hasStatus(ctx, Status.WARN, "maxFlushTime (300 ms) ran out"),
                () -> Logs.statuses(ctx, Status.WARN).toString());
    }

    /**
     * MwsrFileAppender on a real full disk (a 1 MiB tmpfs; skipped where it cannot be mounted):
     * queueSize 8 (one batch failing and retried, eight queued), DROP_OLDEST, appendTimeout 20 ms,
     * maxBatch 1, giveUpAfter 60 s (the failing batch is retried, not given up, and the status says
     * for how long), maxFlushTime 400 ms (stop() on a disk full again gives up after that).
     */
    @Test
    void fileAppender_inheritedPropertiesFromJoran_takeEffect_onAFullDisk() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(
                MwsrFileAppenderTest.run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "skipped: cannot mount a tmpfs here (needs root); the file appender's inherited properties"
                        + " were only checked through getters");
        mounted = mnt;
        Path file = mnt.resolve("app.log");
        Path filler = mnt.resolve("filler");
        ctx = Logs.configure("inherited.xml", props("LOG", file.toString()));
        MwsrFileAppender fa = appender("file", "FILE", MwsrFileAppender.class);
        org.slf4j.Logger log = ctx.getLogger("file");
        MwsrFileAppenderTest.fill(filler); // the empty log file has no page: its first write fails
        log.info("w1");
        await("failed a write", fa, m -> m.failures() > 0); // the drainer now retries [w1]
        overfill(log, "w", 2, 8);
        Metrics full = fa.metrics();
        assertEquals(5, full.dropped(), full::toString);
        assertEquals(9, full.pending(), () -> "one batch of 1 in the flusher, 8 queued: " + full);
        assertTrue(
                Logs.hasStatus(ctx, Status.ERROR, "retrying each batch for PT1M"),
                () -> Logs.statuses(ctx, Status.WARN).toString());
        Files.delete(filler);
        await("wrote the queue", fa, m -> m.written() == 9);
        Metrics m = fa.metrics();
        assertEquals(m.written(), m.batches(), () -> "maxBatch 1: one event per write: " + m);
        assertEquals(List.of("w1", "w7", "w8", "w9", "w10", "w11", "w12", "w13", "w14"), Logs.lines(file));

        MwsrFileAppenderTest.fill(filler);
        long failures = m.failures();
        log.info("w15 {}", "x".repeat(10_000)); // more than the last page of the file has left
        await("failed again", fa, n -> n.failures() > failures);
        long stopStart = System.nanoTime();
        ctx.stop();
        assertTrue(System.nanoTime() - stopStart < TimeUnit.SECONDS.toNanos(5), "maxFlushTime, not the 10 s default");
        assertTrue(
                Logs.hasStatus(ctx, Status.WARN, "maxFlushTime (400 ms) ran out"),
                () -> Logs.statuses(ctx, Status.WARN).toString());
        assertEquals(9, Logs.lines(file).size(), "w15 was not written");
    }
}
