package dev.mwsr.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.Metrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class MwsrMetricsTest {
    private final MeterRegistry registry = new SimpleMeterRegistry();

    /** Every meter of {@code name} equals the snapshot's field. */
    private void assertMeters(String name, Metrics m) {
        assertEquals(m.pending(), gauge(name, "pending"), "pending");
        assertEquals(m.enqueued(), counter(name, "enqueued"), "enqueued");
        assertEquals(m.written(), counter(name, "written"), "written");
        assertEquals(m.dropped(), counter(name, "dropped"), "dropped");
        assertEquals(m.batches(), counter(name, "batches"), "batches");
        assertEquals(m.failures(), counter(name, "failures"), "failures");
    }

    private double gauge(String name, String meter) {
        return registry.get("mwsr.buffer." + meter).tag("name", name).gauge().value();
    }

    private double counter(String name, String meter) {
        return registry.get("mwsr.buffer." + meter)
                .tag("name", name)
                .functionCounter()
                .count();
    }

    @Test
    void asyncBuffer_metersMatchMetrics_withPendingAndDrops() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicBoolean fail = new AtomicBoolean(true);
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(batch -> {
                    try {
                        gate.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (fail.getAndSet(false)) {
                        throw new IllegalStateException("once (test)");
                    }
                })
                .capacity(4)
                .overflow(AsyncBuffer.OverflowPolicy.DROP_NEWEST)
                .retryFailedBatches(java.time.Duration.ofMillis(1))
                .build();
        new MwsrMetrics(buffer, "async", Tag.of("app", "test")).bindTo(registry);
        for (int i = 0; i < 20; i++) {
            buffer.write("x" + i);
        }
        Metrics during = buffer.metrics();
        assertEquals(during.pending(), gauge("async", "pending"));
        assertEquals(during.dropped(), counter("async", "dropped"));
        assertEquals(true, during.pending() > 0 && during.dropped() > 0, during::toString);
        gate.countDown();
        buffer.close();
        Metrics after = buffer.metrics();
        assertEquals(1, after.failures(), after::toString);
        assertMeters("async", after);
        assertEquals(
                "test",
                registry.get("mwsr.buffer.written")
                        .tag("name", "async")
                        .meter()
                        .getId()
                        .getTag("app"));
        assertEquals(
                "items", registry.get("mwsr.buffer.written").meter().getId().getBaseUnit());
    }

    @Test
    void buffer_metersMatchMetrics() {
        Buffer<String> buffer = new Buffer<>(8, batch -> {});
        new MwsrMetrics(buffer, "sync").bindTo(registry);
        for (int i = 0; i < 21; i++) {
            buffer.write("x");
        }
        assertMeters("sync", buffer.metrics());
        buffer.close();
        assertMeters("sync", buffer.metrics());
        assertEquals(21, counter("sync", "written"));
    }

    @Test
    void byteBatchBuffer_metersMatchMetrics_inBytes() {
        ByteBatchBuffer buffer = new ByteBatchBuffer(64, batch -> batch.position(batch.limit()));
        new MwsrMetrics(buffer, "bytes").bindTo(registry);
        for (int i = 0; i < 10; i++) {
            buffer.write(ByteBuffer.wrap(new byte[10]));
        }
        assertMeters("bytes", buffer.metrics());
        buffer.close();
        assertMeters("bytes", buffer.metrics());
        assertEquals(100, counter("bytes", "written"));
        assertEquals(
                "bytes", registry.get("mwsr.buffer.written").meter().getId().getBaseUnit());
    }

    @Test
    void anySource_metersReadItsMetrics() {
        Metrics[] now = {new Metrics(5, 3, 1, 1, 2, 0)};
        Object source = new Object();
        MwsrMetrics.of(source, s -> now[0], "custom", Tags.of("k", "v")).bindTo(registry);
        assertMeters("custom", now[0]);
        now[0] = new Metrics(9, 8, 1, 0, 4, 1);
        assertMeters("custom", now[0]);
    }

    @Test
    void nullArguments_areRejectedEarly() {
        Buffer<String> buffer = new Buffer<>(1, List::size);
        assertThrows(NullPointerException.class, () -> new MwsrMetrics(buffer, null));
        assertThrows(NullPointerException.class, () -> MwsrMetrics.of(null, s -> null, "n", Tags.empty()));
        assertThrows(NullPointerException.class, () -> MwsrMetrics.of(buffer, null, "n", Tags.empty()));
        buffer.close();
    }
}
