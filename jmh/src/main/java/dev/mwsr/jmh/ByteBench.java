package dev.mwsr.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Pre-encoded 100-byte records from 1, 2 and 4 threads into one sink: {@code ByteBatchBuffer}
 * (two 64 KiB direct regions, writers copy in parallel, the writer that overflows a region
 * flushes it) against one {@code BufferedOutputStream} (64 KiB) shared by the same threads, each
 * record one {@code write} call on the stream's own lock ({@code buffered-stream}; its write
 * methods are {@code synchronized} on JDK 25) or, as code writing a record in several calls must,
 * inside {@code synchronized (out)} as well ({@code buffered-stream-sync}). The score is records per microsecond summed over the writers
 * (times 100 for MB/s); run with {@code -prof gc} for bytes allocated per record.
 *
 * <p>{@code sink=memory} measures the buffering itself: the ByteBatchBuffer's flusher only adds up
 * {@code remaining()}, the stream writes into an {@code OutputStream} that only counts.
 * {@code sink=file} writes a fresh file in {@code dir} (default {@code java.io.tmpdir}):
 * {@code ByteChannelFlusher.toFile(path, TRUNCATE)} against a {@code FileOutputStream}.
 *
 * <p>Every iteration opens a new sink; after it, the sink is closed (outside the measurement, so
 * each side gets at most one buffer's worth of records for free per iteration), and the sink must
 * have received exactly the bytes written (the counter, or the file's length), else the iteration
 * fails. The file is then deleted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ByteBench {
    /** The record every writer writes: {@link LineSink#LINE} and a newline, 100 ASCII bytes. */
    static final byte[] RECORD = (LineSink.LINE + "\n").getBytes(StandardCharsets.US_ASCII);

    @Param({"bytes", "buffered-stream", "buffered-stream-sync"})
    public String impl;

    @Param({"memory", "file"})
    public String sink;

    @Param("")
    public String dir;

    private RecordSink out;
    private Path file;
    private long writtenBefore;
    private final Tally tally = new Tally();

    /** One writer thread's count of records written. */
    @State(Scope.Thread)
    public static class Records {
        final Writer writer = new Writer();

        @Setup(Level.Trial)
        public void register(ByteBench bench) {
            bench.tally.register(writer);
        }
    }

    @Setup(Level.Iteration)
    public void open() throws IOException {
        if (RECORD.length != LineSink.LINE_BYTES) {
            throw new IllegalStateException("the record is " + RECORD.length + " bytes, not " + LineSink.LINE_BYTES);
        }
        file = switch (sink) {
            case "memory" -> null;
            case "file" ->
                Files.createTempFile(
                        Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir),
                        "mwsr-jmh-bytes-" + impl + "-",
                        ".log");
            default -> throw new IllegalArgumentException("unknown sink '" + sink + "': memory or file");
        };
        writtenBefore = tally.items();
        out = RecordSink.create(impl, file);
    }

    @TearDown(Level.Iteration)
    public void closeAndCheck() throws IOException {
        try {
            out.close();
            long expected = (tally.items() - writtenBefore) * RECORD.length;
            long received = file == null ? out.delivered() : Files.size(file);
            if (received != expected) {
                throw new IllegalStateException(
                        impl + " into " + sink + " received " + received + " bytes but " + expected + " were written");
            }
        } finally {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void writeRecord(Records records) {
        try {
            out.write(RECORD);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        records.writer.items++;
    }

    @Benchmark
    @Group("writers1")
    @GroupThreads(1)
    public void writers1(Records records) {
        writeRecord(records);
    }

    @Benchmark
    @Group("writers2")
    @GroupThreads(2)
    public void writers2(Records records) {
        writeRecord(records);
    }

    @Benchmark
    @Group("writers4")
    @GroupThreads(4)
    public void writers4(Records records) {
        writeRecord(records);
    }
}
