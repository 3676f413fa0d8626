package dev.mwsr.log4j2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.Metrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.async.AsyncLoggerContext;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code <MwsrAsync>} behind all-async loggers ({@code AsyncLoggerContextSelector}), run by Maven
 * twice in JVMs of their own: with Disruptor 4.0.0 and with 3.4.4 on the class path (two Disruptors
 * cannot share one). The mwsr part loses nothing: every event it accepted reaches the target once,
 * in each thread's order. With Disruptor 3.4.4 Log4j hands every event over; with 4.0.0 Log4j's
 * async loggers themselves may discard events before they reach any appender (Disruptor 4 claims a
 * slot before it waits for room, so the remaining capacity Log4j reads goes negative and Log4j takes
 * that for "shut down"): that loss is printed, not asserted, since it is Log4j's.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AsyncLoggersTest {
    @TempDir
    Path dir;

    @Test
    void behindAllAsyncLoggers_theMwsrPartLosesNothing_keepsEachThreadsOrder() throws Exception {
        Assumptions.assumeTrue(
                System.getProperty("expected.disruptor.major") != null,
                "runs only in the async-loggers-disruptor-3/4 executions of the pom (a JVM of its own each)");
        int major = Integer.getInteger("expected.disruptor.major", 0);
        String jar = Class.forName("com.lmax.disruptor.RingBuffer")
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toString();
        assertTrue(major == 3 ? jar.contains("disruptor-3") : jar.contains("disruptor-4"), jar);
        int threads = 4;
        int each = 5_000;
        try (Logs logs =
                Logs.start(dir, "async-sink.xml", "ATTRS", "bufferSize=\"8\"", "MORE_REFS", "", "LOCATION", "false")) {
            assertTrue(logs.ctx instanceof AsyncLoggerContext, "all-async loggers: " + logs.ctx.getClass());
            Sink sink = logs.appender("SINK");
            sink.sleepPerEvent(0);
            MwsrAsyncAppender async = logs.appender("ASYNC");
            Logger log = logs.logger();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < each; i++) {
                        log.info("w{} {}", id, i);
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            logs.stop();
            Metrics m = async.metrics();
            List<String> got = sink.messages();
            assertEquals(m.enqueued(), got.size(), () -> "every event MwsrAsync accepted reached the target: " + m);
            assertEquals(0, m.dropped(), m::toString);
            Set<String> distinct = new HashSet<>(got);
            assertEquals(got.size(), distinct.size(), "no event twice");
            Map<String, Integer> last = new HashMap<>();
            for (String msg : got) {
                String[] p = msg.split(" ");
                int n = Integer.parseInt(p[1]);
                int before = last.getOrDefault(p[0], -1);
                assertTrue(n > before, () -> p[0] + " out of order: " + n + " after " + before);
                last.put(p[0], n);
            }
            long lostByLog4j = (long) threads * each - got.size();
            System.out.println("Disruptor " + major + " (" + jar + "): Log4j's async loggers handed over "
                    + got.size() + " of " + threads * each + " events (" + lostByLog4j
                    + " lost before any appender); MwsrAsync lost none");
            if (major == 3) {
                assertEquals(threads * each, got.size(), "with Disruptor 3.4.4 nothing is lost at all");
            }
        }
    }
}
