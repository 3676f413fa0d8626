/**
 * mwsr-opentelemetry: drop-in batch processors for the OpenTelemetry SDK, on mwsr's
 * {@code AsyncBuffer}. See {@link dev.mwsr.otel.MwsrSpanProcessor} and
 * {@link dev.mwsr.otel.MwsrLogRecordProcessor}.
 */
// The OpenTelemetry jars have no module descriptor: they are automatic modules, and their types are
// in this module's API (SpanProcessor, SpanExporter, MeterProvider), so they are required
// transitively. The autoconfigure SPI is optional (requires static): its component is found through
// META-INF/services on the class path, where SDK autoconfiguration runs.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.mwsr.otel {
    requires dev.mwsr.core;
    requires transitive io.opentelemetry.sdk.trace;
    requires transitive io.opentelemetry.sdk.logs;
    requires transitive io.opentelemetry.sdk.common;
    requires transitive io.opentelemetry.api;
    requires transitive io.opentelemetry.context;
    requires static io.opentelemetry.sdk.autoconfigure.spi;

    exports dev.mwsr.otel;
}
