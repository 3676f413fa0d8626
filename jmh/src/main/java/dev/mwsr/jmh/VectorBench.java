package dev.mwsr.jmh;

import java.util.Arrays;
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
 * Atomic groups: each operation writes {@code n} items that must arrive contiguous. mwsr's
 * {@code writeV(T...)} against the Disruptor's {@code next(n)}/{@code publish(lo, hi)} and a
 * synchronized list. The score is groups per microsecond (multiply by {@code n} for items).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class VectorBench {
    @Param({"async", "buffer", "disruptor-blocking", "disruptor-yielding", "synchronized"})
    public String impl;

    @Param({"2", "8"})
    public int n;

    @Param("1024")
    public int capacity;

    private Sink sink;
    private Long[] group;
    private final Tally tally = new Tally();

    /** One writer thread's count. */
    @State(Scope.Thread)
    public static class Counter {
        final Writer writer = new Writer();

        @Setup(Level.Trial)
        public void register(VectorBench bench) {
            bench.tally.register(writer);
        }
    }

    @Setup(Level.Trial)
    public void open() {
        sink = Sinks.create(impl, capacity);
        group = new Long[n];
        Arrays.fill(group, Sink.ITEM);
    }

    @TearDown(Level.Trial)
    public void closeAndCheck() {
        Sinks.closeAndCheck(sink, tally.items());
    }

    @Benchmark
    @Group("writers1")
    @GroupThreads(1)
    public void writers1(Counter counter) {
        sink.writeV(group);
        counter.writer.items += n;
    }

    @Benchmark
    @Group("writers2")
    @GroupThreads(2)
    public void writers2(Counter counter) {
        sink.writeV(group);
        counter.writer.items += n;
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Counter counter) {
        sink.writeV(group);
        counter.writer.items += n;
    }
}
