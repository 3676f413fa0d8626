package dev.mwsr.jmh;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
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
 * Saturated producer throughput: 1, 2 or 4 writer threads call {@code write} as fast as they can
 * into one sink of the same capacity, and its consumer delivers every item in batches. The score
 * is {@code write} calls per microsecond summed over the writers; the trial fails if the sink did
 * not deliver exactly the items written (less those its overflow policy dropped). The
 * {@code dropped} counter is the rate of items a dropping policy discarded ({@code async-drop}):
 * delivered items per microsecond are the score minus it. Run with {@code -prof gc} for bytes per
 * write. The {@code cpuNanos} and {@code cpuItems} counters are the process CPU time per iteration
 * and the items delivered in it ({@link CpuClock}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ThroughputBench {
    @Param({
        "async",
        "async-platform",
        "async-drop",
        "buffer",
        "disruptor-blocking",
        "disruptor-yielding",
        "disruptor-sleeping",
        "jctools",
        "abq",
        "synchronized"
    })
    public String impl;

    @Param("1024")
    public int capacity;

    /** What the consumer does with each batch: {@code noop} reads it; {@code file} also writes it (Drain). */
    @Param({"noop", "file"})
    public String sink;

    private Sink target;
    private final Tally tally = new Tally();

    /** One writer thread's count, and the items dropped in this iteration (see above). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counter {
        final Writer writer = new Writer();
        Thread owner;

        /** Items the sink's overflow policy discarded, reported on one writer's counter. */
        public long dropped;

        @Setup(Level.Trial)
        public void register(ThroughputBench bench) {
            bench.tally.register(writer);
            bench.counters.add(this);
            owner = Thread.currentThread();
        }
    }

    private final ConcurrentLinkedQueue<Counter> counters = new ConcurrentLinkedQueue<>();
    private long droppedBefore;

    @Setup(Level.Trial)
    public void open() {
        target = Sinks.create(impl, capacity, sink);
    }

    @Setup(Level.Iteration)
    public void markDropped(CpuClock clock) {
        droppedBefore = target.dropped();
        clock.start(tally.items() - droppedBefore);
    }

    /**
     * Puts this iteration's drops on the counter of the thread running the teardown: JMH reads
     * each thread's counters on that thread after the teardown.
     */
    @TearDown(Level.Iteration)
    public void reportDropped(CpuClock clock) {
        long droppedNow = target.dropped();
        clock.stop(tally.items() - droppedNow);
        long dropped = droppedNow - droppedBefore;
        for (Counter counter : counters) {
            if (counter.owner == Thread.currentThread()) {
                counter.dropped += dropped;
                return;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread that is not a writer");
    }

    @TearDown(Level.Trial)
    public void closeAndCheck() {
        Sinks.closeAndCheck(target, tally.items());
    }

    @Benchmark
    @Group("writers1")
    @GroupThreads(1)
    public void writers1(Counter counter, CpuClock.Counter cpu) {
        target.write(Sink.ITEM);
        counter.writer.items++;
    }

    @Benchmark
    @Group("writers2")
    @GroupThreads(2)
    public void writers2(Counter counter, CpuClock.Counter cpu) {
        target.write(Sink.ITEM);
        counter.writer.items++;
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Counter counter, CpuClock.Counter cpu) {
        target.write(Sink.ITEM);
        counter.writer.items++;
    }
}
