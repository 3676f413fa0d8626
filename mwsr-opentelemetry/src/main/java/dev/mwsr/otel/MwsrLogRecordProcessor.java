package dev.mwsr.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.LogRecordProcessor;
import io.opentelemetry.sdk.logs.ReadWriteLogRecord;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.util.Objects;

/**
 * A drop-in for the SDK's {@code BatchLogRecordProcessor}, with the promises of
 * {@link MwsrSpanProcessor} (exact accounting, bounded waits, opt-in blocking, lock-free and
 * interrupt-safe producers) for log records: every record passed to {@link #onEmit} is handed to
 * {@link LogRecordExporter#export} exactly once or counted as dropped. Options, defaults and
 * self-metrics are upstream's (see {@link MwsrLogRecordProcessorBuilder}); the queue is mwsr's
 * lock-free one where upstream's log processor still uses an {@code ArrayBlockingQueue}.
 *
 * <p>Threads: {@code onEmit} may be called from any thread; the exporter is called by the buffer's
 * drainer thread only, never concurrently with itself and never with an empty batch. Actions of a
 * thread before {@code onEmit(record)} happen-before the {@code export} call holding it. The record
 * is converted with {@code toLogRecordData()} on the drainer, as upstream does: do not change it
 * after emitting it.
 */
public final class MwsrLogRecordProcessor implements LogRecordProcessor {
    private static final System.Logger LOGGER = System.getLogger(MwsrLogRecordProcessor.class.getName());

    private final LogRecordExporter exporter;
    private final ExportEngine<ReadWriteLogRecord, LogRecordData> engine;

    MwsrLogRecordProcessor(LogRecordExporter exporter, Settings settings) {
        this.exporter = exporter;
        this.engine = new ExportEngine<>(
                settings,
                Signal.LOGS,
                LOGGER,
                ReadWriteLogRecord::toLogRecordData,
                exporter::export,
                exporter::shutdown);
    }

    /**
     * A builder with upstream's defaults.
     *
     * @param logRecordExporter where the batches go
     * @return a new builder
     * @throws NullPointerException if {@code logRecordExporter} is null
     */
    public static MwsrLogRecordProcessorBuilder builder(LogRecordExporter logRecordExporter) {
        return new MwsrLogRecordProcessorBuilder(logRecordExporter);
    }

    /**
     * A processor with upstream's defaults: {@code builder(logRecordExporter).build()}.
     *
     * @param logRecordExporter where the batches go
     * @return a new processor
     * @throws NullPointerException if {@code logRecordExporter} is null
     */
    public static MwsrLogRecordProcessor create(LogRecordExporter logRecordExporter) {
        Objects.requireNonNull(logRecordExporter, "logRecordExporter");
        return builder(logRecordExporter).build();
    }

    @Override
    public void onEmit(Context context, ReadWriteLogRecord logRecord) {
        if (logRecord == null) {
            return;
        }
        engine.add(logRecord);
    }

    /**
     * {@inheritDoc}
     *
     * <p>As {@link MwsrSpanProcessor#shutdown()}, for log records.
     */
    @Override
    public CompletableResultCode shutdown() {
        return engine.shutdown();
    }

    /**
     * {@inheritDoc}
     *
     * <p>As {@link MwsrSpanProcessor#forceFlush()}, for log records.
     */
    @Override
    public CompletableResultCode forceFlush() {
        return engine.forceFlush();
    }

    /**
     * The exporter this processor was built with.
     *
     * @return the exporter
     */
    public LogRecordExporter getLogRecordExporter() {
        return exporter;
    }

    @Override
    public String toString() {
        return "MwsrLogRecordProcessor{logRecordExporter=" + exporter + ", " + engine + '}';
    }
}
