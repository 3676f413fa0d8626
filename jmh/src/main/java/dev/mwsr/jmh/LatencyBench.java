package dev.mwsr.jmh;

import java.util.concurrent.TimeUnit;
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
 * The distribution of one {@code write}'s latency to its caller under contention (2 and 4 writers
 * writing flat out): JMH samples individual calls, the JSON holds the percentiles. The tail shows
 * who waits for whom: inline flushes (Buffer, synchronized list), a full queue, a lock. The
 * {@code cpuNanos} and {@code cpuItems} counters are the process CPU time per iteration and the
 * items written in it ({@link CpuClock}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LatencyBench {
    @Param({"async", "buffer", "disruptor-blocking", "disruptor-yielding", "jctools", "abq", "synchronized"})
    public String impl;

    @Param("1024")
    public int capacity;

    private Sink sink;
    private final Tally tally = new Tally();

    /** One writer thread's count. */
    @State(Scope.Thread)
    public static class Counter {
        final Writer writer = new Writer();

        @Setup(Level.Trial)
        public void register(LatencyBench bench) {
            bench.tally.register(writer);
        }
    }

    @Setup(Level.Trial)
    public void open() {
        sink = Sinks.create(impl, capacity);
    }

    @Setup(Level.Iteration)
    public void startClock(CpuClock clock) {
        clock.start(tally.items());
    }

    @TearDown(Level.Iteration)
    public void stopClock(CpuClock clock) {
        clock.stop(tally.items());
    }

    @TearDown(Level.Trial)
    public void closeAndCheck() {
        Sinks.closeAndCheck(sink, tally.items());
    }

    @Benchmark
    @Group("writers2")
    @GroupThreads(2)
    public void writers2(Counter counter, CpuClock.Counter cpu) {
        sink.write(Sink.ITEM);
        counter.writer.items++;
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Counter counter, CpuClock.Counter cpu) {
        sink.write(Sink.ITEM);
        counter.writer.items++;
    }
}
