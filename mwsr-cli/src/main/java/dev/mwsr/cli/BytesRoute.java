package dev.mwsr.cli;

import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.Metrics;
import dev.mwsr.io.ByteChannelFlusher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code bytes} route: every thread encodes its line into its own reused {@code byte[]} and
 * writes it into one shared {@link ByteBatchBuffer} (writers copy in parallel into one region),
 * which a {@link ByteChannelFlusher} writes to the file one region per call.
 */
final class BytesRoute extends BenchRoute {
    /*
     * Implementation notes. ByteBatchBuffer counts bytes; every write is one whole line of
     * exactly lineBytes bytes and each write is atomic, so a batch holds whole lines only and
     * bytes / lineBytes is an exact line count: metrics() reports lines, as the items route does.
     * The buffer flushes inline, so a write's latency includes the flush when that writer filled
     * a region (and the wait when both regions are full): the footnote says so.
     */

    private final ByteBatchBuffer buffer;

    private BytesRoute(BenchOptions options, ByteChannelFlusher flusher, ByteBatchBuffer buffer) {
        super(options, flusher);
        this.buffer = buffer;
    }

    static BytesRoute open(BenchOptions o, Path file) throws IOException {
        ByteChannelFlusher flusher = o.fsync()
                ? ByteChannelFlusher.toFile(file, ByteChannelFlusher.Option.TRUNCATE, ByteChannelFlusher.Option.FSYNC)
                : ByteChannelFlusher.toFile(file, ByteChannelFlusher.Option.TRUNCATE);
        try {
            return new BytesRoute(o, flusher, new ByteBatchBuffer(o.capacity(), !o.heap(), flusher));
        } catch (RuntimeException | Error e) {
            flusher.close();
            throw e;
        }
    }

    @Override
    String describe() {
        return String.format(
                Locale.ROOT,
                "ByteBatchBuffer (2 %s regions of %,d B) ->" + " ByteChannelFlusher",
                options.heap() ? "heap" : "direct",
                options.capacity());
    }

    @Override
    String timedCall() {
        return "ByteBatchBuffer.write, which includes the inline flush when that writer filled a region";
    }

    @Override
    void writeLines(int thread, long count, LatencyHistogram latency) {
        byte[] line = new byte[options.lineBytes()];
        for (long i = 0; i < count; i++) {
            LineVerifier.encode(thread, i, line);
            long t0 = System.nanoTime();
            buffer.write(line);
            latency.record(System.nanoTime() - t0);
        }
    }

    @Override
    Metrics metrics() {
        Metrics m = buffer.metrics();
        long b = options.lineBytes();
        return new Metrics(
                m.enqueued() / b,
                m.written() / b,
                m.dropped(),
                m.pending() / b,
                m.batches(),
                m.failures(),
                m.lagNanos());
    }

    @Override
    void closeBuffer() {
        buffer.close();
    }
}
