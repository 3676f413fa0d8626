package dev.mwsr.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Lines of 100 bytes from 1 and 4 threads into one file. The score is lines accepted per
 * microsecond (times 100 for MB/s). {@code async-records} writes TFRecord records of 100-byte
 * payloads instead (116 bytes each in the file, see {@link RecordFileSink}). Every iteration writes a fresh file in {@code dir} (default:
 * {@code java.io.tmpdir}); after it, the sink is closed, the file must hold exactly the lines
 * written, and is deleted. Closing happens outside the measurement, so buffered implementations
 * get at most one buffer's worth of lines for free per iteration.
 *
 * <p>A sink whose file comes up short fails the iteration, with one exception: Log4j2 2.24.3 with
 * Disruptor 4.0.0 loses events when its ring buffer is full and several threads log (with
 * Disruptor 3.4.4 it does not; see the module README). Its missing lines are reported in the
 * {@code lostLines} counter instead, so that its speed can still be seen next to what it cost.
 *
 * <p>The {@code cpuNanos} and {@code cpuItems} counters are the process CPU time of each iteration
 * until its teardown and the lines written in it ({@link CpuClock}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class FileBench {
    @Param({
        "async-line",
        "async-block",
        "async-mmap",
        "async-appendClose",
        "buffer-block",
        "bytes-file",
        "async-records",
        "buffered-writer",
        "log4j2"
    })
    public String impl;

    @Param("1024")
    public int capacity;

    @Param("")
    public String dir;

    private LineSink sink;
    private Path file;
    private long writtenBefore;
    private final ConcurrentLinkedQueue<Counter> counters = new ConcurrentLinkedQueue<>();
    private final Tally tally = new Tally();

    /** One writer thread's count, and the lines the sink lost in this iteration (see above). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counter {
        final Writer writer = new Writer();
        Thread owner;

        /** Lines written but missing from the file; only Log4j2 may report any. */
        public long lostLines;

        @Setup(Level.Trial)
        public void register(FileBench bench) {
            bench.tally.register(writer);
            bench.counters.add(this);
            owner = Thread.currentThread();
        }
    }

    @Setup(Level.Iteration)
    public void open(CpuClock clock) throws IOException {
        Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
        file = Files.createTempFile(parent, "mwsr-jmh-" + impl + "-", ".log");
        writtenBefore = tally.items();
        sink = LineSinks.create(impl, file, capacity);
        clock.start(writtenBefore);
    }

    @TearDown(Level.Iteration)
    public void closeAndCheck(CpuClock clock) throws IOException {
        clock.stop(tally.items());
        try {
            sink.close();
            long lines = tally.items() - writtenBefore;
            long size = Files.size(file);
            int each = sink.bytesPerLine();
            long expected = lines * each;
            if (size < expected && impl.equals("log4j2") && size % each == 0) {
                ownCounter().lostLines += lines - size / each;
            } else if (size != expected) {
                throw new IllegalStateException(
                        impl + " wrote " + size + " bytes for " + lines + " lines of " + each + " bytes");
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * The counter of the writer thread running this teardown: JMH reads each thread's counters on
     * that thread after the teardown, so only the own counter is sure to be read after the update.
     */
    private Counter ownCounter() {
        for (Counter counter : counters) {
            if (counter.owner == Thread.currentThread()) {
                return counter;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread that is not a writer");
    }

    private void writeLine(Counter counter) {
        try {
            sink.write(LineSink.LINE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        counter.writer.items++;
    }

    @Benchmark
    @Group("writers1")
    @GroupThreads(1)
    public void writers1(Counter counter, CpuClock.Counter cpu) {
        writeLine(counter);
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Counter counter, CpuClock.Counter cpu) {
        writeLine(counter);
    }
}
