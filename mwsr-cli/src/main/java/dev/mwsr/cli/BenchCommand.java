package dev.mwsr.cli;

import dev.mwsr.Metrics;
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
 * {@code bench}: M platform threads write N lines by one {@link BenchRoute} (an
 * {@code AsyncBuffer} and a file flusher, or a {@code ByteBatchBuffer} and a channel flusher)
 * into a file, timing every {@code write} call; then the file is verified and a table printed.
 */
final class BenchCommand {
    /*
     * Implementation notes.
     *
     * Each writer builds its line before starting the clock, so the latency is that of write()
     * alone (admission into the queue or the region, waiting for room, and for the bytes route
     * the inline flush of the writer that filled a region), recorded in a per-thread histogram
     * merged at the end. The run's elapsed time ends after the route's close(), that is the
     * buffer's and then the flusher's: every line is then in the file (and forced, with --fsync).
     * Neither route may drop a line (AsyncBuffer with BLOCK overflow; ByteBatchBuffer never
     * drops), so verification demands every line. The writer threads are joined before close(),
     * the progress thread is joined by its close(), and AsyncBuffer's drainer by the buffer's
     * close(), which the route's try-with-resources runs on failure too: no thread outlives run().
     * The routes count in lines, so one table serves both; a batch is one flusher call, and as
     * every line is lineBytes long its mean size is given in lines and in bytes.
     *
     * Warm-up: the ceiling is one thread in a loop that the JIT compiles at once, while a short
     * run of the route spends much of its time interpreted and compiling (0.6 s of the default
     * run), so "% of ceiling" would mostly measure the JIT. So before the timed run the same
     * route writes --warmup lines (default min(items, 200,000)) into a scratch file beside the
     * file, untimed and unverified, with its own buffer, flusher and threads, and the file is
     * deleted. A file that is not a regular file in an existing directory (a device, a missing
     * directory) gets no warm-up: there is no file system beside it to write a scratch file in.
     */

    private BenchCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (UsageException e) {
            err.println("bench: " + e.getMessage() + " (see bench --help)");
            return Main.USAGE_ERROR;
        }
        if (o.help()) {
            out.print(BenchOptions.USAGE);
            return Main.OK;
        }
        Path file = o.file();
        boolean temporary = file == null;
        try {
            if (temporary) {
                file = Files.createTempFile("mwsr-bench-", ".txt");
            }
            return bench(o, file, out, err);
        } catch (UsageException e) {
            err.println("bench: " + e.getMessage() + " (see bench --help)");
            return Main.USAGE_ERROR;
        } catch (IOException | RuntimeException e) {
            // One line: the file and what the system said; no cause chain, no API words.
            err.println(CliErrors.line("bench", file, e));
            return Main.FAILED;
        } catch (OutOfMemoryError e) {
            err.println("bench: out of memory (" + e.getMessage() + "): lower --capacity or --threads, or give the"
                    + " JVM more memory (-Xmx, -XX:MaxDirectMemorySize)");
            return Main.FAILED;
        } finally {
            if (temporary && !o.keep() && file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    err.println(CliErrors.line("bench: cannot delete the temporary file", file, e));
                }
            }
        }
    }

    /** Opens the route; a configuration the buffer refuses is a usage error, not a failure. */
    private static BenchRoute open(BenchOptions o, Path file) throws IOException, UsageException {
        try {
            return o.bytesRoute() ? BytesRoute.open(o, file) : ItemsRoute.open(o, file);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int bench(BenchOptions o, Path file, PrintStream out, PrintStream err)
            throws IOException, UsageException {
        LatencyHistogram latency = new LatencyHistogram();
        Metrics lines;
        long elapsed;
        String footnote;
        long warmed = warmUp(o, file);
        try (BenchRoute route = open(o, file)) {
            out.printf(
                    Locale.ROOT,
                    "mwsr bench: %d threads, %,d lines of %d B, route %s%s%n" + "  %s%n  file %s%n",
                    o.threads(),
                    o.items(),
                    o.lineBytes(),
                    o.route(),
                    o.fsync() ? ", fsync" : "",
                    route.describe(),
                    file);
            out.println(
                    warmed > 0
                            ? String.format(
                                    Locale.ROOT,
                                    "  warm-up: %,d lines written first the same way, untimed, into a scratch file"
                                            + " beside it (deleted)",
                                    warmed)
                            : "  warm-up: none, so the timed run includes the JIT's warm-up (the ceiling is"
                                    + " measured warm)");
            Progress progress =
                    Progress.startIf(o.progress() && Progress.onTerminal(), err, o.items(), () -> route.metrics()
                            .written());
            long start = System.nanoTime();
            try {
                write(o, route, latency);
                route.finish();
            } finally {
                if (progress != null) {
                    progress.close();
                }
            }
            elapsed = System.nanoTime() - start;
            lines = route.metrics();
            footnote = route.timedCall();
        }
        LineVerifier.Result check = LineVerifier.verify(file, perThread(o), o.lineBytes());
        long size = Files.size(file);
        if (!check.ok()) {
            out.println("verify: FAILED: " + check.problem());
            err.println("bench: " + file + ": verification failed: " + check.problem());
            return Main.FAILED;
        }
        out.printf(
                Locale.ROOT,
                "verify: ok: %,d lines, %,d bytes (= file size %,d), order per" + " thread ok, no padding%n%n",
                check.lines(),
                check.bytes(),
                size);
        Ceiling ceiling = Ceiling.measure(file, size, o.lineBytes(), o.fsync());
        table(out, o, lines, elapsed, size, latency, footnote, ceiling);
        return Main.OK;
    }

    /** Runs the warm-up pass (see the notes); returns the lines it wrote, 0 if none. */
    private static long warmUp(BenchOptions o, Path file) throws IOException, UsageException {
        Path dir = file.toAbsolutePath().getParent();
        boolean besideIt = dir != null && Files.isDirectory(dir) && (!Files.exists(file) || Files.isRegularFile(file));
        if (o.warmup() == 0 || !besideIt) {
            return 0;
        }
        BenchOptions pass = o.warmupPass(o.warmup());
        Path scratch = Files.createTempFile(dir, ".mwsr-warmup-", ".tmp");
        try {
            try (BenchRoute route = open(pass, scratch)) {
                write(pass, route, new LatencyHistogram());
                route.finish();
            }
        } finally {
            Files.deleteIfExists(scratch);
        }
        return pass.items();
    }

    private static long[] perThread(BenchOptions o) {
        long[] counts = new long[o.threads()];
        for (int t = 0; t < counts.length; t++) {
            counts[t] = o.itemsOf(t);
        }
        return counts;
    }

    /** Runs the writers, joins them, merges their histograms; rethrows a writer's failure. */
    private static void write(BenchOptions o, BenchRoute route, LatencyHistogram into) {
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
                    route.writeLines(id, count, h);
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

    private static void table(
            PrintStream out,
            BenchOptions o,
            Metrics m,
            long elapsedNanos,
            long bytes,
            LatencyHistogram latency,
            String timedCall,
            Ceiling ceiling) {
        double seconds = elapsedNanos / 1e9;
        double bytesPerSecond = bytes / seconds;
        double meanLines = m.batches() == 0 ? 0.0 : (double) m.written() / m.batches();
        String[][] rows = {
            {"items", String.format(Locale.ROOT, "%,d", m.written())},
            {"elapsed s", String.format(Locale.ROOT, "%.3f", seconds)},
            {"items/s", String.format(Locale.ROOT, "%,.0f", m.written() / seconds)},
            {"MB/s", String.format(Locale.ROOT, "%,.1f", bytes / seconds / 1e6)},
            {"batches", String.format(Locale.ROOT, "%,d", m.batches())},
            {"mean batch lines", String.format(Locale.ROOT, "%,.1f", meanLines)},
            {"mean batch bytes", String.format(Locale.ROOT, "%,.0f", meanLines * o.lineBytes())},
            {"write p50 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.50))},
            {"write p99 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.99))},
            {"write p999 ns", String.format(Locale.ROOT, "%,d", latency.percentile(0.999))},
            {"write max ns", String.format(Locale.ROOT, "%,d", latency.max())},
            {"dropped", String.format(Locale.ROOT, "%,d", m.dropped())},
            {
                "ceiling MB/s",
                ceiling.measured() ? String.format(Locale.ROOT, "%,.1f", ceiling.bytesPerSecond / 1e6) : "-"
            },
            {
                "ceiling items/s",
                ceiling.measured() ? String.format(Locale.ROOT, "%,.0f", ceiling.bytesPerSecond / o.lineBytes()) : "-"
            },
            {
                "% of ceiling",
                ceiling.measured()
                        ? String.format(Locale.ROOT, "%.1f", 100 * bytesPerSecond / ceiling.bytesPerSecond)
                        : "-"
            },
        };
        out.println("| metric           |            value |");
        out.println("|------------------|------------------|");
        for (String[] r : rows) {
            out.printf(Locale.ROOT, "| %-16s | %16s |%n", r[0], r[1]);
        }
        out.printf(
                Locale.ROOT,
                "(route %s, %d threads; a batch is one flusher call; latency = time"
                        + " inside %s, 3%% bucket precision)%n",
                o.route(),
                o.threads(),
                timedCall);
        out.println(
                ceiling.measured()
                        ? "(ceiling: one thread writing the same bytes, pre-encoded, in 64 KiB FileChannel writes"
                                + " beside the file, on the same file system" + (o.fsync() ? ", forced once" : "") + ")"
                        : "(ceiling: not measured, the file is not a regular file)");
    }
}
