package dev.mwsr.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Objects;

/**
 * A drop-in for the SDK's {@code BatchSpanProcessor}: ended spans are queued and exported in
 * batches by one background (virtual) thread, with the same options, defaults, batching, capacity
 * rule and self-metrics (see {@link MwsrSpanProcessorBuilder}); and beyond it:
 *
 * <ul>
 *   <li><b>Exact accounting.</b> Every span passed to {@link #onEnd} (and sampled, or with
 *       {@code setExportUnsampledSpans(true)}) is handed to {@link SpanExporter#export} exactly once
 *       or counted as dropped in the self-metrics ({@code queue_full}; {@code already_shutdown}, under
 *       both telemetry versions; {@code timeout} when shutdown gives up on a hung exporter), also
 *       when it races {@link #shutdown()}. Never exported twice.
 *   <li><b>Bounded waits.</b> {@link #forceFlush()} and {@link #shutdown()} complete, unsuccessfully,
 *       once one {@code export} call has run for the exporter timeout, even if it never returns or
 *       never completes its result (the call is left alone, never interrupted). A
 *       {@code forceFlush()} completes only after the spans ended before it are exported (or
 *       dropped), also while another flush runs; it fails if an export in between failed or timed
 *       out. After {@code shutdown()}, {@code forceFlush()} returns shutdown's result.
 *   <li><b>Opt-in blocking</b>: {@link MwsrSpanProcessorBuilder#setBlockWhenFull}.
 *   <li><b>Producers</b> never lock ({@code onEnd} is one lock-free offer), never lose a span to
 *       an interrupt, and keep their interrupt flag.
 * </ul>
 *
 * <p>Threads: {@code onEnd} may be called from any thread; the exporter is called by the buffer's
 * drainer thread only, never concurrently with itself and never with an empty batch. Actions of a
 * thread before {@code onEnd(span)} happen-before the {@code export} call holding it. {@code
 * shutdown()} ends the drainer (unless an export call never returns: that call's thread stays until
 * it does) and then calls the exporter's {@code shutdown()}.
 */
public final class MwsrSpanProcessor implements SpanProcessor {
    private static final System.Logger LOGGER = System.getLogger(MwsrSpanProcessor.class.getName());

    private final SpanExporter exporter;
    private final boolean exportUnsampledSpans;
    private final ExportEngine<ReadableSpan, SpanData> engine;

    MwsrSpanProcessor(SpanExporter exporter, boolean exportUnsampledSpans, Settings settings) {
        this.exporter = exporter;
        this.exportUnsampledSpans = exportUnsampledSpans;
        this.engine = new ExportEngine<>(
                settings, Signal.SPANS, LOGGER, ReadableSpan::toSpanData, exporter::export, exporter::shutdown);
    }

    /**
     * A builder with upstream's defaults.
     *
     * @param spanExporter where the batches go
     * @return a new builder
     * @throws NullPointerException if {@code spanExporter} is null
     */
    public static MwsrSpanProcessorBuilder builder(SpanExporter spanExporter) {
        return new MwsrSpanProcessorBuilder(spanExporter);
    }

    /**
     * A processor with upstream's defaults: {@code builder(spanExporter).build()}.
     *
     * @param spanExporter where the batches go
     * @return a new processor
     * @throws NullPointerException if {@code spanExporter} is null
     */
    public static MwsrSpanProcessor create(SpanExporter spanExporter) {
        Objects.requireNonNull(spanExporter, "spanExporter");
        return builder(spanExporter).build();
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span == null || (!exportUnsampledSpans && !span.getSpanContext().isSampled())) {
            return;
        }
        engine.add(span);
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Refuses later spans (counted as dropped, {@code already_shutdown}), exports everything
     * accepted, then shuts the exporter down. Completes unsuccessfully if an export call ran for the
     * exporter timeout (the spans never handed over are then counted as dropped, {@code timeout}),
     * if an export failed, or if the exporter's shutdown failed or took longer than the timeout.
     * Idempotent: every call returns the same result.
     */
    @Override
    public CompletableResultCode shutdown() {
        return engine.shutdown();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Completes when every span ended before this call has been handed to the exporter and its
     * export has completed: successfully if no export failed or timed out meanwhile. Completes
     * unsuccessfully once an export call has run for the exporter timeout. After
     * {@link #shutdown()}, returns shutdown's result.
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
    public SpanExporter getSpanExporter() {
        return exporter;
    }

    @Override
    public String toString() {
        return "MwsrSpanProcessor{spanExporter=" + exporter + ", exportUnsampledSpans=" + exportUnsampledSpans + ", "
                + engine + '}';
    }
}
