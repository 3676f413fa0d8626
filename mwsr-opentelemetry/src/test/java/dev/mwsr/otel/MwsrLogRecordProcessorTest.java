package dev.mwsr.otel;

import static dev.mwsr.otel.Recorded.DROPPED;
import static dev.mwsr.otel.Recorded.ERROR_TYPE;
import static dev.mwsr.otel.Recorded.await;
import static dev.mwsr.otel.Recorded.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MwsrLogRecordProcessor against the real SDK: upstream's BatchLogRecordProcessorTest scenarios and
 * the promises upstream does not keep, as for spans (the engine is shared; these tests show the log
 * processor wires it the same way, under the log names).
 */
@Timeout(60)
class MwsrLogRecordProcessorTest {
    private final InMemoryLogRecordExporter memory = InMemoryLogRecordExporter.create();
    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final SdkMeterProvider meters =
            SdkMeterProvider.builder().registerMetricReader(reader).build();
    private final List<Gate> gates = new CopyOnWriteArrayList<>();
    private SdkLoggerProvider loggerProvider;

    @AfterEach
    void cleanUp() {
        gates.forEach(Gate::open);
        if (loggerProvider != null) {
            loggerProvider.shutdown().join(20, TimeUnit.SECONDS);
        }
        meters.shutdown();
    }

    private Logger logger(MwsrLogRecordProcessor processor) {
        loggerProvider =
                SdkLoggerProvider.builder().addLogRecordProcessor(processor).build();
        return loggerProvider.get("test");
    }

    private static void emit(Logger logger, String body) {
        logger.logRecordBuilder().setBody(body).emit();
    }

    private static void emitMany(Logger logger, int n) {
        for (int i = 0; i < n; i++) {
            emit(logger, "r" + i);
        }
    }

    private static Set<String> bodies(Collection<LogRecordData> records) {
        Set<String> bodies = new HashSet<>();
        for (LogRecordData r : records) {
            assertTrue(bodies.add(r.getBodyValue().asString()), "exported twice: " + r.getBodyValue());
        }
        return bodies;
    }

    private Gate gate() {
        Gate g = new Gate();
        gates.add(g);
        return g;
    }

    /** Forwards to an exporter; {@code gate}, if given, holds the first export; shutdown keeps the records. */
    private static LogRecordExporter forwarding(LogRecordExporter to, Gate firstExportWaitsAt, boolean everyExport) {
        AtomicBoolean first = new AtomicBoolean(true);
        return new LogRecordExporter() {
            @Override
            public CompletableResultCode export(Collection<LogRecordData> logs) {
                if (firstExportWaitsAt != null && (first.getAndSet(false) || everyExport)) {
                    firstExportWaitsAt.pass();
                }
                return to.export(logs);
            }

            @Override
            public CompletableResultCode flush() {
                return to.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess(); // InMemoryLogRecordExporter.shutdown() forgets
            }
        };
    }

    @Test
    void exportsEmittedRecords_afterTheScheduleDelay() throws Exception {
        Logger l = logger(MwsrLogRecordProcessor.builder(memory)
                .setScheduleDelay(10, TimeUnit.MILLISECONDS)
                .build());
        emit(l, "one");
        emit(l, "two");
        await("both records exported", () -> memory.getFinishedLogRecordItems().size() == 2);
        assertEquals(Set.of("one", "two"), bodies(memory.getFinishedLogRecordItems()));
    }

    @Test
    void exportsMoreRecordsThanTheQueueHolds_whenTheyComeSlowly() throws Exception {
        Logger l = logger(MwsrLogRecordProcessor.builder(memory)
                .setScheduleDelay(1, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(6)
                .setMaxExportBatchSize(2)
                .build());
        for (int i = 0; i < 24; i++) {
            emit(l, "r" + i);
            int expected = i + 1;
            await(
                    "record " + i + " exported",
                    () -> memory.getFinishedLogRecordItems().size() == expected);
        }
        assertEquals(24, bodies(memory.getFinishedLogRecordItems()).size());
    }

    @Test
    void anExporterThatThrows_doesNotStopTheProcessor() {
        AtomicBoolean thrown = new AtomicBoolean();
        LogRecordExporter throwsOnce = new LogRecordExporter() {
            @Override
            public CompletableResultCode export(Collection<LogRecordData> logs) {
                if (!thrown.getAndSet(true)) {
                    throw new IllegalStateException("planted by the test");
                }
                return memory.export(logs);
            }

            @Override
            public CompletableResultCode flush() {
                return memory.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return memory.shutdown();
            }
        };
        Logger l = logger(MwsrLogRecordProcessor.create(throwsOnce));
        emit(l, "lost to the exporter");
        assertFalse(loggerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        emit(l, "after");
        assertTrue(loggerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("after"), bodies(memory.getFinishedLogRecordItems()));
    }

    @Test
    void shutdown_exportsWhatWasEmitted() {
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.builder(forwarding(memory, null, false))
                .setScheduleDelay(1, TimeUnit.HOURS)
                .build();
        Logger l = logger(p);
        emitMany(l, 100);
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(100, bodies(memory.getFinishedLogRecordItems()).size());
        assertTrue(p.getLogRecordExporter() != memory);
    }

    @ParameterizedTest
    @EnumSource(InternalTelemetryVersion.class)
    void aFullQueue_dropsAndCounts_underUpstreamsNames(InternalTelemetryVersion version) throws Exception {
        Gate gate = gate();
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.builder(forwarding(memory, gate, false))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(4)
                .setMaxExportBatchSize(1)
                .setMeterProvider(meters)
                .setInternalTelemetryVersion(version)
                .build();
        Logger l = logger(p);
        emit(l, "in the exporter");
        gate.awaitEntered();
        emitMany(l, 10);
        Collection<MetricData> during = reader.collectAllMetrics();
        gate.open();
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(5, memory.getFinishedLogRecordItems().size());
        Collection<MetricData> metrics = reader.collectAllMetrics();
        if (version == InternalTelemetryVersion.LEGACY) {
            assertEquals(6, counter(metrics, "processedLogs", a -> Boolean.TRUE.equals(a.get(DROPPED))));
            assertEquals(5, counter(metrics, "processedLogs", a -> Boolean.FALSE.equals(a.get(DROPPED))));
            assertEquals(4, counter(during, "queueSize", a -> "BatchLogRecordProcessor"
                    .equals(a.get(AttributeKey.stringKey("processorType")))));
        } else {
            String processed = "otel.sdk.processor.log.processed";
            assertEquals(6, counter(metrics, processed, a -> "queue_full".equals(a.get(ERROR_TYPE))));
            assertEquals(5, counter(metrics, processed, a -> a.get(ERROR_TYPE) == null));
            assertEquals(
                    5,
                    counter(
                            metrics,
                            processed,
                            a -> "batching_log_processor".equals(a.get(AttributeKey.stringKey("otel.component.type")))
                                    && a.get(ERROR_TYPE) == null));
            assertEquals(4, counter(during, "otel.sdk.processor.log.queue.size", a -> true));
            assertEquals(4, counter(metrics, "otel.sdk.processor.log.queue.capacity", a -> true));
            assertEquals("{log_record}", Recorded.metric(metrics, processed).getUnit());
        }
    }

    @ParameterizedTest
    @EnumSource(InternalTelemetryVersion.class)
    void recordsRacingShutdown_areEachExportedOnceOrCountedDropped(InternalTelemetryVersion version) throws Exception {
        for (int round = 0; round < 30; round++) {
            InMemoryLogRecordExporter exporter = InMemoryLogRecordExporter.create();
            InMemoryMetricReader roundReader = InMemoryMetricReader.create();
            SdkMeterProvider roundMeters =
                    SdkMeterProvider.builder().registerMetricReader(roundReader).build();
            MwsrLogRecordProcessor p = MwsrLogRecordProcessor.builder(forwarding(exporter, null, false))
                    .setScheduleDelay(1, TimeUnit.MILLISECONDS)
                    .setMaxQueueSize(64)
                    .setMaxExportBatchSize(8)
                    .setMeterProvider(roundMeters)
                    .setInternalTelemetryVersion(version)
                    .build();
            SdkLoggerProvider provider =
                    SdkLoggerProvider.builder().addLogRecordProcessor(p).build();
            Logger l = provider.get("race");
            int threads = 3;
            int each = 300;
            CountDownLatch started = new CountDownLatch(threads);
            List<Thread> producers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String prefix = "t" + i + "-";
                producers.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    for (int k = 0; k < each; k++) {
                        emit(l, prefix + k);
                    }
                }));
            }
            started.await();
            CompletableResultCode shutdown = p.shutdown();
            for (Thread th : producers) {
                th.join();
            }
            assertTrue(shutdown.join(20, TimeUnit.SECONDS).isDone());
            Collection<MetricData> metrics = roundReader.collectAllMetrics();
            long dropped = version == InternalTelemetryVersion.LEGACY
                    ? counter(metrics, "processedLogs", a -> Boolean.TRUE.equals(a.get(DROPPED)))
                    : counter(metrics, "otel.sdk.processor.log.processed", a -> a.get(ERROR_TYPE) != null);
            int exported = bodies(exporter.getFinishedLogRecordItems()).size();
            assertEquals(threads * each, exported + dropped, "round " + round);
            provider.shutdown().join(20, TimeUnit.SECONDS);
            roundMeters.shutdown();
        }
    }

    @Test
    void forceFlushAndShutdown_completeUnsuccessfully_whenExportNeverReturns() throws Exception {
        Gate gate = gate();
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.builder(forwarding(memory, gate, true))
                .setExporterTimeout(300, TimeUnit.MILLISECONDS)
                .setMeterProvider(meters)
                .build();
        Logger l = logger(p);
        emit(l, "stuck in export");
        CompletableResultCode flush = p.forceFlush();
        gate.awaitEntered();
        emit(l, "queued behind it");
        assertTrue(flush.join(20, TimeUnit.SECONDS).isDone(), "forceFlush never completed");
        assertFalse(flush.isSuccess());
        CompletableResultCode shutdown = p.shutdown();
        assertTrue(shutdown.join(20, TimeUnit.SECONDS).isDone(), "shutdown never completed");
        assertFalse(shutdown.isSuccess());
        assertEquals(1, counter(reader, "processedLogs", a -> Boolean.TRUE.equals(a.get(DROPPED))));
    }

    @Test
    void aSecondForceFlush_completesOnlyAfterItsOwnRecordIsExported() throws Exception {
        Gate gate = gate();
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.create(forwarding(memory, gate, false));
        Logger l = logger(p);
        emit(l, "first");
        CompletableResultCode firstFlush = p.forceFlush();
        gate.awaitEntered();
        emit(l, "second");
        CompletableResultCode secondFlush = p.forceFlush();
        // Completed by the callback itself: join() may return before another thread's callbacks ran.
        CompletableFuture<List<String>> seenAtCompletion = new CompletableFuture<>();
        secondFlush.whenComplete(() -> seenAtCompletion.complete(memory.getFinishedLogRecordItems().stream()
                .map(r -> r.getBodyValue().asString())
                .toList()));
        assertFalse(secondFlush.isDone());
        gate.open();
        assertTrue(firstFlush.join(20, TimeUnit.SECONDS).isSuccess());
        assertTrue(secondFlush.join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(
                List.of("first", "second"),
                seenAtCompletion.get(20, TimeUnit.SECONDS),
                "completed before its record was exported");
    }

    @Test
    void forceFlush_afterShutdown_completesAtOnce() {
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.create(memory);
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        assertTrue(p.forceFlush().isDone());
    }

    @Test
    void recordsEmittedAfterShutdown_areCountedAsDropped_underLegacyToo() {
        MwsrLogRecordProcessor p =
                MwsrLogRecordProcessor.builder(memory).setMeterProvider(meters).build();
        Logger l = logger(p);
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        emitMany(l, 3);
        assertEquals(3, counter(reader, "processedLogs", a -> Boolean.TRUE.equals(a.get(DROPPED))));
    }

    @Test
    void blockWhenFull_waitsForRoom_andDropsNothing() throws Exception {
        Gate gate = gate();
        MwsrLogRecordProcessor p = MwsrLogRecordProcessor.builder(forwarding(memory, gate, false))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(4)
                .setMaxExportBatchSize(2)
                .setBlockWhenFull(Duration.ofSeconds(20))
                .setMeterProvider(meters)
                .build();
        Logger l = logger(p);
        emit(l, "held");
        gate.awaitEntered();
        Thread producer = Thread.ofPlatform().start(() -> emitMany(l, 50));
        await("the producer waits for room", () -> producer.getState() != Thread.State.RUNNABLE || !producer.isAlive());
        assertTrue(producer.isAlive(), "the producer finished with the exporter held: it dropped");
        gate.open();
        producer.join();
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(51, bodies(memory.getFinishedLogRecordItems()).size());
        assertEquals(0, counter(reader, "processedLogs", a -> Boolean.TRUE.equals(a.get(DROPPED))));
    }

    @Test
    void anInterruptedProducer_losesNoRecord_andKeepsItsFlag() throws Exception {
        Logger l = logger(MwsrLogRecordProcessor.create(memory));
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread th = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            emit(l, "interrupted");
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        th.join();
        assertTrue(flagAfter.get());
        assertTrue(loggerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("interrupted"), bodies(memory.getFinishedLogRecordItems()));
    }
}
