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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Writers that do real work: each operation burns {@code work} tokens of CPU
 * ({@link Blackhole#consumeCPU}) and then writes one item, so the drainer can keep up and the score
 * is what {@code write} costs its caller. {@code impl=none} does the work alone: subtract its
 * time to get the cost of the write.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WorkBench {
    @Param({"none", "async", "buffer", "disruptor-blocking", "disruptor-yielding", "jctools", "abq", "synchronized"})
    public String impl;

    @Param({"100"})
    public int work;

    @Param("1024")
    public int capacity;

    private Sink sink;
    private final Tally tally = new Tally();

    /** One writer thread's count. */
    @State(Scope.Thread)
    public static class Counter {
        final Writer writer = new Writer();

        @Setup(Level.Trial)
        public void register(WorkBench bench) {
            bench.tally.register(writer);
        }
    }

    @Setup(Level.Trial)
    public void open() {
        sink = impl.equals("none") ? null : Sinks.create(impl, capacity);
    }

    @TearDown(Level.Trial)
    public void closeAndCheck() {
        if (sink != null) {
            Sinks.closeAndCheck(sink, tally.items());
        }
    }

    private void workThenWrite(Counter counter) {
        Blackhole.consumeCPU(work);
        if (sink != null) {
            sink.write(Sink.ITEM);
            counter.writer.items++;
        }
    }

    @Benchmark
    @Group("writers1")
    @GroupThreads(1)
    public void writers1(Counter counter) {
        workThenWrite(counter);
    }

    @Benchmark
    @Group("writers2")
    @GroupThreads(2)
    public void writers2(Counter counter) {
        workThenWrite(counter);
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Counter counter) {
        workThenWrite(counter);
    }
}
