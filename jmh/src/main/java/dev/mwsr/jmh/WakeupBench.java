package dev.mwsr.jmh;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * End-to-end wake-up latency: after {@code idleMicros} of silence (outside the measurement, so the
 * consumer has gone idle: parked, blocked or, for the yielding Disruptor, still yielding), one
 * writer writes one item and spins until the consumer has delivered it. Each sample is the time
 * from the start of {@code write} to the consumer's release of its count, as seen by the writer.
 * Only consumers that run on their own thread are measured; {@code Buffer} flushes inline.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class WakeupBench {
    @Param({"async", "disruptor-blocking", "disruptor-yielding", "jctools", "abq"})
    public String impl;

    @Param("1000")
    public int idleMicros;

    @Param("1024")
    public int capacity;

    private Sink sink;
    private long written;

    @Setup(Level.Trial)
    public void open() {
        sink = Sinks.create(impl, capacity);
    }

    @TearDown(Level.Trial)
    public void closeAndCheck() {
        Sinks.closeAndCheck(sink, written);
    }

    /** Silence before each sample, long enough for the consumer to stop spinning. */
    @Setup(Level.Invocation)
    public void idle() {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(idleMicros));
    }

    @Benchmark
    public long writeAndAwait() {
        long target = ++written;
        sink.write(Sink.ITEM);
        long seen;
        while ((seen = sink.drain().deliveredAcquire()) < target) {
            Thread.onSpinWait();
        }
        return seen;
    }
}
