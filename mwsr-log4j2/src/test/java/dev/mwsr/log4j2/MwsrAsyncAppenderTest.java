package dev.mwsr.log4j2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.ThreadContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code <MwsrAsync>} in real Log4j configurations, with the test {@link Sink} as target; the
 * scenarios of Log4j's own {@code AsyncAppenderTest}s (every event delivered, in order, on stop;
 * location; exceptions; queue full; errorRef; interrupts) plus the promises this appender adds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MwsrAsyncAppenderTest {
    @TempDir
    Path dir;

    private Logs sinkConfig(String attrs, String... more) throws Exception {
        String[] tokens = {"ATTRS", attrs, "MORE_REFS", "", "LOCATION", "false"};
        String[] all = new String[tokens.length + more.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(tokens, 0, all, more.length, tokens.length);
        return Logs.start(dir, "async-sink.xml", all); // earlier pairs win: replaced first
    }

    /** Log4j's AsyncAppenderTest: what was logged arrives, in order, with its level and message. */
    @Test
    void everyEventArrives_inOrder_noPackagesAttributeNeeded() throws Exception {
        try (Logs logs = sinkConfig("")) {
            Logger log = logs.logger();
            for (int i = 0; i < 1000; i++) {
                log.info("m {}", i);
            }
            Sink sink = logs.appender("SINK");
            logs.stop();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                expected.add("m " + i);
            }
            assertEquals(expected, sink.messages());
            MwsrAsyncAppender async = logs.ctx.getConfiguration().getAppender("ASYNC");
            assertNull(async, "the stopped configuration is gone");
        }
    }

    /**
     * Stop drains before the targets stop, whatever the names: Log4j stops appenders in its hash
     * map's order, so the test runs with the two names swapped (one of the runs has the target
     * first); each time the target is stopped only after it got every event.
     */
    @Test
    void stop_deliversEverythingBeforeTheTargetsStop_whateverTheNames() throws Exception {
        String[][] names = {{"ASYNC", "SINK"}, {"SINK", "ASYNC"}};
        for (String[] n : names) {
            try (Logs logs = Logs.start(dir, "stop-order.xml", "ASYNC", n[0], "SINK", n[1])) {
                Sink sink = logs.appender(n[1]);
                CountDownLatch gate = new CountDownLatch(1);
                sink.gate(gate);
                Logger log = logs.logger();
                for (int i = 0; i < 5000; i++) {
                    log.info("m {}", i);
                }
                Thread opener = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(200); // the stop has begun and waits on the queue
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    gate.countDown();
                });
                logs.stop();
                opener.join();
                assertEquals(5000, sink.got().size(), "async appender named " + n[0]);
                assertEquals(5000, sink.gotWhenStopped(), "the target was stopped after it got every event");
                assertEquals("", Logs.liveThreads("mwsr-log4j2-" + n[0]), "no thread outlives the stop");
            }
        }
    }

    /** shutdownTimeout bounds the stop; the rest is counted as pending and reported. */
    @Test
    void stop_isBoundedByShutdownTimeout_theRestReported() throws Exception {
        try (Logs logs = sinkConfig("bufferSize=\"100\" shutdownTimeout=\"300\"")) {
            Sink sink = logs.appender("SINK");
            MwsrAsyncAppender async = logs.appender("ASYNC");
            CountDownLatch gate = new CountDownLatch(1);
            sink.gate(gate);
            Logger log = logs.logger();
            for (int i = 0; i < 50; i++) {
                log.info("m {}", i);
            }
            long start = System.nanoTime();
            Thread opener = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                gate.countDown();
            });
            logs.stop();
            long took = System.nanoTime() - start;
            // Read while the target is still held: once it returns, its batch counts as written.
            Metrics m = async.metrics();
            opener.join();
            assertTrue(took < TimeUnit.SECONDS.toNanos(2), "stop() returned before the target was released");
            assertTrue(logs.hasStatus("WARN", "shutdownTimeout (300 ms) ran out"), logs.statuses()::toString);
            assertTrue(m.pending() > 0, m::toString);
            // Once the held call has returned, the events it did not deliver count as dropped, not
            // written; those never handed to it stay pending (reported by the stop).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!async.drainerEnded() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(async.drainerEnded(), "the held call never returned");
            Metrics after = async.metrics();
            List<String> got = sink.messages();
            assertTrue(got.size() < 50, "the rest was not delivered after the bound: " + got.size());
            assertEquals(got.size(), got.stream().distinct().count(), "nothing twice");
            assertEquals(got.size(), after.written(), after::toString);
            assertEquals(50, after.written() + after.dropped() + after.pending(), after::toString);
        }
    }

    /**
     * A full queue with blocking: nothing lost, each thread's order kept, and no event appended on the
     * logging thread (the Sink sees only the drainer thread): no synchronous overtaking.
     */
    @Test
    void queueFull_blocking_losesNothing_keepsEachThreadsOrder_neverAppendsOnTheLoggingThread() throws Exception {
        try (Logs logs = sinkConfig("bufferSize=\"4\"")) {
            Sink sink = logs.appender("SINK");
            Logger log = logs.logger();
            int threads = 4;
            int each = 2000;
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().name("w" + t).start(() -> {
                    for (int i = 0; i < each; i++) {
                        log.info("w{} {}", id, i);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            MwsrAsyncAppender async = logs.appender("ASYNC");
            logs.stop();
            List<Sink.Got> got = sink.got();
            assertEquals(threads * each, got.size());
            assertInThreadOrder(got.stream().map(Sink.Got::message).toList(), threads, each);
            assertTrue(got.stream().allMatch(g -> g.thread().startsWith("w")), "thread names captured");
            assertEquals(0, async.metrics().dropped());
        }
    }

    /** blocking=false: a full queue drops the newest, counted and reported; nothing is delivered twice. */
    @Test
    void blockingFalse_dropsTheNewest_countedAndReported() throws Exception {
        try (Logs logs = sinkConfig("bufferSize=\"8\" blocking=\"false\"")) {
            MwsrAsyncAppender async = logs.appender("ASYNC");
            assertEquals(OverflowPolicy.DROP_NEWEST, async.getOverflow());
            Sink sink = logs.appender("SINK");
            CountDownLatch gate = new CountDownLatch(1);
            sink.gate(gate);
            Logger log = logs.logger();
            for (int i = 0; i < 100; i++) {
                log.info("m {}", i);
            }
            gate.countDown();
            logs.stop();
            Metrics m = async.metrics();
            List<String> got = sink.messages();
            assertTrue(m.dropped() > 0, m::toString);
            assertEquals(100, got.size() + m.dropped(), m::toString);
            assertEquals(got.size(), got.stream().distinct().count());
            assertTrue(logs.hasStatus("WARN", "dropped"), logs.statuses()::toString);
        }
    }

    /**
     * Log4j's AsyncAppender loses an interrupted thread's event when the queue is full; here the
     * event waits for room, arrives once, in order, and the thread's interrupt flag is kept.
     */
    @Test
    void interruptedThread_fullQueue_eventKept_once_flagKept() throws Exception {
        try (Logs logs = sinkConfig("bufferSize=\"2\"")) {
            Sink sink = logs.appender("SINK");
            sink.sleepPerEvent(1);
            Logger log = logs.logger();
            AtomicInteger flagLost = new AtomicInteger();
            Thread t = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 200; i++) {
                    Thread.currentThread().interrupt();
                    log.info("w0 {}", i);
                    if (!Thread.interrupted()) {
                        flagLost.incrementAndGet();
                    }
                }
            });
            t.join();
            logs.stop();
            assertEquals(0, flagLost.get(), "the interrupt flag is kept");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                expected.add("w0 " + i);
            }
            assertEquals(expected, sink.messages(), "every event once, in order");
        }
    }

    /**
     * A target that throws is retried until it takes the event; the other target never gets it twice,
     * and the order holds.
     */
    @Test
    void failingTarget_isRetried_theOtherTargetNeverGetsAnEventTwice() throws Exception {
        try (Logs logs = sinkConfig("giveUpAfter=\"10000\"", "MORE_REFS", "<AppenderRef ref=\"SINK2\"/>")) {
            Sink first = logs.appender("SINK");
            Sink second = logs.appender("SINK2");
            MwsrAsyncAppender async = logs.appender("ASYNC");
            second.failFor(m -> m.endsWith("7"), 3);
            Logger log = logs.logger();
            for (int i = 0; i < 100; i++) {
                log.info("m {}", i);
            }
            logs.stop();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                expected.add("m " + i);
            }
            assertEquals(expected, first.messages(), "the first target got each event once");
            assertEquals(expected, second.messages(), "the failing target got each event once, after retries");
            assertEquals(4, second.attempts("m 17"));
            Metrics m = async.metrics();
            assertEquals(0, m.dropped(), m::toString);
            assertEquals(30, m.failures(), m::toString);
            assertTrue(logs.hasStatus("ERROR", "target [SINK2] failed"), logs.statuses()::toString);
        }
    }

    /**
     * A target that keeps refusing an event: given up after giveUpAfter, counted, reported, and the
     * event goes to errorRef (spelled error-ref here) exactly once.
     */
    @Test
    void targetKeepsRefusing_eventGoesToErrorRefOnce_countedAndReported() throws Exception {
        try (Logs logs = sinkConfig("error-ref=\"ERR\" giveUpAfter=\"50\"")) {
            Sink sink = logs.appender("SINK");
            Sink err = logs.appender("ERR");
            MwsrAsyncAppender async = logs.appender("ASYNC");
            sink.failFor(m -> m.equals("m 3") || m.equals("m 5"), Integer.MAX_VALUE);
            Logger log = logs.logger();
            for (int i = 0; i < 10; i++) {
                log.info("m {}", i);
            }
            logs.stop();
            assertEquals(List.of("m 0", "m 1", "m 2", "m 4", "m 6", "m 7", "m 8", "m 9"), sink.messages());
            assertEquals(List.of("m 3", "m 5"), err.messages(), "each given-up event to errorRef once");
            assertEquals(2, async.metrics().dropped());
            assertTrue(logs.hasStatus("WARN", "still fails"), logs.statuses()::toString);
        }
    }

    /**
     * endOfBatch: the last event handed over before the queue empties says so, so a buffered target
     * flushes without a stop; events followed by others in the queue do not.
     */
    @Test
    void endOfBatch_onTheLastEventBeforeTheQueueEmpties() throws Exception {
        try (Logs logs = sinkConfig("")) {
            Sink sink = logs.appender("SINK");
            CountDownLatch gate = new CountDownLatch(1);
            sink.gate(gate);
            Logger log = logs.logger();
            for (int i = 0; i < 10; i++) {
                log.info("m {}", i);
            }
            gate.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sink.got().size() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            List<Sink.Got> got = sink.got();
            assertEquals(10, got.size());
            assertTrue(got.get(9).endOfBatch(), "the last event before the queue emptied: " + got);
            // the drainer may have taken m 0 alone before the rest arrived; after it, m 1..8 are followed
            for (int i = 1; i < 9; i++) {
                assertFalse(got.get(i).endOfBatch(), "event " + i + " had others behind it: " + got);
            }
            log.info("alone");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sink.got().size() < 11 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(sink.got().get(10).endOfBatch(), "a lone event is the end of its batch");
        }
    }

    /** Log4j's AsyncAppenderTest location cases: taken on the logging thread only with includeLocation. */
    @Test
    void includeLocation_takesTheCallersLocation_andRequiresLocationFollowsIt() throws Exception {
        try (Logs logs = sinkConfig("includeLocation=\"true\"", "LOCATION", "true")) {
            MwsrAsyncAppender async = logs.appender("ASYNC");
            assertTrue(async.requiresLocation());
            logs.logger().info("here");
            Sink sink = logs.appender("SINK");
            logs.stop();
            StackTraceElement source = sink.got().get(0).source();
            assertNotNull(source);
            assertEquals(MwsrAsyncAppenderTest.class.getName(), source.getClassName());
            assertEquals(
                    "includeLocation_takesTheCallersLocation_andRequiresLocationFollowsIt", source.getMethodName());
        }
        try (Logs logs = sinkConfig("", "LOCATION", "true")) {
            MwsrAsyncAppender async = logs.appender("ASYNC");
            assertFalse(async.requiresLocation());
            logs.logger().info("here");
            Sink sink = logs.appender("SINK");
            logs.stop();
            assertNull(sink.got().get(0).source(), "no location without includeLocation");
        }
    }

    /**
     * The event is made immutable on the logging thread: a mutable parameter changed after the call,
     * and the thread context changed after the call, do not change what the target gets.
     */
    @Test
    void eventIsFrozenOnTheLoggingThread_parametersAndThreadContext() throws Exception {
        try (Logs logs = sinkConfig("")) {
            Sink sink = logs.appender("SINK");
            CountDownLatch gate = new CountDownLatch(1);
            sink.gate(gate);
            StringBuilder mutable = new StringBuilder("before");
            ThreadContext.put("key", "v1");
            logs.logger().info("value {}", mutable);
            mutable.setLength(0);
            mutable.append("after");
            ThreadContext.put("key", "v2");
            gate.countDown();
            logs.stop();
            ThreadContext.clearMap();
            Sink.Got got = sink.got().get(0);
            assertEquals("value before", got.message());
            assertEquals("v1", got.key());
            assertEquals(Thread.currentThread().getName(), got.thread());
        }
    }

    /** Bad attributes: a clear status error naming what to change; the appender is not created. */
    @Test
    void badConfiguration_isReported_andTheAppenderNotCreated() throws Exception {
        try (Logs logs = sinkConfig("overflow=\"SOMETIMES\"")) {
            assertNull(logs.appender("ASYNC"));
            assertTrue(logs.hasStatus("ERROR", "overflow must be one of"), logs.statuses()::toString);
        }
        try (Logs logs = sinkConfig("bufferSize=\"0\"")) {
            assertNull(logs.appender("ASYNC"));
            assertTrue(logs.hasStatus("ERROR", "bufferSize must be at least 1"), logs.statuses()::toString);
        }
    }

    /** A refusal after stop is counted; with ignoreExceptions=false the caller hears of it. */
    @Test
    void afterStop_eventsAreRefusedAndCounted() throws Exception {
        try (Logs logs = sinkConfig("ignoreExceptions=\"false\"")) {
            MwsrAsyncAppender async = logs.appender("ASYNC");
            logs.logger().info("one");
            logs.stop();
            AtomicBoolean threw = new AtomicBoolean();
            try {
                async.append(org.apache.logging.log4j.core.impl.Log4jLogEvent.newBuilder()
                        .setMessage(new org.apache.logging.log4j.message.SimpleMessage("late"))
                        .build());
            } catch (org.apache.logging.log4j.core.appender.AppenderLoggingException e) {
                threw.set(true);
            }
            assertTrue(threw.get());
            assertEquals(1, async.metrics().dropped());
            assertEquals(1, async.metrics().written());
        }
    }

    static void assertInThreadOrder(List<String> messages, int threads, int each) {
        Map<String, Integer> next = new HashMap<>();
        for (String m : messages) {
            String[] parts = m.split(" ");
            int expected = next.getOrDefault(parts[0], 0);
            assertEquals(expected, Integer.parseInt(parts[1]), () -> "thread " + parts[0] + " out of order");
            next.put(parts[0], expected + 1);
        }
        assertEquals(threads, next.size());
        next.values().forEach(n -> assertEquals(each, n));
    }
}
