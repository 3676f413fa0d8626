package dev.mwsr.otel;

import static dev.mwsr.otel.Recorded.DROPPED;
import static dev.mwsr.otel.Recorded.ERROR_TYPE;
import static dev.mwsr.otel.Recorded.await;
import static dev.mwsr.otel.Recorded.counter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MwsrSpanProcessor against the real SDK: upstream's BatchSpanProcessorTest scenarios (batching,
 * capacity, exporter failures, flush, shutdown, self-metrics), then the promises upstream does not
 * keep (exact accounting around shutdown, bounded waits, ordered flushes, opt-in blocking,
 * interrupts, virtual threads).
 */
@Timeout(60)
class MwsrSpanProcessorTest {
    private static final Duration LONG = Duration.ofSeconds(20);

    private final InMemorySpanExporter memory = InMemorySpanExporter.create();
    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final SdkMeterProvider meters =
            SdkMeterProvider.builder().registerMetricReader(reader).build();
    private final List<Gate> gates = new CopyOnWriteArrayList<>();
    private SdkTracerProvider tracerProvider;

    @AfterEach
    void cleanUp() {
        gates.forEach(Gate::open);
        if (tracerProvider != null) {
            tracerProvider.shutdown().join(20, TimeUnit.SECONDS);
        }
        meters.shutdown();
    }

    private Tracer tracer(MwsrSpanProcessor processor) {
        return tracer(processor, Sampler.alwaysOn());
    }

    private Tracer tracer(MwsrSpanProcessor processor, Sampler sampler) {
        tracerProvider = SdkTracerProvider.builder()
                .addSpanProcessor(processor)
                .setSampler(sampler)
                .build();
        return tracerProvider.get("test");
    }

    private static void end(Tracer tracer, String name) {
        tracer.spanBuilder(name).startSpan().end();
    }

    private static void endMany(Tracer tracer, int n) {
        for (int i = 0; i < n; i++) {
            end(tracer, "s" + i);
        }
    }

    private static Set<String> names(Collection<SpanData> spans) {
        Set<String> names = new HashSet<>();
        for (SpanData s : spans) {
            assertTrue(names.add(s.getName()), "exported twice: " + s.getName());
        }
        return names;
    }

    private Gate gate() {
        Gate g = new Gate();
        gates.add(g);
        return g;
    }

    /** An exporter whose first export() waits at the gate (forever, until the test opens it). */
    private SpanExporter firstExportBlocks(Gate gate) {
        AtomicBoolean first = new AtomicBoolean(true);
        return new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                if (first.getAndSet(false)) {
                    gate.pass();
                }
                return super.export(spans);
            }
        };
    }

    /** InMemorySpanExporter.shutdown() forgets what it got: tests that count after shutdown keep it. */
    private static SpanExporter keepsSpansOnShutdown(SpanExporter exporter) {
        return new ForwardingExporter(exporter) {
            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }

    /** An exporter whose every export() waits at the gate. */
    private SpanExporter everyExportBlocks(Gate gate) {
        return new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                gate.pass();
                return super.export(spans);
            }
        };
    }

    // ---------------------------------------------------------------------------------------
    // Upstream's scenarios.

    @Test
    void startAndEndRequirements_areUpstreams() {
        MwsrSpanProcessor p = MwsrSpanProcessor.create(memory);
        try {
            assertFalse(p.isStartRequired());
            assertTrue(p.isEndRequired());
            assertTrue(p.getSpanExporter() == memory);
        } finally {
            p.shutdown().join(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void exportsEndedSpans_afterTheScheduleDelay() throws Exception {
        Tracer t = tracer(MwsrSpanProcessor.builder(memory)
                .setScheduleDelay(10, TimeUnit.MILLISECONDS)
                .build());
        end(t, "one");
        end(t, "two");
        await("both spans exported", () -> memory.getFinishedSpanItems().size() == 2);
        assertEquals(Set.of("one", "two"), names(memory.getFinishedSpanItems()));
    }

    @Test
    void exportsAFullBatch_withoutWaitingForTheDelay() throws Exception {
        // The delay is far longer than the test; 49 is the batch size: a full batch goes at once.
        Tracer t = tracer(MwsrSpanProcessor.builder(memory)
                .setScheduleDelay(1, TimeUnit.HOURS)
                .setMaxQueueSize(10_000)
                .setMaxExportBatchSize(49)
                .build());
        endMany(t, 50);
        await("one full batch exported", () -> memory.getFinishedSpanItems().size() >= 49);
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(50, names(memory.getFinishedSpanItems()).size());
    }

    @Test
    void exportsMoreSpansThanTheQueueHolds_whenTheyComeSlowly() throws Exception {
        Tracer t = tracer(MwsrSpanProcessor.builder(memory)
                .setScheduleDelay(1, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(6)
                .setMaxExportBatchSize(2)
                .build());
        for (int i = 0; i < 24; i++) {
            end(t, "s" + i);
            int expected = i + 1;
            await("span " + i + " exported", () -> memory.getFinishedSpanItems().size() == expected);
        }
        assertEquals(24, names(memory.getFinishedSpanItems()).size());
    }

    @Test
    void neverExportsMoreThanABatch_andNeverEmpty_andNeverConcurrently() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        SpanExporter checking = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                sizes.add(spans.size());
                Thread.yield();
                inside.decrementAndGet();
                return super.export(spans);
            }
        };
        Tracer t = tracer(MwsrSpanProcessor.builder(checking)
                .setScheduleDelay(1, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(100_000)
                .setMaxExportBatchSize(7)
                .build());
        runThreads(4, () -> endMany(t, 2_000));
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(8_000, memory.getFinishedSpanItems().size());
        assertEquals(0, overlaps.get(), "export() called concurrently with itself");
        assertTrue(sizes.stream().allMatch(n -> n >= 1 && n <= 7), "batch sizes " + sizes);
    }

    @Test
    void exportsToSeveralExporters_throughTheComposite() throws Exception {
        InMemorySpanExporter second = InMemorySpanExporter.create();
        Tracer t = tracer(MwsrSpanProcessor.create(SpanExporter.composite(memory, second)));
        endMany(t, 5);
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(5, memory.getFinishedSpanItems().size());
        assertEquals(5, second.getFinishedSpanItems().size());
    }

    @Test
    void ignoresNullSpans() {
        MwsrSpanProcessor p = MwsrSpanProcessor.create(memory);
        p.onEnd(null);
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(0, memory.getFinishedSpanItems().size());
    }

    @Test
    void exportsOnlySampledSpans_unlessToldToExportUnsampledOnes() {
        Tracer t = tracer(MwsrSpanProcessor.create(memory), Sampler.alwaysOff());
        end(t, "dropped by the sampler");
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(0, memory.getFinishedSpanItems().size());
        tracerProvider.shutdown().join(20, TimeUnit.SECONDS);

        InMemorySpanExporter unsampled = InMemorySpanExporter.create();
        // recordOnly: recorded but not sampled; only setExportUnsampledSpans(true) exports it.
        Tracer t2 = tracer(
                MwsrSpanProcessor.builder(unsampled)
                        .setExportUnsampledSpans(true)
                        .build(),
                new RecordOnlySampler());
        end(t2, "recorded, not sampled");
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(1, unsampled.getFinishedSpanItems().size());
        assertFalse(unsampled.getFinishedSpanItems().get(0).getSpanContext().isSampled());
    }

    @Test
    void anExporterThatThrows_doesNotStopTheProcessor() throws Exception {
        AtomicBoolean thrown = new AtomicBoolean();
        SpanExporter throwsOnce = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                if (!thrown.getAndSet(true)) {
                    throw new IllegalStateException("planted by the test");
                }
                return super.export(spans);
            }
        };
        Tracer t = tracer(MwsrSpanProcessor.builder(throwsOnce).build());
        end(t, "lost to the exporter");
        assertFalse(
                tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess(),
                "a flush over a failed export reports the failure");
        end(t, "after");
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("after"), names(memory.getFinishedSpanItems()));
    }

    @Test
    void anExportResultThatNeverCompletes_isGivenUpAfterTheTimeout_andExportingGoesOn() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        SpanExporter firstNeverCompletes = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return first.getAndSet(false) ? new CompletableResultCode() : super.export(spans);
            }
        };
        Tracer t = tracer(MwsrSpanProcessor.builder(firstNeverCompletes)
                .setExporterTimeout(100, TimeUnit.MILLISECONDS)
                .build());
        end(t, "first");
        assertFalse(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        end(t, "second");
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("second"), names(memory.getFinishedSpanItems()));
    }

    @Test
    void shutdown_exportsWhatWasEnded_thenShutsTheExporterDown() {
        AtomicInteger shutdowns = new AtomicInteger();
        SpanExporter counting = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode shutdown() {
                shutdowns.incrementAndGet();
                return CompletableResultCode.ofSuccess(); // InMemorySpanExporter.shutdown() forgets its spans
            }
        };
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(counting)
                .setScheduleDelay(1, TimeUnit.HOURS)
                .build();
        Tracer t = tracer(p);
        endMany(t, 100);
        CompletableResultCode first = p.shutdown();
        assertTrue(first.join(20, TimeUnit.SECONDS).isSuccess());
        assertTrue(p.shutdown() == first, "shutdown is idempotent and returns the same result");
        assertEquals(100, names(memory.getFinishedSpanItems()).size());
        assertEquals(1, shutdowns.get());
    }

    @Test
    void shutdown_reportsTheExportersFailure() {
        SpanExporter failsToShutDown = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofFailure();
            }
        };
        MwsrSpanProcessor p = MwsrSpanProcessor.create(failsToShutDown);
        assertFalse(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
    }

    @ParameterizedTest
    @EnumSource(InternalTelemetryVersion.class)
    void aFullQueue_dropsAndCounts_underUpstreamsNames(InternalTelemetryVersion version) throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(firstExportBlocks(gate))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(4)
                .setMaxExportBatchSize(1)
                .setMeterProvider(meters)
                .setInternalTelemetryVersion(version)
                .build();
        Tracer t = tracer(p);
        end(t, "in the exporter");
        gate.awaitEntered();
        endMany(t, 10); // 4 queued (the batch in the exporter does not count), 6 dropped
        Collection<MetricData> during = reader.collectAllMetrics();
        gate.open();
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(5, memory.getFinishedSpanItems().size());
        Collection<MetricData> metrics = reader.collectAllMetrics();
        if (version == InternalTelemetryVersion.LEGACY) {
            assertEquals(6, counter(metrics, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED))));
            assertEquals(5, counter(metrics, "processedSpans", a -> Boolean.FALSE.equals(a.get(DROPPED))));
            assertEquals(
                    "BatchSpanProcessor",
                    Recorded.metric(metrics, "processedSpans")
                            .getLongSumData()
                            .getPoints()
                            .iterator()
                            .next()
                            .getAttributes()
                            .get(io.opentelemetry.api.common.AttributeKey.stringKey("processorType")));
            assertEquals(4, counter(during, "queueSize", a -> true));
        } else {
            String processed = "otel.sdk.processor.span.processed";
            assertEquals(6, counter(metrics, processed, a -> "queue_full".equals(a.get(ERROR_TYPE))));
            assertEquals(5, counter(metrics, processed, a -> a.get(ERROR_TYPE) == null));
            Attributes attrs = Recorded.metric(metrics, processed)
                    .getLongSumData()
                    .getPoints()
                    .iterator()
                    .next()
                    .getAttributes();
            assertEquals(
                    "batching_span_processor",
                    attrs.get(io.opentelemetry.api.common.AttributeKey.stringKey("otel.component.type")));
            assertTrue(attrs.get(io.opentelemetry.api.common.AttributeKey.stringKey("otel.component.name"))
                    .startsWith("batching_span_processor/"));
            assertEquals(4, counter(during, "otel.sdk.processor.span.queue.size", a -> true));
            assertEquals(4, counter(metrics, "otel.sdk.processor.span.queue.capacity", a -> true));
            assertEquals("{span}", Recorded.metric(metrics, processed).getUnit());
        }
    }

    // ---------------------------------------------------------------------------------------
    // What upstream lacks.

    @ParameterizedTest
    @EnumSource(InternalTelemetryVersion.class)
    void spansEndedAfterShutdown_areCountedAsDropped_underBothVersions(InternalTelemetryVersion version) {
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(keepsSpansOnShutdown(memory))
                .setMeterProvider(meters)
                .setInternalTelemetryVersion(version)
                .build();
        Tracer t = tracer(p);
        end(t, "before");
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        endMany(t, 3);
        long dropped = version == InternalTelemetryVersion.LEGACY
                ? counter(reader, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED)))
                : counter(
                        reader, "otel.sdk.processor.span.processed", a -> "already_shutdown".equals(a.get(ERROR_TYPE)));
        assertEquals(3, dropped);
        assertEquals(Set.of("before"), names(memory.getFinishedSpanItems()));
    }

    /** Upstream: a span ended while shutdown() runs may stay queued after the final flush, uncounted. */
    @ParameterizedTest
    @EnumSource(InternalTelemetryVersion.class)
    void spansRacingShutdown_areEachExportedOnceOrCountedDropped(InternalTelemetryVersion version) throws Exception {
        for (int round = 0; round < 30; round++) {
            InMemorySpanExporter exporter = InMemorySpanExporter.create();
            InMemoryMetricReader roundReader = InMemoryMetricReader.create();
            SdkMeterProvider roundMeters =
                    SdkMeterProvider.builder().registerMetricReader(roundReader).build();
            MwsrSpanProcessor p = MwsrSpanProcessor.builder(keepsSpansOnShutdown(exporter))
                    .setScheduleDelay(1, TimeUnit.MILLISECONDS)
                    .setMaxQueueSize(64)
                    .setMaxExportBatchSize(8)
                    .setMeterProvider(roundMeters)
                    .setInternalTelemetryVersion(version)
                    .build();
            SdkTracerProvider provider =
                    SdkTracerProvider.builder().addSpanProcessor(p).build();
            Tracer t = provider.get("race");
            int threads = 3;
            int each = 300;
            CountDownLatch started = new CountDownLatch(threads);
            List<Thread> producers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String prefix = "t" + i + "-";
                producers.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    for (int k = 0; k < each; k++) {
                        end(t, prefix + k);
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
                    ? counter(metrics, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED)))
                    : counter(metrics, "otel.sdk.processor.span.processed", a -> a.get(ERROR_TYPE) != null);
            int exported = names(exporter.getFinishedSpanItems()).size();
            assertEquals(
                    threads * each,
                    exported + dropped,
                    "round " + round + ": exported " + exported + ", dropped " + dropped);
            provider.shutdown().join(20, TimeUnit.SECONDS);
            roundMeters.shutdown();
        }
    }

    /** Upstream: with a 500 ms timeout, forceFlush() and shutdown() had not completed 2,500 ms later. */
    @Test
    void forceFlushAndShutdown_completeUnsuccessfully_whenExportNeverReturns() throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(everyExportBlocks(gate))
                .setExporterTimeout(300, TimeUnit.MILLISECONDS)
                .setMeterProvider(meters)
                .build();
        Tracer t = tracer(p);
        end(t, "stuck in export");
        CompletableResultCode flush = p.forceFlush();
        gate.awaitEntered();
        end(t, "queued behind it");
        assertTrue(flush.join(20, TimeUnit.SECONDS).isDone(), "forceFlush never completed");
        assertFalse(flush.isSuccess());
        CompletableResultCode shutdown = p.shutdown();
        assertTrue(shutdown.join(20, TimeUnit.SECONDS).isDone(), "shutdown never completed");
        assertFalse(shutdown.isSuccess());
        // The span behind the stuck call was never exported: counted as dropped, not lost silently.
        assertEquals(1, counter(reader, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED))));
        assertEquals(1, counter(reader, "processedSpans", a -> Boolean.FALSE.equals(a.get(DROPPED))));
    }

    @Test
    void forceFlush_completesUnsuccessfully_whenTheExportResultNeverCompletes() {
        SpanExporter neverCompletes = new ForwardingExporter(memory) {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return new CompletableResultCode();
            }
        };
        Tracer t = tracer(MwsrSpanProcessor.builder(neverCompletes)
                .setExporterTimeout(200, TimeUnit.MILLISECONDS)
                .build());
        end(t, "never acknowledged");
        CompletableResultCode flush = tracerProvider.forceFlush();
        assertTrue(flush.join(20, TimeUnit.SECONDS).isDone());
        assertFalse(flush.isSuccess());
        CompletableResultCode shutdown = tracerProvider.shutdown();
        assertTrue(shutdown.join(20, TimeUnit.SECONDS).isDone());
    }

    /** Upstream: a second forceFlush() during a running flush completes before its own span is exported. */
    @Test
    void aSecondForceFlush_completesOnlyAfterItsOwnSpanIsExported() throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(firstExportBlocks(gate)).build();
        Tracer t = tracer(p);
        end(t, "first");
        CompletableResultCode firstFlush = p.forceFlush();
        gate.awaitEntered(); // "first" is inside export(), held there
        end(t, "second");
        CompletableResultCode secondFlush = p.forceFlush();
        // Completed by the callback itself: join() may return before another thread's callbacks ran.
        CompletableFuture<List<String>> seenAtCompletion = new CompletableFuture<>();
        secondFlush.whenComplete(() -> seenAtCompletion.complete(
                memory.getFinishedSpanItems().stream().map(SpanData::getName).toList()));
        assertFalse(secondFlush.isDone(), "completed while its span was still queued");
        gate.open();
        assertTrue(firstFlush.join(20, TimeUnit.SECONDS).isSuccess());
        assertTrue(secondFlush.join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(
                List.of("first", "second"),
                seenAtCompletion.get(20, TimeUnit.SECONDS),
                "completed before its span was exported");
    }

    /** Upstream: forceFlush() after shutdown() never completes. */
    @Test
    void forceFlush_afterShutdown_completesAtOnce() {
        MwsrSpanProcessor p = MwsrSpanProcessor.create(memory);
        assertTrue(p.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        CompletableResultCode flush = p.forceFlush();
        assertTrue(flush.isDone());
        assertTrue(flush.isSuccess());
    }

    /** OTel spec #5178: an opt-in blocking mode with a bound. */
    @Test
    void blockWhenFull_waitsForRoom_andDropsNothing() throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(firstExportBlocks(gate))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(4)
                .setMaxExportBatchSize(2)
                .setBlockWhenFull(LONG)
                .setMeterProvider(meters)
                .build();
        Tracer t = tracer(p);
        end(t, "held");
        gate.awaitEntered();
        Thread producer = Thread.ofPlatform().start(() -> endMany(t, 50)); // waits once 4 are queued
        await("the producer waits for room", () -> producer.getState() != Thread.State.RUNNABLE || !producer.isAlive());
        assertTrue(producer.isAlive(), "the producer finished 50 spans with the exporter held: it dropped");
        gate.open();
        producer.join();
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(51, names(memory.getFinishedSpanItems()).size());
        assertEquals(0, counter(reader, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED))));
    }

    @Test
    void blockWhenFull_dropsAndCounts_afterMaxWait() throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(firstExportBlocks(gate))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(2)
                .setMaxExportBatchSize(1)
                .setBlockWhenFull(Duration.ofMillis(50))
                .setMeterProvider(meters)
                .build();
        Tracer t = tracer(p);
        end(t, "held");
        gate.awaitEntered();
        endMany(t, 5); // 2 queued; 3 wait 50 ms each, then are dropped
        assertEquals(3, counter(reader, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED))));
        gate.open();
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(3, memory.getFinishedSpanItems().size());
    }

    @Test
    void anInterruptedProducer_losesNoSpan_andKeepsItsFlag() throws Exception {
        Tracer t = tracer(MwsrSpanProcessor.create(memory));
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread th = Thread.ofPlatform().start(() -> {
            Thread.currentThread().interrupt();
            end(t, "interrupted");
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        th.join();
        assertTrue(flagAfter.get());
        assertTrue(tracerProvider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("interrupted"), names(memory.getFinishedSpanItems()));
    }

    @Test
    void aProducerInterruptedWhileBlocked_losesNoSpan_andKeepsItsFlag() throws Exception {
        Gate gate = gate();
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(firstExportBlocks(gate))
                .setScheduleDelay(0, TimeUnit.MILLISECONDS)
                .setMaxQueueSize(1)
                .setMaxExportBatchSize(1)
                .setBlockWhenFull(LONG)
                .build();
        Tracer t = tracer(p);
        end(t, "held");
        gate.awaitEntered();
        end(t, "queued");
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread blocked = Thread.ofPlatform().start(() -> {
            end(t, "blocked");
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        await("the producer waits for room", () -> blocked.getState() == Thread.State.TIMED_WAITING);
        blocked.interrupt();
        gate.open();
        blocked.join();
        assertTrue(flagAfter.get(), "the interrupt flag was lost");
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(Set.of("held", "queued", "blocked"), names(memory.getFinishedSpanItems()));
    }

    @Test
    void tenThousandVirtualThreads_eachEndingOneSpan_areAllExportedOnce() throws Exception {
        MwsrSpanProcessor p = MwsrSpanProcessor.builder(memory)
                .setBlockWhenFull(LONG)
                .setMeterProvider(meters)
                .build();
        Tracer t = tracer(p);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String name = "v" + i;
            threads.add(Thread.ofVirtual().start(() -> end(t, name)));
        }
        for (Thread th : threads) {
            th.join();
        }
        assertTrue(p.forceFlush().join(20, TimeUnit.SECONDS).isSuccess());
        assertEquals(10_000, names(memory.getFinishedSpanItems()).size());
        assertEquals(0, counter(reader, "processedSpans", a -> Boolean.TRUE.equals(a.get(DROPPED))));
    }

    /** The producer's path (onEnd, the engine, the metrics, the warning) holds no monitor. */
    @Test
    void noSynchronized_inThisModulesCode() throws IOException {
        Path main = Path.of("src/main/java/dev/mwsr/otel");
        try (Stream<Path> files = Files.list(main)) {
            for (Path f : files.toList()) {
                String code =
                        Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
                assertFalse(code.contains("synchronized"), f + " uses synchronized");
            }
        }
    }

    private static void runThreads(int n, Runnable body) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(body));
        }
        for (Thread th : threads) {
            th.join();
        }
    }
}
