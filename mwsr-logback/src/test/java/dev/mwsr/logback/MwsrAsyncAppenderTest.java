package dev.mwsr.logback;

import static dev.mwsr.logback.Logs.props;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.core.status.Status;
import dev.mwsr.Metrics;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS) // a deadlock fails the test instead of hanging the build
class MwsrAsyncAppenderTest {
    @TempDir
    Path dir;

    private LoggerContext ctx;
    private SinkAppender sink;

    @AfterEach
    void tearDown() {
        if (sink != null && sink.gate != null) {
            sink.gate.countDown();
        }
        if (ctx != null) {
            ctx.stop();
        }
    }

    private MwsrAsyncAppender appender;

    /** The configured appender (kept: LoggerContext.stop() detaches it from the root logger). */
    private MwsrAsyncAppender async() {
        if (appender == null) {
            appender =
                    (MwsrAsyncAppender) ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("ASYNC");
        }
        return appender;
    }

    private org.slf4j.Logger configureSink(String... kv) {
        ctx = Logs.configure("async-sink.xml", props(kv));
        sink = (SinkAppender) async().getAppender("SINK");
        return ctx.getLogger("test");
    }

    @Test
    void joranConfig_8PlatformThreads_everyEventInTheFileOnceInOrder_afterContextStop() throws Exception {
        Path file = dir.resolve("app.log");
        ctx = Logs.configure("async-file.xml", props("LOG", file.toString()));
        Logs.assertNoWarnings(ctx);
        Logs.logFrom(Thread.ofPlatform().factory(), 8, 20_000, ctx.getLogger("test"));
        ctx.stop();
        Logs.assertExactlyOnceInOrder(Logs.lines(file), 8, 20_000);
        Logs.assertNoWarnings(ctx);
    }

    /** Also with a queue of 16, so that most virtual threads wait for room (BLOCK) at once. */
    @ParameterizedTest
    @ValueSource(strings = {"1024", "16"})
    void joranConfig_10000VirtualThreads_everyEventInTheFileOnceInOrder(String queueSize) throws Exception {
        Path file = dir.resolve("app.log");
        ctx = Logs.configure("async-file.xml", props("LOG", file.toString(), "QUEUE", queueSize));
        Logs.logFrom(Thread.ofVirtual().factory(), 10_000, 10, ctx.getLogger("test"));
        ctx.stop();
        Logs.assertExactlyOnceInOrder(Logs.lines(file), 10_000, 10);
        Logs.assertNoWarnings(ctx);
    }

    @Test
    void stop_noThreadOutlivesIt_andTheWrappedAppenderIsStopped() throws Exception {
        org.slf4j.Logger log = configureSink();
        log.info("w0 0");
        assertFalse(Logs.liveThreads("mwsr-logback-").isEmpty(), "the drainer runs while started");
        ctx.stop();
        assertEquals("", Logs.liveThreads("mwsr-logback-"));
        assertFalse(sink.isStarted(), "stop() stops the wrapped appenders, as Logback's AsyncAppender does");
        assertEquals(List.of("w0 0"), sink.messages());
    }

    @Test
    void overflowBlock_loggingThreadWaitsForRoom_andLosesNothing() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "4");
        sink.gate = new CountDownLatch(1);
        Thread writer = Thread.ofVirtual().start(() -> IntStream.range(0, 20).forEach(i -> log.info("w0 {}", i)));
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        // one event in the stuck sink, 4 queued: the writer must be waiting for room, not dropping
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (writer.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(Thread.State.WAITING, writer.getState(), "the writer waits for room under BLOCK");
        assertTrue(writer.isAlive());
        sink.gate.countDown();
        writer.join();
        ctx.stop();
        assertEquals(IntStream.range(0, 20).mapToObj(i -> "w0 " + i).toList(), sink.messages());
        assertEquals(0, async().metrics().dropped());
    }

    /** metrics() carries the buffer's lag: with the sink stuck it is at least how long it has been stuck. */
    @Test
    void metrics_tellTheLag_whileTheSinkIsStuck() throws Exception {
        org.slf4j.Logger log = configureSink();
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        Thread.sleep(50);
        long lag = async().metrics().lagNanos();
        assertTrue(lag >= TimeUnit.MILLISECONDS.toNanos(50), () -> "lag " + lag + " ns, the sink stuck for 50 ms");
        sink.gate.countDown();
    }

    @Test
    void overflowDropNewest_countsEveryDrop_andReportsIt() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "4", "OVERFLOW", "drop_newest");
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 1; i < 100; i++) {
            log.info("w0 {}", i); // never waits
        }
        sink.gate.countDown();
        ctx.stop();
        Metrics m = async().metrics();
        int received = sink.messages().size();
        assertEquals(100, received + m.dropped(), "each event delivered or counted as dropped: " + m);
        assertEquals(100 - 5, m.dropped(), "one in the sink, four queued, the rest dropped");
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "dropped 95 events"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    @Test
    void overflowDropOldest_keepsTheNewest_countsTheDropped() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "4", "OVERFLOW", "DROP_OLDEST");
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 1; i < 50; i++) {
            log.info("w0 {}", i);
        }
        sink.gate.countDown();
        ctx.stop();
        assertEquals(List.of("w0 0", "w0 46", "w0 47", "w0 48", "w0 49"), sink.messages());
        assertEquals(45, async().metrics().dropped());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "dropped 45 events"));
    }

    private org.slf4j.Logger configureTimeout(String... kv) {
        ctx = Logs.configure("async-timeout.xml", props(kv));
        sink = (SinkAppender) async().getAppender("SINK");
        return ctx.getLogger("test");
    }

    /** Waits until {@code t} is parked (a timed wait counts), failing after 5 s. */
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the writer never waited: " + t.getState());
            Thread.sleep(5);
        }
    }

    /**
     * BLOCK with appendTimeout: a logging thread facing a full queue behind a stuck sink waits at
     * most appendTimeout per event, then the event is discarded, counted as dropped and reported.
     */
    @Test
    void appendTimeoutWithBlock_boundsTheWait_thenTheEventIsDroppedCountedAndReported() throws Exception {
        org.slf4j.Logger log = configureTimeout("QUEUE", "4", "APPEND_TIMEOUT", "20 milliseconds");
        assertEquals(java.time.Duration.ofMillis(20), async().getAppendTimeout());
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        Thread writer = Thread.ofVirtual().start(() -> IntStream.range(1, 15).forEach(i -> log.info("w0 {}", i)));
        writer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(writer.isAlive(), "with appendTimeout a BLOCK writer is not held up by a stuck sink");
        sink.gate.countDown();
        ctx.stop();
        Metrics m = async().metrics();
        assertEquals(List.of("w0 0", "w0 1", "w0 2", "w0 3", "w0 4"), sink.messages());
        assertEquals(10, m.dropped(), m::toString);
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "appendTimeout"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    /**
     * A drop policy with appendTimeout waits that long for room before it drops: room that comes
     * within the wait saves the event (without appendTimeout DROP_NEWEST drops at once, see
     * {@link #overflowDropNewest_countsEveryDrop_andReportsIt}).
     */
    @Test
    void appendTimeoutWithDropNewest_waitsForRoomBeforeDropping() throws Exception {
        org.slf4j.Logger log =
                configureTimeout("QUEUE", "4", "OVERFLOW", "DROP_NEWEST", "APPEND_TIMEOUT", "20 seconds");
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 1; i < 5; i++) {
            log.info("w0 {}", i); // four queued: the queue is full
        }
        Thread writer = Thread.ofVirtual().start(() -> log.info("w0 5"));
        awaitParked(writer);
        assertTrue(writer.isAlive(), "the writer waits for room instead of dropping");
        sink.gate.countDown();
        writer.join();
        ctx.stop();
        assertEquals(IntStream.range(0, 6).mapToObj(i -> "w0 " + i).toList(), sink.messages());
        assertEquals(0, async().metrics().dropped());
    }

    /** appendTimeout runs out under DROP_OLDEST: the policy applies, the newest events are kept. */
    @Test
    void appendTimeoutWithDropOldest_afterTheWaitTheOldestIsDropped() throws Exception {
        org.slf4j.Logger log =
                configureTimeout("QUEUE", "4", "OVERFLOW", "DROP_OLDEST", "APPEND_TIMEOUT", "10 milliseconds");
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 1; i < 10; i++) {
            log.info("w0 {}", i);
        }
        sink.gate.countDown();
        ctx.stop();
        assertEquals(List.of("w0 0", "w0 6", "w0 7", "w0 8", "w0 9"), sink.messages());
        assertEquals(5, async().metrics().dropped());
    }

    @Test
    void neverBlockWithAnOverflowThatDisagrees_overflowWins_withAWarning() {
        ctx = Logs.configure("async-logback-compat.xml", props("QUEUE", "4", "NEVER_BLOCK", "true", "THRESHOLD", "0"));
        MwsrAsyncAppender a = new MwsrAsyncAppender();
        a.setContext(ctx);
        a.setName("BOTH");
        a.setNeverBlock(true);
        a.setOverflow("block");
        a.addAppender(new SinkAppender());
        a.start();
        assertTrue(a.isStarted());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "neverBlock=true disagrees with overflow=BLOCK; overflow wins"));
        a.stop();
    }

    @Test
    void neverBlockTrue_mapsToDropNewest_countedAndReported() throws Exception {
        ctx = Logs.configure("async-logback-compat.xml", props("QUEUE", "4", "NEVER_BLOCK", "true", "THRESHOLD", "0"));
        sink = (SinkAppender) async().getAppender("SINK");
        org.slf4j.Logger log = ctx.getLogger("test");
        sink.gate = new CountDownLatch(1);
        log.info("w0 0");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 1; i < 50; i++) {
            log.info("w0 {}", i);
        }
        sink.gate.countDown();
        ctx.stop();
        assertEquals(50 - 5, async().metrics().dropped());
        assertEquals(List.of("w0 0", "w0 1", "w0 2", "w0 3", "w0 4"), sink.messages(), "the newest were dropped");
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "dropped 45 events"));
    }

    @Test
    void discardingThreshold_discardsInfoAndBelowWhenNearlyFull_keepsWarn_countsAndReports() throws Exception {
        ctx = Logs.configure(
                "async-logback-compat.xml", props("QUEUE", "10", "NEVER_BLOCK", "false", "THRESHOLD", "5"));
        sink = (SinkAppender) async().getAppender("SINK");
        org.slf4j.Logger log = ctx.getLogger("test");
        sink.gate = new CountDownLatch(1);
        log.warn("first");
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            log.debug("debug {}", i);
        }
        for (int i = 0; i < 5; i++) {
            log.warn("warn {}", i); // WARN is kept: 5 debug + first + these fit in 10 + 1 in flight
        }
        sink.gate.countDown();
        ctx.stop();
        List<String> got = sink.messages();
        assertTrue(got.containsAll(List.of("warn 0", "warn 1", "warn 2", "warn 3", "warn 4")), got::toString);
        long debugs = got.stream().filter(s -> s.startsWith("debug")).count();
        assertEquals(10, debugs + async().metrics().dropped(), "each debug event delivered or counted: " + got);
        assertTrue(async().metrics().dropped() > 0, "discarding happened: " + got);
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "dropped"));
    }

    @Test
    void wrappedAppenderThrowingBriefly_isRetried_eventDeliveredOnce_reported() throws Exception {
        org.slf4j.Logger log = configureSink();
        sink.failNext.set(3);
        log.info("w0 0");
        log.info("w0 1");
        ctx.stop();
        assertEquals(List.of("w0 0", "w0 1"), sink.messages());
        assertEquals(0, async().metrics().dropped());
        assertEquals(3, async().metrics().failures());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "failed; retrying"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    @Test
    void wrappedAppenderThrowing_loggingThreadsUnharmed_dropsCountedAfterGiveUp_resumesWhenItWorks() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "16", "GIVE_UP", "100 milliseconds");
        sink.failing = true;
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < 200; i++) {
                    log.info("w0 {}", i);
                }
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        writer.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(writer.isAlive(), "BLOCK writers are held up at most giveUpAfter per failing event");
        assertEquals(null, thrown.get());
        sink.failing = false;
        for (int i = 200; i < 210; i++) {
            log.info("w0 {}", i);
        }
        ctx.stop();
        Metrics m = async().metrics();
        List<String> got = sink.messages();
        assertEquals(210, got.size() + m.dropped(), "delivered or counted: " + m);
        assertTrue(
                got.containsAll(
                        IntStream.range(200, 210).mapToObj(i -> "w0 " + i).toList()),
                "resumed: " + got);
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "failed; retrying"));
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "still fails"));
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "works again"));
    }

    /** Once the sink works again, the next failure is retried as at first, and the recovery reported once. */
    @Test
    void afterAnOutageEnds_aBriefFailureIsRetriedAgain_theRecoveryReportedOnce() throws Exception {
        org.slf4j.Logger log = configureSink("GIVE_UP", "100 milliseconds");
        sink.failing = true;
        log.info("w0 0");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (async().metrics().dropped() == 0) {
            assertTrue(System.nanoTime() < deadline, "w0 0 was never given up");
            Thread.sleep(2);
        }
        sink.failing = false;
        log.info("w0 1");
        while (sink.messages().isEmpty()) { // the outage has ended
            assertTrue(System.nanoTime() < deadline, "w0 1 never arrived");
            Thread.sleep(2);
        }
        sink.failNext.set(3);
        log.info("w0 2");
        log.info("w0 3");
        ctx.stop();
        assertEquals(List.of("w0 1", "w0 2", "w0 3"), sink.messages());
        assertEquals(1, async().metrics().dropped(), () -> async().metrics().toString());
        List<String> recoveries = Logs.statuses(ctx, Status.WARN).stream()
                .filter(st -> st.contains(" works again; "))
                .toList();
        assertEquals(1, recoveries.size(), recoveries::toString);
    }

    @Test
    void stop_maxFlushTimeRunsOut_reportsHowManyWereNotDelivered() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "8", "MAX_FLUSH", "200");
        sink.gateFromCall = 2; // the first event gets through, the second sticks, the rest wait
        sink.gate = new CountDownLatch(1);
        for (int i = 0; i < 6; i++) {
            log.info("w0 {}", i);
        }
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        long start = System.nanoTime();
        async().stop();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "stop() is bounded by maxFlushTime");
        // stop() gives up without interrupting the stuck call (mwsr never interrupts a sink). The
        // events behind it are still queued, or in the batch in doubt (counted as pending even
        // if, like w0 0, part of that batch was delivered): reported, never silently gone.
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "maxFlushTime"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        Metrics m = async().metrics();
        assertEquals(List.of("w0 0"), sink.messages());
        assertEquals(6, m.written() + m.dropped() + m.pending(), m::toString);
        assertTrue(m.pending() >= 5, m::toString);
        sink.gate.countDown();
    }

    @Test
    void writesAfterStop_areCountedAndReported_notThrown() throws Exception {
        org.slf4j.Logger log = configureSink();
        MwsrAsyncAppender a = async();
        a.stop();
        log.info("late"); // Logback itself refuses: the appender is stopped
        assertEquals(List.of(), sink.messages());
        assertEquals(1, a.metrics().dropped(), () -> "the late event is counted: " + a.metrics());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "refused an event"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
        var warnOnly = new ThresholdFilter();
        warnOnly.setLevel("WARN");
        warnOnly.start();
        a.addFilter(warnOnly);
        log.info("denied by the appender's filter");
        assertEquals(1, a.metrics().dropped(), "an event its filter denies is not a drop");
    }

    /** A context without an MDC adapter: preparing an event for the drainer throws on the logging thread. */
    @Test
    void anEventWhoseAppendThrows_isCountedAsDroppedAndReported_notThrown() {
        ctx = Logs.configure(new LoggerContext(), "async-sink.xml", props());
        sink = (SinkAppender) async().getAppender("SINK");
        ctx.getLogger("test").info("unpreparable");
        ctx.stop();
        assertEquals(List.of(), sink.messages());
        assertEquals(1, async().metrics().dropped(), () -> async().metrics().toString());
        assertTrue(Logs.hasStatus(ctx, Status.WARN, "appending it threw"), () -> Logs.statuses(ctx, Status.WARN)
                .toString());
    }

    /** Logging threads racing stop(): every event is delivered or counted as dropped. */
    @Test
    void loggingRacingStop_everyEventDeliveredOrCountedAsDropped() throws Exception {
        org.slf4j.Logger log = configureSink();
        long logged = Logs.logRacingStop(log, async(), 4);
        Metrics m = async().metrics();
        assertEquals(m.written(), sink.messages().size(), m::toString);
        assertEquals(logged, m.written() + m.dropped(), m::toString);
        assertTrue(m.dropped() >= 4 * 100, m::toString);
    }

    /**
     * Platform logging threads blocked by a full queue (BLOCK) hold no monitor anywhere on their
     * path (Logback's Logger and appender base, this appender, the mwsr buffer): a virtual thread
     * on the same path would not pin its carrier on JDK 21.
     */
    @Test
    void loggingThreadsWaitingForRoom_holdNoMonitor() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "2");
        sink.gate = new CountDownLatch(1);
        List<Thread> writers = IntStream.range(0, 4)
                .mapToObj(w -> Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 10; i++) {
                        log.info("w{} {}", w, i);
                    }
                }))
                .toList();
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        for (Thread w : writers) {
            while (w.getState() != Thread.State.WAITING && w.getState() != Thread.State.BLOCKED) {
                Thread.sleep(5);
            }
        }
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (Thread w : writers) {
            var info = mx.getThreadInfo(new long[] {w.threadId()}, true, true)[0];
            assertEquals(0, info.getLockedMonitors().length, () -> "monitor held while waiting: " + info);
            assertEquals(0, info.getLockedSynchronizers().length, () -> "lock held while waiting: " + info);
        }
        sink.gate.countDown();
        for (Thread w : writers) {
            w.join();
        }
        ctx.stop();
        assertEquals(40, sink.messages().size());
    }

    /** No synchronized method or block in this module's classes (javap of every class file). */
    @Test
    void moduleClasses_haveNoSynchronized() throws Exception {
        Path classes = Path.of(MwsrAsyncAppender.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<String> files;
        try (var walk = java.nio.file.Files.walk(classes)) {
            files = walk.map(Path::toString)
                    .filter(f -> f.endsWith(".class") && !f.endsWith("module-info.class"))
                    .toList();
        }
        assertTrue(files.size() >= 4, files::toString);
        var javap = java.util.spi.ToolProvider.findFirst("javap").orElseThrow();
        var out = new java.io.StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("-c", "-p"));
        args.addAll(files);
        assertEquals(
                0, javap.run(new java.io.PrintWriter(out), new java.io.PrintWriter(out), args.toArray(String[]::new)));
        String code = out.toString();
        assertTrue(code.contains("invokevirtual"), "javap printed byte code");
        assertFalse(code.contains("monitorenter"), "a synchronized block in dev.mwsr.logback");
        assertFalse(code.matches("(?s).*\\bsynchronized\\b.*"), "a synchronized method in dev.mwsr.logback");
    }

    @Test
    void badConfiguration_isAnErrorStatus_andTheAppenderStaysStopped() {
        ctx = Logs.configure("async-sink.xml", props("OVERFLOW", "sometimes"));
        assertFalse(async().isStarted());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "overflow must be one of"));
        MwsrAsyncAppender none = new MwsrAsyncAppender();
        none.setContext(ctx);
        none.setName("NONE");
        none.start();
        assertFalse(none.isStarted());
        assertTrue(Logs.hasStatus(ctx, Status.ERROR, "no appender attached to [NONE]"));
    }

    /** maxFlushTime is 0 for no bound; a negative value is a mistake, not another way to say it. */
    @Test
    void negativeMaxFlushTime_isAnErrorStatus_andTheAppenderStaysStopped() {
        ctx = Logs.configure("async-sink.xml", props("MAX_FLUSH", "-1"));
        assertFalse(async().isStarted());
        assertTrue(
                Logs.hasStatus(ctx, Status.ERROR, "maxFlushTime must not be negative"),
                () -> Logs.statuses(ctx, Status.WARN).toString());
    }

    @Test
    void interruptedLoggingThread_losesNoEvent_andKeepsItsFlag() throws Exception {
        org.slf4j.Logger log = configureSink("QUEUE", "2");
        sink.gate = new CountDownLatch(1);
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 10; i++) {
                log.info("w0 {}", i);
            }
            flag.set(Thread.currentThread().isInterrupted());
        });
        assertTrue(sink.entered.await(5, TimeUnit.SECONDS));
        while (writer.getState() != Thread.State.WAITING) {
            Thread.sleep(5);
        }
        writer.interrupt();
        Thread.sleep(50);
        sink.gate.countDown();
        writer.join();
        ctx.stop();
        assertEquals(IntStream.range(0, 10).mapToObj(i -> "w0 " + i).toList(), sink.messages());
        assertEquals(Boolean.TRUE, flag.get());
    }
}
