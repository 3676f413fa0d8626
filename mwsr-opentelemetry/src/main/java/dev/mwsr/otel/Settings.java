package dev.mwsr.otel;

import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The validated options of one processor, as the builders pass them to {@link ExportEngine}; and
 * the checks the two builders share, with upstream's messages and exception types.
 *
 * @param scheduleDelayNanos the longest rest between exports, 0 for "export as soon as items are there"
 * @param maxQueueSize the most items waiting (the batch in the exporter not counted)
 * @param maxExportBatchSize the most items in one {@code export} call, at most {@code maxQueueSize}
 * @param exporterTimeoutNanos how long one export may take; {@link Long#MAX_VALUE} for no limit
 * @param blockWhenFullNanos how long a producer waits for room; 0 for "drop at once"
 * @param meterProvider where the self-metrics go
 * @param telemetryVersion which names the self-metrics have
 */
record Settings(
        long scheduleDelayNanos,
        int maxQueueSize,
        int maxExportBatchSize,
        long exporterTimeoutNanos,
        long blockWhenFullNanos,
        Supplier<MeterProvider> meterProvider,
        InternalTelemetryVersion telemetryVersion) {

    static final int DEFAULT_MAX_QUEUE_SIZE = 2048;
    static final int DEFAULT_MAX_EXPORT_BATCH_SIZE = 512;
    static final long DEFAULT_EXPORT_TIMEOUT_MILLIS = 30_000;

    static long delayNanos(long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (delay < 0) {
            throw new IllegalArgumentException("delay must be non-negative");
        }
        return unit.toNanos(delay);
    }

    /** As upstream: 0 means no limit. */
    static long timeoutNanos(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout must be non-negative");
        }
        return timeout == 0 ? Long.MAX_VALUE : unit.toNanos(timeout);
    }

    static int positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive.");
        }
        return value;
    }

    static long maxWaitNanos(Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must be non-negative, was " + maxWait);
        }
        return maxWait.toNanos();
    }

    /**
     * As upstream's {@code build()}: a batch larger than the queue is cut to the queue's size with a
     * warning, not refused.
     */
    static int batchWithinQueue(int maxExportBatchSize, int maxQueueSize, System.Logger logger) {
        if (maxExportBatchSize > maxQueueSize) {
            logger.log(
                    System.Logger.Level.WARNING,
                    "maxExportBatchSize should not exceed maxQueueSize. Setting maxExportBatchSize to {0} instead of {1}",
                    maxQueueSize,
                    maxExportBatchSize);
            return maxQueueSize;
        }
        return maxExportBatchSize;
    }
}
