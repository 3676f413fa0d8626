package dev.mwsr.otel;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Options for a {@link MwsrSpanProcessor}: every public method of the SDK's {@code BatchSpanProcessorBuilder}, with the same
 * names, parameter types, defaults and validation (exception types and messages), plus
 * {@link #setBlockWhenFull(Duration)}. Not thread-safe.
 */
public final class MwsrSpanProcessorBuilder {
    static final long DEFAULT_SCHEDULE_DELAY_MILLIS = 5000;
    private static final System.Logger LOGGER = System.getLogger(MwsrSpanProcessorBuilder.class.getName());

    private final SpanExporter spanExporter;
    private boolean exportUnsampledSpans;
    private long scheduleDelayNanos = TimeUnit.MILLISECONDS.toNanos(DEFAULT_SCHEDULE_DELAY_MILLIS);
    private int maxQueueSize = Settings.DEFAULT_MAX_QUEUE_SIZE;
    private int maxExportBatchSize = Settings.DEFAULT_MAX_EXPORT_BATCH_SIZE;
    private long exporterTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(Settings.DEFAULT_EXPORT_TIMEOUT_MILLIS);
    private long blockWhenFullNanos;
    private Supplier<MeterProvider> meterProvider = MeterProvider::noop;
    private InternalTelemetryVersion telemetryVersion = InternalTelemetryVersion.LEGACY;

    MwsrSpanProcessorBuilder(SpanExporter spanExporter) {
        this.spanExporter = Objects.requireNonNull(spanExporter, "spanExporter");
    }

    /**
     * Whether spans that are recorded but not sampled are exported too. Default false.
     *
     * @param exportUnsampledSpans true to export unsampled spans
     * @return this builder
     */
    public MwsrSpanProcessorBuilder setExportUnsampledSpans(boolean exportUnsampledSpans) {
        this.exportUnsampledSpans = exportUnsampledSpans;
        return this;
    }

    /**
     * The longest rest between two exports: after an export the next one waits this long, unless
     * {@code maxExportBatchSize} items are waiting or a flush is asked for. Default {@value
     * #DEFAULT_SCHEDULE_DELAY_MILLIS} ms; 0 exports as soon as items are there.
     *
     * @param delay the delay, not negative
     * @param unit its unit
     * @return this builder
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws NullPointerException if {@code unit} is null
     */
    public MwsrSpanProcessorBuilder setScheduleDelay(long delay, TimeUnit unit) {
        scheduleDelayNanos = Settings.delayNanos(delay, unit);
        return this;
    }

    /**
     * As {@link #setScheduleDelay(long, TimeUnit)}.
     *
     * @param delay the delay, not negative
     * @return this builder
     * @throws IllegalArgumentException if {@code delay} is negative
     * @throws NullPointerException if {@code delay} is null
     */
    public MwsrSpanProcessorBuilder setScheduleDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        return setScheduleDelay(delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * How long one export may take: the longest wait for an export's result, and the bound of
     * {@code forceFlush()} and {@code shutdown()} on an export call that hangs. Default 30 s; 0
     * means no limit (as upstream).
     *
     * @param timeout the timeout, not negative
     * @param unit its unit
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code unit} is null
     */
    public MwsrSpanProcessorBuilder setExporterTimeout(long timeout, TimeUnit unit) {
        exporterTimeoutNanos = Settings.timeoutNanos(timeout, unit);
        return this;
    }

    /**
     * As {@link #setExporterTimeout(long, TimeUnit)}.
     *
     * @param timeout the timeout, not negative
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws NullPointerException if {@code timeout} is null
     */
    public MwsrSpanProcessorBuilder setExporterTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return setExporterTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The most items waiting to be exported; while one batch is in the exporter, this many more
     * are accepted. Beyond it items are dropped (and counted), or wait with
     * {@link #setBlockWhenFull(Duration)}. Default 2048, at most 2<sup>30</sup>.
     *
     * @param maxQueueSize positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public MwsrSpanProcessorBuilder setMaxQueueSize(int maxQueueSize) {
        this.maxQueueSize = Settings.positive(maxQueueSize, "maxQueueSize");
        return this;
    }

    /**
     * The most items in one export. Default 512. A value above {@code maxQueueSize} is cut to it
     * by {@link #build()} with a warning, as upstream does.
     *
     * @param maxExportBatchSize positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public MwsrSpanProcessorBuilder setMaxExportBatchSize(int maxExportBatchSize) {
        this.maxExportBatchSize = Settings.positive(maxExportBatchSize, "maxExportBatchSize");
        return this;
    }

    /**
     * Where the self-metrics go. Default: none (a no-op provider).
     *
     * @param meterProvider the provider
     * @return this builder
     * @throws NullPointerException if null
     */
    public MwsrSpanProcessorBuilder setMeterProvider(MeterProvider meterProvider) {
        Objects.requireNonNull(meterProvider, "meterProvider");
        this.meterProvider = () -> meterProvider;
        return this;
    }

    /**
     * Where the self-metrics go, asked for when first needed.
     *
     * @param meterProvider supplies the provider
     * @return this builder
     * @throws NullPointerException if null
     */
    public MwsrSpanProcessorBuilder setMeterProvider(Supplier<MeterProvider> meterProvider) {
        this.meterProvider = Objects.requireNonNull(meterProvider, "meterProvider");
        return this;
    }

    /**
     * Which names the self-metrics have: {@code LEGACY} (the default, as upstream) or
     * {@code LATEST} (the semantic conventions' {@code otel.sdk.processor.*}).
     *
     * @param telemetryVersion the version
     * @return this builder
     * @throws NullPointerException if null
     */
    public MwsrSpanProcessorBuilder setInternalTelemetryVersion(InternalTelemetryVersion telemetryVersion) {
        this.telemetryVersion = Objects.requireNonNull(telemetryVersion, "telemetryVersion");
        return this;
    }

    /**
     * Opt-in blocking (not in upstream): a producer that finds the queue full waits up to
     * {@code maxWait} for room; then the item is dropped and counted as {@code queue_full}. An
     * interrupt does not shorten the wait or lose the item; the flag stays set. Default
     * {@link Duration#ZERO}: drop at once, as upstream.
     *
     * @param maxWait the longest wait, not negative
     * @return this builder
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws NullPointerException if {@code maxWait} is null
     */
    public MwsrSpanProcessorBuilder setBlockWhenFull(Duration maxWait) {
        blockWhenFullNanos = Settings.maxWaitNanos(maxWait);
        return this;
    }

    /**
     * Starts a processor (and its drainer thread).
     *
     * @return the processor
     */
    public MwsrSpanProcessor build() {
        return new MwsrSpanProcessor(spanExporter, exportUnsampledSpans, settings());
    }

    /** The options as the processor gets them (tests read the defaults here). */
    Settings settings() {
        return new Settings(
                scheduleDelayNanos,
                maxQueueSize,
                Settings.batchWithinQueue(maxExportBatchSize, maxQueueSize, LOGGER),
                exporterTimeoutNanos,
                blockWhenFullNanos,
                meterProvider,
                telemetryVersion);
    }
}
