package dev.mwsr.io.cli;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Metrics;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bench}: M platform threads write N lines through one {@link AsyncBuffer} into a file
 * flusher, timing every {@code write} call; then the file is verified and a table printed.
 */
final class BenchCommand {
    /*
     * Implementation notes.
     *
     * Each writer builds its line before starting the clock, so the latency is that of write()
     * alone (admission into the queue, or waiting for room under BLOCK overflow), recorded in a
     * per-thread histogram merged at the end. The run's elapsed time ends after the buffer's and
     * the flusher's close(): every line is then in the file (and forced, with --fsync). The
     * overflow policy is BLOCK so that nothing may be dropped and verification can demand every
     * line. The writer threads are joined before close(), the progress thread is joined by its
     * close(), and the buffer's drainer by the buffer's close(): no thread outlives run().
     */

    private BenchCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (UsageException e) {
            err.println("bench: " + e.getMessage());
            err.println("try: bench --help");
            return 2;
        }
        if (o.help()) {
            out.print(BenchOptions.USAGE);
            return 0;
        }
        Path file = o.file();
        boolean temporary = file == null;
        try {
            if (temporary) {
                file = Files.createTempFile("mwsr-bench-", ".txt");
            }
            return bench(o, file, out, err);
        } catch (IOException | RuntimeException e) {
            err.println("bench: failed: " + e);
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                err.println("  caused by: " + c);
            }
            return 1;
        } finally {
            if (temporary && !o.keep() && file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    err.println("bench: cannot delete " + file + ": " + e);
                }
            }
        }
    }

    private static int bench(BenchOptions o, Path file, PrintStream out, PrintStream err)
            throws IOException {
        out.printf(Locale.ROOT, "mwsr bench: %d threads, %,d lines of %d B, flusher %s, mode %s,"
                + " capacity %d, max batch %d%s%n  file %s%n", o.threads(), o.items(),
                o.lineBytes(), o.flusher(), o.mode(), o.capacity(), o.maxBatch(),
                o.fsync() ? ", fsync" : "", file);
        FileFlusher.Options options = FileFlusher.Options.DEFAULT.truncate()
                .withBufferSize(o.bufferSize()).withFsync(o.fsync());
        LatencyHistogram latency = new LatencyHistogram();
        Metrics metrics;
        long elapsed;
        FileFlusher<CharSequence> flusher = open(o.flusher(), file, options);
        try {
            AsyncBuffer.Builder<String> builder = AsyncBuffer.<String>builder(flusher)
                    .capacity(o.capacity())
                    .maxBatch(o.maxBatch())
                    .mode(AsyncBuffer.Mode.valueOf(o.mode().toUpperCase(Locale.ROOT)))
                    .overflow(AsyncBuffer.OverflowPolicy.BLOCK);
            if (o.mode().equals("loop")) {
                builder.interval(o.interval());
            }
            AsyncBuffer<String> buffer = builder.build();
            Progress progress = Progress.startIf(o.progress() && Progress.onTerminal(), err,
                    o.items(), () -> buffer.metrics().written());
            long start = System.nanoTime();
            try (buffer) {
                write(o, buffer, latency);
            } finally {
                if (progress != null) {
                    progress.close();
                }
            }
            metrics = buffer.metrics();
            flusher.close();
            elapsed = System.nanoTime() - start;
        } finally {
            flusher.close(); // idempotent; releases the file if the run failed
        }
        LineVerifier.Result check = LineVerifier.verify(file, perThread(o), o.lineBytes());
        long size = Files.size(file);
        if (!check.ok()) {
            out.println("verify: FAILED: " + check.problem());
            err.println("bench: verification failed: " + check.problem());
            return 1;
        }
        out.printf(Locale.ROOT, "verify: ok: %,d lines, %,d bytes (= file size %,d), order per"
                + " thread ok, no padding%n%n", check.lines(), check.bytes(), size);
        table(out, o, metrics, elapsed, size, latency);
        return 0;
    }

    private static FileFlusher<CharSequence> open(String kind, Path file, FileFlusher.Options options) {
        return switch (kind) {
            case "line" -> FileFlusher.line(file, options);
            case "mmap" -> FileFlusher.mmap(file, options);
            case "appendClose" -> FileFlusher.appendClose(file, options);
            default -> FileFlusher.block(file, options);
        };
    }

    private static long[] perThread(BenchOptions o) {
        long[] counts = new long[o.threads()];
        for (int t = 0; t < counts.length; t++) {
            counts[t] = o.itemsOf(t);
        }
        return counts;
    }

    /** Runs the writers, joins them, merges their histograms; rethrows a writer's failure. */
    private static void write(BenchOptions o, AsyncBuffer<String> buffer, LatencyHistogram into) {
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        List<LatencyHistogram> histograms = new ArrayList<>();
        for (int t = 0; t < o.threads(); t++) {
            int id = t;
            long count = o.itemsOf(t);
            LatencyHistogram h = new LatencyHistogram();
            histograms.add(h);
            writers.add(Thread.ofPlatform().name("mwsr-bench-writer-" + t).start(() -> {
                try {
                    go.await();
                    for (long i = 0; i < count; i++) {
                        String line = LineVerifier.line(id, i, o.lineBytes());
                        long t0 = System.nanoTime();
                        buffer.write(line);
                        h.record(System.nanoTime() - t0);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        boolean interrupted = false;
        for (Thread w : writers) {
            while (true) {
                try {
                    w.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (LatencyHistogram h : histograms) {
            into.add(h);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static void table(PrintStream out, BenchOptions o, Metrics m, long elapsedNanos,
            long bytes, LatencyHistogram latency) {
        double seconds = elapsedNanos / 1e9;
        String[][] rows = {
            {"items", String.format(Locale.ROOT, "%,d", m.written())},
            {"elapsed s", String.format(Locale.ROOT, "%.3f", seconds)},
            {"items/s", String.format(Locale.ROOT, "%,.0f", m.written() / seconds)},
            {"MB/s", String.format(Locale.ROOT, "%,.1f", bytes / seconds / 1e6)},
            {"batches", String.format(Locale.ROOT, "%,d", m.batches())},
            {"mean batch size", String.format(Locale.ROOT, "%,.1f",
                    m.batches() == 0 ? 0.0 : (double) m.written() / m.batches())},
            {"write p50 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.50))},
            {"write p99 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.99))},
            {"write p999 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.999))},
            {"write max ns", String.format(Locale.ROOT, "%,d", latency.max())},
            {"dropped", String.format(Locale.ROOT, "%,d", m.dropped())},
        };
        out.println("| metric          |            value |");
        out.println("|-----------------|------------------|");
        for (String[] r : rows) {
            out.printf(Locale.ROOT, "| %-15s | %16s |%n", r[0], r[1]);
        }
        out.printf(Locale.ROOT, "(%s flusher, %s mode, %d threads; latency = time inside"
                + " AsyncBuffer.write, 3%% bucket precision)%n", o.flusher(), o.mode(), o.threads());
    }
}
