package dev.mwsr.otel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SDK autoconfiguration picks the mwsr processors by a property and honours otel.bsp.* / otel.blrp.*. */
@Timeout(60)
class MwsrAutoConfigurationTest {

    private static OpenTelemetrySdk sdk(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "otel.traces.exporter", "memory",
                "otel.logs.exporter", "memory",
                "otel.metrics.exporter", "none"));
        props.putAll(extra);
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> props)
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
    }

    private static boolean sdkWorkerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("BatchSpanProcessor_WorkerThread")
                        || t.getName().startsWith("BatchLogRecordProcessor_WorkerThread"));
    }

    @Test
    void enabled_replacesTheSdksBatchProcessors_withTheStandardProperties() throws Exception {
        OpenTelemetrySdk sdk = sdk(Map.of(
                MwsrAutoConfiguration.ENABLED,
                "true",
                "otel.bsp.max.queue.size",
                "100",
                "otel.bsp.max.export.batch.size",
                "10",
                "otel.bsp.schedule.delay",
                "250ms",
                "otel.bsp.export.timeout",
                "7s",
                "otel.blrp.max.queue.size",
                "300",
                MwsrAutoConfiguration.BLOCK_WHEN_FULL,
                "2s"));
        try {
            String traces = sdk.getSdkTracerProvider().toString();
            assertTrue(traces.contains("MwsrSpanProcessor{"), traces);
            assertTrue(
                    traces.contains("maxQueueSize=100, maxExportBatchSize=10, exporterTimeoutNanos=7000000000"),
                    traces);
            assertTrue(traces.contains("scheduleDelayNanos=250000000"), traces);
            assertTrue(traces.contains("blockWhenFullNanos=2000000000"), traces);
            String logs = sdk.getSdkLoggerProvider().toString();
            assertTrue(logs.contains("MwsrLogRecordProcessor{"), logs);
            assertTrue(logs.contains("maxQueueSize=300"), logs);
            // The retired SDK processor's thread ends by itself shortly after its shutdown completed.
            Recorded.await("the replaced SDK processors' threads end", () -> !sdkWorkerThreadAlive());

            sdk.getTracer("t").spanBuilder("through autoconfigure").startSpan().end();
            sdk.getSdkLoggerProvider()
                    .get("l")
                    .logRecordBuilder()
                    .setBody("through autoconfigure")
                    .emit();
            assertTrue(sdk.getSdkTracerProvider()
                    .forceFlush()
                    .join(20, TimeUnit.SECONDS)
                    .isSuccess());
            assertTrue(sdk.getSdkLoggerProvider()
                    .forceFlush()
                    .join(20, TimeUnit.SECONDS)
                    .isSuccess());
            assertEquals(1, MemoryExporters.spans.getFinishedSpanItems().size());
            assertEquals(1, MemoryExporters.logs.getFinishedLogRecordItems().size());
        } finally {
            assertTrue(sdk.shutdown().join(20, TimeUnit.SECONDS).isSuccess());
        }
        // The SDK's shutdown reached the exporters through the mwsr processors (the wrappers let it).
        assertEquals(0, MemoryExporters.spans.getFinishedSpanItems().size(), "exporter was not shut down");
    }

    @Test
    void offByDefault_theSdksProcessorsStay() {
        OpenTelemetrySdk sdk = sdk(Map.of());
        try {
            assertTrue(sdk.getSdkTracerProvider().toString().contains("BatchSpanProcessor{"));
            assertFalse(sdk.getSdkTracerProvider().toString().contains("Mwsr"));
        } finally {
            sdk.shutdown().join(20, TimeUnit.SECONDS);
        }
    }
}
