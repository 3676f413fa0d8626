package dev.mwsr.otel;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/** Records every span without sampling it: what setExportUnsampledSpans is about. */
final class RecordOnlySampler implements Sampler {
    @Override
    public SamplingResult shouldSample(
            Context parentContext,
            String traceId,
            String name,
            SpanKind spanKind,
            Attributes attributes,
            List<LinkData> parentLinks) {
        return SamplingResult.create(SamplingDecision.RECORD_ONLY);
    }

    @Override
    public String getDescription() {
        return "RecordOnly";
    }
}
