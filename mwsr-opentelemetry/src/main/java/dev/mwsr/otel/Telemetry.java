package dev.mwsr.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A processor's self-metrics, under the names and attributes the SDK's batch processors use for the
 * chosen {@link InternalTelemetryVersion}:
 *
 * <ul>
 *   <li>{@code LEGACY}: counter {@code processedSpans} / {@code processedLogs} with
 *       {@code processorType} and {@code dropped=true|false}; gauge {@code queueSize}.
 *   <li>{@code LATEST}: counter {@code otel.sdk.processor.{span,log}.processed} with
 *       {@code otel.component.type}, {@code otel.component.name} and, for a drop,
 *       {@code error.type=queue_full|already_shutdown|timeout}; up-down counters
 *       {@code ...queue.size} and {@code ...queue.capacity}.
 * </ul>
 *
 * <p>Two differences, both on purpose: an item refused after shutdown is counted as dropped under
 * {@code LEGACY} too ({@code dropped=true}; upstream does not count it at all), and an item given up
 * at shutdown because the exporter hung is counted as dropped ({@code error.type=timeout}). The
 * component name is {@code batching_span_processor/mwsr-N} so that it never equals an SDK processor's
 * {@code batching_span_processor/N} in the same JVM. Items are counted in the call that drops them
 * or hands them to the exporter.
 */
final class Telemetry {
    /*
     * The counter is built on first use, as upstream does (the meter provider may be a supplier that
     * is not ready when the processor is built). Two threads may build it at once: the SDK returns
     * the same instrument for the same name, so the race is benign and no lock is on a producer's
     * path.
     */
    private static final AttributeKey<String> PROCESSOR_TYPE = AttributeKey.stringKey("processorType");
    private static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");
    private static final AttributeKey<String> COMPONENT_TYPE = AttributeKey.stringKey("otel.component.type");
    private static final AttributeKey<String> COMPONENT_NAME = AttributeKey.stringKey("otel.component.name");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AtomicInteger NEXT_ID = new AtomicInteger();

    private final Signal signal;
    private final boolean legacy;
    private final Supplier<MeterProvider> meterProvider;
    private final Attributes finished;
    private final Attributes queueFull;
    private final Attributes alreadyShutdown;
    private final Attributes timedOut;
    private final Attributes queueAttributes;
    private volatile Meter meter;
    private volatile LongCounter processed;

    Telemetry(Signal signal, InternalTelemetryVersion version, Supplier<MeterProvider> meterProvider) {
        this.signal = signal;
        this.legacy = version == InternalTelemetryVersion.LEGACY;
        this.meterProvider = meterProvider;
        if (legacy) {
            Attributes dropped = Attributes.of(PROCESSOR_TYPE, signal.legacyProcessorType(), DROPPED, true);
            this.finished = Attributes.of(PROCESSOR_TYPE, signal.legacyProcessorType(), DROPPED, false);
            this.queueFull = dropped;
            this.alreadyShutdown = dropped;
            this.timedOut = dropped;
            this.queueAttributes = Attributes.of(PROCESSOR_TYPE, signal.legacyProcessorType());
        } else {
            String name = signal.componentType() + "/mwsr-" + NEXT_ID.getAndIncrement();
            this.finished = Attributes.of(COMPONENT_TYPE, signal.componentType(), COMPONENT_NAME, name);
            this.queueFull = finished.toBuilder().put(ERROR_TYPE, "queue_full").build();
            this.alreadyShutdown =
                    finished.toBuilder().put(ERROR_TYPE, "already_shutdown").build();
            this.timedOut = finished.toBuilder().put(ERROR_TYPE, "timeout").build();
            this.queueAttributes = finished;
        }
    }

    /** Items handed to the exporter. */
    void finished(int count) {
        processed().add(count, finished);
    }

    void droppedQueueFull(int count) {
        processed().add(count, queueFull);
    }

    void droppedAlreadyShutdown(int count) {
        processed().add(count, alreadyShutdown);
    }

    /** Items accepted and given up at shutdown because the exporter did not return in time. */
    void droppedTimedOut(int count) {
        processed().add(count, timedOut);
    }

    /** Registers the queue's gauges; called once, from the processor's constructor. */
    void queueGauges(long capacity, LongSupplier size) {
        if (legacy) {
            meter().gaugeBuilder("queueSize")
                    .ofLongs()
                    .setDescription("The number of items queued")
                    .setUnit("1")
                    .buildWithCallback(m -> m.record(size.getAsLong(), queueAttributes));
            return;
        }
        meter().upDownCounterBuilder(signal.semConvPrefix() + ".queue.capacity")
                .setUnit(signal.unit())
                .setDescription("The maximum number of " + signal.noun()
                        + " the queue of a given instance of an SDK processor can hold.")
                .buildWithCallback(m -> m.record(capacity, queueAttributes));
        meter().upDownCounterBuilder(signal.semConvPrefix() + ".queue.size")
                .setUnit(signal.unit())
                .setDescription(
                        "The number of " + signal.noun() + " in the queue of a given instance of an SDK processor.")
                .buildWithCallback(m -> m.record(size.getAsLong(), queueAttributes));
    }

    private LongCounter processed() {
        LongCounter c = processed;
        if (c == null) {
            c = legacy
                    ? meter().counterBuilder(signal.legacyCounter())
                            .setUnit("1")
                            .setDescription(signal.legacyDescription())
                            .build()
                    : meter().counterBuilder(signal.semConvPrefix() + ".processed")
                            .setUnit(signal.unit())
                            .setDescription("The number of " + signal.noun()
                                    + " for which the processing has finished, either successful or failed.")
                            .build();
            processed = c;
        }
        return c;
    }

    private Meter meter() {
        Meter m = meter;
        if (m == null) {
            m = meterProvider.get().get(signal.meterScope());
            meter = m;
        }
        return m;
    }
}
