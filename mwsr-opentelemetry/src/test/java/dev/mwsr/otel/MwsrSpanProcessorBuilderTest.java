package dev.mwsr.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessorBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The builder is a drop-in for BatchSpanProcessorBuilder: methods, defaults, validation. */
class MwsrSpanProcessorBuilderTest {
    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    @Test
    void hasEveryPublicMethodOfUpstreamsBuilder() {
        UpstreamParity.sameMethods(BatchSpanProcessorBuilder.class, MwsrSpanProcessorBuilder.class);
        UpstreamParity.sameMethods(BatchSpanProcessor.class, MwsrSpanProcessor.class);
    }

    @Test
    void defaults_areUpstreams() {
        Settings s = MwsrSpanProcessor.builder(exporter).settings();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(5000), s.scheduleDelayNanos());
        assertEquals(2048, s.maxQueueSize());
        assertEquals(512, s.maxExportBatchSize());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(30_000), s.exporterTimeoutNanos());
        assertEquals(0, s.blockWhenFullNanos());
        assertEquals(InternalTelemetryVersion.LEGACY, s.telemetryVersion());
        assertEquals(MeterProvider.noop(), s.meterProvider().get());
    }

    @Test
    void refusesWhatUpstreamRefuses_withTheSameExceptions() throws ReflectiveOperationException {
        Supplier<Object> theirs = () -> BatchSpanProcessor.builder(exporter);
        Supplier<Object> ours = () -> MwsrSpanProcessor.builder(exporter);
        Class<?>[] longUnit = {long.class, TimeUnit.class};
        Class<?>[] duration = {Duration.class};
        Class<?>[] integer = {int.class};
        for (String m : new String[] {"setScheduleDelay", "setExporterTimeout"}) {
            UpstreamParity.sameRefusal(theirs, ours, m, longUnit, -1L, TimeUnit.SECONDS);
            UpstreamParity.sameRefusal(theirs, ours, m, longUnit, 0L, TimeUnit.SECONDS);
            UpstreamParity.sameRefusal(theirs, ours, m, longUnit, 1L, null);
            UpstreamParity.sameRefusal(theirs, ours, m, duration, Duration.ofMillis(-1));
            UpstreamParity.sameRefusal(theirs, ours, m, duration, (Object) null);
        }
        for (String m : new String[] {"setMaxQueueSize", "setMaxExportBatchSize"}) {
            UpstreamParity.sameRefusal(theirs, ours, m, integer, 0);
            UpstreamParity.sameRefusal(theirs, ours, m, integer, -5);
            UpstreamParity.sameRefusal(theirs, ours, m, integer, 1);
        }
        UpstreamParity.sameRefusal(
                theirs, ours, "setMeterProvider", new Class<?>[] {MeterProvider.class}, (Object) null);
        UpstreamParity.sameRefusal(theirs, ours, "setMeterProvider", new Class<?>[] {Supplier.class}, (Object) null);
        UpstreamParity.sameRefusal(
                theirs, ours, "setInternalTelemetryVersion", new Class<?>[] {InternalTelemetryVersion.class}, (Object)
                        null);
        assertThrows(NullPointerException.class, () -> MwsrSpanProcessor.builder(null));
        assertThrows(NullPointerException.class, () -> MwsrSpanProcessor.create(null));
    }

    @Test
    void exporterTimeoutZero_meansNoLimit_asUpstream() {
        assertEquals(
                Long.MAX_VALUE,
                MwsrSpanProcessor.builder(exporter)
                        .setExporterTimeout(Duration.ZERO)
                        .settings()
                        .exporterTimeoutNanos());
    }

    @Test
    void aBatchLargerThanTheQueue_isCutToTheQueue_asUpstream() {
        Settings s = MwsrSpanProcessor.builder(exporter)
                .setMaxQueueSize(10)
                .setMaxExportBatchSize(100)
                .settings();
        assertEquals(10, s.maxExportBatchSize());
    }

    @Test
    void blockWhenFull_refusesNegativeAndNull() {
        MwsrSpanProcessorBuilder b = MwsrSpanProcessor.builder(exporter);
        assertThrows(IllegalArgumentException.class, () -> b.setBlockWhenFull(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> b.setBlockWhenFull(null));
        assertEquals(
                Duration.ofMillis(250).toNanos(),
                b.setBlockWhenFull(Duration.ofMillis(250)).settings().blockWhenFullNanos());
    }
}
