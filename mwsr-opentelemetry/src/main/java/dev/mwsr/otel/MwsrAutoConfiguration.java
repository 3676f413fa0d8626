package dev.mwsr.otel;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * SDK autoconfiguration (the {@code opentelemetry-sdk-extension-autoconfigure} module, also what
 * the Java agent uses): with {@code otel.java.mwsr.enabled=true}, every {@code BatchSpanProcessor}
 * and {@code BatchLogRecordProcessor} that autoconfiguration builds is replaced by a
 * {@link MwsrSpanProcessor} / {@link MwsrLogRecordProcessor} on the same exporters, configured from
 * the same properties:
 *
 * <ul>
 *   <li>{@code otel.bsp.schedule.delay} (5000 ms), {@code otel.bsp.max.queue.size} (2048),
 *       {@code otel.bsp.max.export.batch.size} (512), {@code otel.bsp.export.timeout} (30000 ms);
 *   <li>{@code otel.blrp.schedule.delay} (1000 ms), {@code otel.blrp.max.queue.size} (2048),
 *       {@code otel.blrp.max.export.batch.size} (512), {@code otel.blrp.export.timeout} (30000 ms);
 *   <li>{@code otel.java.mwsr.block.when.full}: {@link MwsrSpanProcessorBuilder#setBlockWhenFull}
 *       for both (default 0: drop at once).
 * </ul>
 *
 * <p>Found by {@link java.util.ServiceLoader} on the class path (META-INF/services); off unless the
 * property says so. The SDK's processor that is replaced is shut down at once (it has exported
 * nothing yet) without shutting its exporter down: the exporters are wrapped so that the retired
 * processor's {@code shutdown()} does not reach them. Not wired: the self-metrics (autoconfiguration
 * does not hand its meter provider to customizers), so they are off here.
 */
// The SPI module is optional (requires static): only services that autoconfigure have it, and they
// never see this class but through ServiceLoader.
@SuppressWarnings("exports")
public final class MwsrAutoConfiguration implements AutoConfigurationCustomizerProvider {
    /** The switch: {@value}, a boolean, default false. */
    public static final String ENABLED = "otel.java.mwsr.enabled";
    /** How long a producer waits for room before its item is dropped: {@value}, a duration, default 0. */
    public static final String BLOCK_WHEN_FULL = "otel.java.mwsr.block.when.full";

    /** Called by {@link java.util.ServiceLoader}. */
    public MwsrAutoConfiguration() {}

    @Override
    public void customize(AutoConfigurationCustomizer customizer) {
        List<Retirable> wrapped = new CopyOnWriteArrayList<>(); // this configuration run's exporters
        customizer.addSpanExporterCustomizer((exporter, config) -> {
            if (!config.getBoolean(ENABLED, false)) {
                return exporter;
            }
            RetirableSpanExporter r = new RetirableSpanExporter(exporter);
            wrapped.add(r);
            return r;
        });
        customizer.addLogRecordExporterCustomizer((exporter, config) -> {
            if (!config.getBoolean(ENABLED, false)) {
                return exporter;
            }
            RetirableLogRecordExporter r = new RetirableLogRecordExporter(exporter);
            wrapped.add(r);
            return r;
        });
        customizer.addSpanProcessorCustomizer((processor, config) -> {
            if (!config.getBoolean(ENABLED, false) || !(processor instanceof BatchSpanProcessor sdk)) {
                return processor;
            }
            retire(sdk::shutdown, wrapped);
            return MwsrSpanProcessor.builder(sdk.getSpanExporter())
                    .setScheduleDelay(config.getDuration("otel.bsp.schedule.delay", Duration.ofMillis(5000)))
                    .setMaxQueueSize(config.getInt("otel.bsp.max.queue.size", Settings.DEFAULT_MAX_QUEUE_SIZE))
                    .setMaxExportBatchSize(
                            config.getInt("otel.bsp.max.export.batch.size", Settings.DEFAULT_MAX_EXPORT_BATCH_SIZE))
                    .setExporterTimeout(config.getDuration(
                            "otel.bsp.export.timeout", Duration.ofMillis(Settings.DEFAULT_EXPORT_TIMEOUT_MILLIS)))
                    .setBlockWhenFull(blockWhenFull(config))
                    .build();
        });
        customizer.addLogRecordProcessorCustomizer((processor, config) -> {
            if (!config.getBoolean(ENABLED, false) || !(processor instanceof BatchLogRecordProcessor sdk)) {
                return processor;
            }
            retire(sdk::shutdown, wrapped);
            return MwsrLogRecordProcessor.builder(sdk.getLogRecordExporter())
                    .setScheduleDelay(config.getDuration("otel.blrp.schedule.delay", Duration.ofMillis(1000)))
                    .setMaxQueueSize(config.getInt("otel.blrp.max.queue.size", Settings.DEFAULT_MAX_QUEUE_SIZE))
                    .setMaxExportBatchSize(
                            config.getInt("otel.blrp.max.export.batch.size", Settings.DEFAULT_MAX_EXPORT_BATCH_SIZE))
                    .setExporterTimeout(config.getDuration(
                            "otel.blrp.export.timeout", Duration.ofMillis(Settings.DEFAULT_EXPORT_TIMEOUT_MILLIS)))
                    .setBlockWhenFull(blockWhenFull(config))
                    .build();
        });
    }

    private static Duration blockWhenFull(ConfigProperties config) {
        return config.getDuration(BLOCK_WHEN_FULL, Duration.ZERO);
    }

    /** Shuts the SDK's processor (and its thread) down while its exporters ignore shutdown. */
    private static void retire(Supplier<CompletableResultCode> shutdown, List<Retirable> exporters) {
        exporters.forEach(e -> e.holdShutdown(true));
        try {
            shutdown.get().join(10, TimeUnit.SECONDS);
        } finally {
            exporters.forEach(e -> e.holdShutdown(false));
        }
    }

    private interface Retirable {
        void holdShutdown(boolean hold);
    }

    /** Forwards everything; while held, {@code shutdown()} is not forwarded. */
    private static final class RetirableSpanExporter implements SpanExporter, Retirable {
        private final SpanExporter delegate;
        private volatile boolean held;

        RetirableSpanExporter(SpanExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void holdShutdown(boolean hold) {
            held = hold;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return delegate.export(spans);
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return held ? CompletableResultCode.ofSuccess() : delegate.shutdown();
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }

    /** Forwards everything; while held, {@code shutdown()} is not forwarded. */
    private static final class RetirableLogRecordExporter implements LogRecordExporter, Retirable {
        private final LogRecordExporter delegate;
        private volatile boolean held;

        RetirableLogRecordExporter(LogRecordExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public void holdShutdown(boolean hold) {
            held = hold;
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            return delegate.export(logs);
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return held ? CompletableResultCode.ofSuccess() : delegate.shutdown();
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
