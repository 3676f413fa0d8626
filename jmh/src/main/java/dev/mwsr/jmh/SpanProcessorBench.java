package dev.mwsr.jmh;

import dev.mwsr.otel.MwsrSpanProcessor;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Spans ended per microsecond from 1, 2 and 4 threads through the OpenTelemetry SDK
 * ({@code SdkTracerProvider}, always sampling) into a batch span processor with its defaults
 * (queue 2048, batch 512, delay 5 s, as upstream's {@code BatchSpanProcessorMultiThreadBenchmark}
 * and {@code ...DroppedSpansBenchmark} measure):
 * <ul>
 *   <li>{@code otel}: the SDK's {@code BatchSpanProcessor};
 *   <li>{@code mwsr}: {@link MwsrSpanProcessor}, drop when full (upstream's behaviour);
 *   <li>{@code mwsr-block}: {@link MwsrSpanProcessor} with {@code setBlockWhenFull(10 s)}.
 * </ul>
 * The exporter either returns at once ({@code instant}) or takes 1 ms per batch ({@code 1ms}); it
 * only counts. Counters, per microsecond like the score: {@code exported} (spans the exporter got
 * during the iteration) and {@code dropped} (spans ended but never exported, counted after the
 * processor's shutdown at the end of the iteration, outside the measurement). The score is what
 * producers manage to end, dropped or not: compare {@code exported} between implementations, and
 * {@code dropped}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SpanProcessorBench {
    @Param({"otel", "mwsr", "mwsr-block"})
    public String impl;

    @Param({"instant", "1ms"})
    public String exporter;

    private final CountingExporter counting = new CountingExporter();
    private final ConcurrentLinkedQueue<Counts> counts = new ConcurrentLinkedQueue<>();
    private final Tally tally = new Tally();
    private SdkTracerProvider provider;
    private Tracer tracer;
    private long endedBefore;
    private long exportedBefore;

    /** One producer thread's ended spans, and the iteration's exported and dropped spans. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        final Writer writer = new Writer();
        Thread owner;

        /** Spans the exporter received during the iteration (one thread reports the total). */
        public long exported;

        /** Spans ended and never exported, not even by the shutdown at the iteration's end. */
        public long dropped;

        @Setup(Level.Trial)
        public void register(SpanProcessorBench bench) {
            bench.tally.register(writer);
            bench.counts.add(this);
            owner = Thread.currentThread();
        }
    }

    /** Counts the spans it gets; with {@code 1ms}, each batch takes a millisecond. */
    static final class CountingExporter implements SpanExporter {
        final AtomicLong spans = new AtomicLong();
        volatile boolean slow;

        @Override
        public CompletableResultCode export(Collection<SpanData> batch) {
            if (slow) {
                LockSupport.parkNanos(1_000_000);
            }
            spans.addAndGet(batch.size());
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Setup(Level.Iteration)
    public void start() {
        counting.slow = switch (exporter) {
            case "instant" -> false;
            case "1ms" -> true;
            default -> throw new IllegalArgumentException("unknown exporter " + exporter);
        };
        SpanProcessor processor =
                switch (impl) {
                    case "otel" -> BatchSpanProcessor.builder(counting).build();
                    case "mwsr" -> MwsrSpanProcessor.builder(counting).build();
                    case "mwsr-block" ->
                        MwsrSpanProcessor.builder(counting)
                                .setBlockWhenFull(Duration.ofSeconds(10))
                                .build();
                    default -> throw new IllegalArgumentException("unknown impl " + impl);
                };
        provider = SdkTracerProvider.builder().addSpanProcessor(processor).build();
        tracer = provider.get("bench");
        endedBefore = tally.items();
        exportedBefore = counting.spans.get();
    }

    @TearDown(Level.Iteration)
    public void stopAndCount() {
        long exportedDuring = counting.spans.get() - exportedBefore;
        CompletableResultCode done = provider.shutdown().join(60, TimeUnit.SECONDS);
        if (!done.isDone()) {
            throw new IllegalStateException(impl + ": shutdown did not complete in 60 s");
        }
        long ended = tally.items() - endedBefore;
        long exportedAll = counting.spans.get() - exportedBefore;
        if (exportedAll > ended) {
            throw new IllegalStateException(impl + " exported " + exportedAll + " spans for " + ended + " ended");
        }
        Counts mine = ownCounts();
        mine.exported += exportedDuring;
        mine.dropped += ended - exportedAll;
    }

    /** The counts of the thread running this teardown (JMH reads them on that thread afterwards). */
    private Counts ownCounts() {
        for (Counts c : counts) {
            if (c.owner == Thread.currentThread()) {
                return c;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread that is not a producer");
    }

    private void end(Counts c) {
        tracer.spanBuilder("bench").startSpan().end();
        c.writer.items++;
    }

    @Benchmark
    @Group("threads1")
    @GroupThreads(1)
    public void threads1(Counts c) {
        end(c);
    }

    @Benchmark
    @Group("threads2")
    @GroupThreads(2)
    public void threads2(Counts c) {
        end(c);
    }

    @Benchmark
    @Group("threads4")
    @GroupThreads(4)
    public void threads4(Counts c) {
        end(c);
    }
}
