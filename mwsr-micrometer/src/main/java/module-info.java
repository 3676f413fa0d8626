/**
 * mwsr-micrometer: Micrometer meters for mwsr buffers. See {@link dev.mwsr.micrometer.MwsrMetrics}.
 */
// micrometer-core has no module descriptor: it is the automatic module micrometer.core. Its types
// are in this module's API (MeterBinder, MeterRegistry, Tag), so it is required transitively.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.mwsr.micrometer {
    requires transitive dev.mwsr.core;
    requires transitive micrometer.core;

    exports dev.mwsr.micrometer;
}
