package dev.mwsr.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The machine's ceiling for {@link FileBench}: one thread writing 64 KiB direct buffers of
 * already-encoded lines to a {@link FileChannel}, no encoding, no hand-off. The score is in lines
 * per microsecond like FileBench's (each invocation writes {@value #LINES} lines).
 *
 * <p>{@code encodeChunk} is the one-thread encoding ceiling: the same thread encodes
 * {@value #LINES} {@code String}s with the JDK's fastest public encoder
 * ({@code String.getBytes(UTF_8)}, an array copy for all-ASCII compact strings, allocating one
 * array per line) into the same direct buffer and writes it: what one thread with the lines in
 * hand can get into the file, with no hand-off between threads.
 *
 * <p>The {@code cpuNanos} and {@code cpuItems} counters are the process CPU time per iteration and
 * the lines written in it ({@link CpuClock}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class FileCeilingBench {
    static final int LINES = 65536 / LineSink.LINE_BYTES;

    @Param("")
    public String dir;

    private final ByteBuffer chunk = ByteBuffer.allocateDirect(LINES * LineSink.LINE_BYTES);
    private FileChannel channel;
    private Path file;
    /** Lines written so far; one thread writes it (the class runs {@code @Threads(1)}). */
    private long lines;

    @Setup(Level.Trial)
    public void encode() {
        byte[] line = (LineSink.LINE + "\n").getBytes(StandardCharsets.UTF_8);
        if (line.length != LineSink.LINE_BYTES) {
            throw new IllegalStateException("the line is " + line.length + " bytes, not " + LineSink.LINE_BYTES);
        }
        for (int i = 0; i < LINES; i++) {
            chunk.put(line);
        }
        chunk.flip();
    }

    @Setup(Level.Iteration)
    public void open(CpuClock clock) throws IOException {
        Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
        file = Files.createTempFile(parent, "mwsr-jmh-ceiling-", ".log");
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        clock.start(lines);
    }

    @TearDown(Level.Iteration)
    public void close(CpuClock clock) throws IOException {
        clock.stop(lines);
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private final ByteBuffer encodeInto = ByteBuffer.allocateDirect(LINES * LineSink.LINE_BYTES);

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int encodeChunk(CpuClock.Counter cpu) throws IOException {
        ByteBuffer bytes = encodeInto.clear();
        for (int i = 0; i < LINES; i++) {
            bytes.put(LineSink.LINE.getBytes(StandardCharsets.UTF_8)).put((byte) '\n');
        }
        bytes.flip();
        int n = 0;
        while (bytes.hasRemaining()) {
            n += channel.write(bytes);
        }
        lines += LINES;
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int writeChunk(CpuClock.Counter cpu) throws IOException {
        ByteBuffer bytes = chunk.duplicate();
        int n = 0;
        while (bytes.hasRemaining()) {
            n += channel.write(bytes);
        }
        lines += LINES;
        return n;
    }
}
