package dev.mwsr.otel;

/**
 * What differs between the span and the log record processor's self-metrics and messages: the
 * names upstream gives them, so that dashboards built on the SDK's processors keep working.
 *
 * @param meterScope the instrumentation scope of the meter
 * @param legacyCounter the legacy counter's name
 * @param legacyDescription the legacy counter's description
 * @param legacyProcessorType the legacy {@code processorType} attribute's value
 * @param semConvPrefix the prefix of the latest names, e.g. {@code otel.sdk.processor.span}
 * @param unit the latest instruments' unit
 * @param noun the items' name in descriptions and warnings
 * @param componentType the {@code otel.component.type} attribute's value
 */
record Signal(
        String meterScope,
        String legacyCounter,
        String legacyDescription,
        String legacyProcessorType,
        String semConvPrefix,
        String unit,
        String noun,
        String componentType) {

    static final Signal SPANS = new Signal(
            "io.opentelemetry.sdk.trace",
            "processedSpans",
            "The number of spans processed by the BatchSpanProcessor. "
                    + "[dropped=true if they were dropped due to high throughput]",
            "BatchSpanProcessor",
            "otel.sdk.processor.span",
            "{span}",
            "spans",
            "batching_span_processor");

    static final Signal LOGS = new Signal(
            "io.opentelemetry.sdk.logs",
            "processedLogs",
            "The number of logs processed by the BatchLogRecordProcessor. "
                    + "[dropped=true if they were dropped due to high throughput]",
            "BatchLogRecordProcessor",
            "otel.sdk.processor.log",
            "{log_record}",
            "log records",
            "batching_log_processor");
}
