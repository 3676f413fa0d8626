package dev.mwsr.cli;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Metrics;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code items} route: every line a {@code String}, through one {@link AsyncBuffer} (BLOCK
 * overflow, so nothing may be dropped) into the chosen {@link FileFlusher}, which encodes it.
 */
final class ItemsRoute extends BenchRoute {
    private final AsyncBuffer<String> buffer;

    private ItemsRoute(BenchOptions options, FileFlusher<CharSequence> flusher, AsyncBuffer<String> buffer) {
        super(options, flusher);
        this.buffer = buffer;
    }

    static ItemsRoute open(BenchOptions o, Path file) throws IOException {
        FileFlusher.Options options = FileFlusher.Options.DEFAULT
                .truncate()
                .withBufferSize(o.bufferSize())
                .withFsync(o.fsync());
        FileFlusher<CharSequence> flusher =
                switch (o.flusher()) {
                    case "line" -> FileFlusher.line(file, options);
                    case "mmap" -> FileFlusher.mmap(file, options);
                    case "appendClose" -> FileFlusher.appendClose(file, options);
                    default -> FileFlusher.block(file, options);
                };
        try {
            AsyncBuffer.Builder<String> builder = AsyncBuffer.<String>builder(flusher)
                    .capacity(o.capacity())
                    .maxBatch(o.maxBatch())
                    .mode(AsyncBuffer.Mode.valueOf(o.mode().toUpperCase(Locale.ROOT)))
                    .overflow(AsyncBuffer.OverflowPolicy.BLOCK);
            if (o.mode().equals("loop")) {
                builder.interval(o.interval());
            }
            return new ItemsRoute(o, flusher, builder.build());
        } catch (RuntimeException e) {
            flusher.close();
            throw e;
        }
    }

    @Override
    String describe() {
        return String.format(
                Locale.ROOT,
                "AsyncBuffer -> %s flusher, mode %s, capacity %d lines," + " max batch %d lines",
                options.flusher(),
                options.mode(),
                options.capacity(),
                options.maxBatch());
    }

    @Override
    String timedCall() {
        return "AsyncBuffer.write";
    }

    @Override
    void writeLines(int thread, long count, LatencyHistogram latency) {
        for (long i = 0; i < count; i++) {
            String line = LineVerifier.line(thread, i, options.lineBytes());
            long t0 = System.nanoTime();
            buffer.write(line);
            latency.record(System.nanoTime() - t0);
        }
    }

    @Override
    Metrics metrics() {
        return buffer.metrics();
    }

    @Override
    void closeBuffer() {
        buffer.close();
    }
}
