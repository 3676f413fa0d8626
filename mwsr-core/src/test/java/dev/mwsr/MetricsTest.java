package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class MetricsTest {
    private static final long MS = 1_000_000L;

    @Test
    void sixCountConstructor_reportsLagUnknown_andEqualityIgnoresLag() {
        Metrics counts = new Metrics(5, 3, 1, 1, 2, 0);
        assertEquals(0, counts.lagNanos(), "the six-count constructor leaves the lag unknown (0)");
        Metrics withLag = new Metrics(5, 3, 1, 1, 2, 0, 123_456);
        assertEquals(counts, withLag, "lag is a gauge: snapshots with the same counts are equal");
        assertEquals(counts.hashCode(), withLag.hashCode());
        assertNotEquals(counts, new Metrics(5, 3, 1, 1, 2, 1, 0), "a different count is a different snapshot");
    }

    @Test
    void asyncLag_isUnknownBeforeAnyDelivery() {
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> {})) {
            assertEquals(0, buffer.metrics().lagNanos());
        }
    }

    @Test
    void asyncLag_afterDelivery_coversTheFlusherCall() {
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> sleep(50))) {
            buffer.write("slow");
            buffer.flush();
            long lag = buffer.metrics().lagNanos();
            assertTrue(lag >= 50 * MS, "the last batch waited at least its 50 ms flusher call, lag was " + lag);
            assertTrue(lag < 30_000 * MS, "lag " + lag + " ns is not a plausible delay");
        }
    }

    @Test
    void asyncLag_growsWhileAFlusherCallIsStuck() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> {
            entered.countDown();
            await(release);
        })) {
            buffer.write("stuck");
            assertTrue(entered.await(10, TimeUnit.SECONDS));
            long early = buffer.metrics().lagNanos();
            sleep(100);
            long later = buffer.metrics().lagNanos();
            assertTrue(later >= 100 * MS, "the oldest pending item has waited at least 100 ms, lag was " + later);
            assertTrue(later > early, "lag must grow while the call is stuck: " + early + " then " + later);
            release.countDown();
        }
    }

    @Test
    void lag_datesABacklogFromTheFirstMarkThatSawIt() {
        Lag lag = new Lag();
        lag.cut(0, 10, 1_000); // batch [0, 4) cut while 10 were queued
        assertEquals(1_200 - 1_000, lag.lagNanos(1_200), "during the call: how long it has waited so far");
        lag.delivered(1_500);
        lag.done();
        assertEquals(1_500 - 1_000, lag.lagNanos(9_999), "after it: the batch's delay");
        lag.cut(4, 20, 2_000); // its oldest element (4) was already queued at the first mark
        assertEquals(5_000 - 1_000, lag.lagNanos(5_000), "dated from the mark at 1000, not the cut at 2000");
        lag.delivered(2_100);
        lag.done();
        assertEquals(2_100 - 1_000, lag.lagNanos(7_777), "between calls: the last batch's delay");
        lag.cut(20, 21, 3_000); // a fresh element, first seen now
        lag.delivered(3_010);
        lag.done();
        assertEquals(10, lag.lagNanos(9_999));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
