package dev.mwsr.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.Collection;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Test helpers: reading the self-metrics, waiting for a condition (generously, polling). */
final class Recorded {
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Boolean> DROPPED = AttributeKey.booleanKey("dropped");

    private Recorded() {}

    /** The sum of a counter's points whose attributes pass {@code filter}; 0 if absent. */
    static long counter(InMemoryMetricReader reader, String name, Predicate<Attributes> filter) {
        return counter(reader.collectAllMetrics(), name, filter);
    }

    static long counter(Collection<MetricData> metrics, String name, Predicate<Attributes> filter) {
        long sum = 0;
        for (MetricData m : metrics) {
            if (m.getName().equals(name)) {
                Collection<LongPointData> points = m.getType() == MetricDataType.LONG_GAUGE
                        ? m.getLongGaugeData().getPoints()
                        : m.getLongSumData().getPoints();
                for (LongPointData p : points) {
                    if (filter.test(p.getAttributes())) {
                        sum += p.getValue();
                    }
                }
            }
        }
        return sum;
    }

    static MetricData metric(Collection<MetricData> metrics, String name) {
        return metrics.stream()
                .filter(m -> m.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name + " in " + metrics));
    }

    /** Polls {@code condition} until it holds; fails after 20 s (CI machines are slow, never that slow). */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }
}
