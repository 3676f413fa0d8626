package dev.mwsr.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The parsed arguments of {@code bench}; {@link #parse} throws {@link UsageException}. */
record BenchOptions(
        int threads,
        long items,
        long warmup,
        int lineBytes,
        String route,
        String flusher,
        String mode,
        Duration interval,
        int capacity,
        int maxBatch,
        int bufferSize,
        boolean heap,
        boolean fsync,
        Path file,
        boolean keep,
        boolean progress,
        boolean help) {

    static final String USAGE = """
            usage: bench [options]
              M threads write N lines into a file by the chosen route, then the file is verified
              (line count, order per thread, exact length, no padding) and a table of throughput,
              batches and write() latency is printed.

              --route ROUTE      items: each line a String, through an AsyncBuffer into a FileFlusher
                                 bytes: each thread encodes its line into a reused byte[] and writes
                                 it into one shared ByteBatchBuffer, flushed by a ByteChannelFlusher
                                 (default items)
              --threads M        writer threads (default 4)
              --items N          lines in total, spread evenly over the threads (default 1000000)
              --warmup W         first write W lines the same way, untimed, into a scratch file
                                 beside the file (deleted), so that the timed run is not JIT
                                 warm-up; 0 = none (default: min(N, 200000))
              --line-bytes L     bytes per line including the newline, 32..1048576 (default 64)
              --capacity C       items: AsyncBuffer capacity in pending lines (default 8192)
                                 bytes: size of each of the two regions in bytes (default 1048576)
              --fsync            force every batch to the device (FileChannel.force(true))

            items route only:
              --flusher KIND     line | block | mmap | appendClose (default block)
              --mode MODE        trigger | loop | manual (default trigger)
              --interval-ms MS   --mode loop only: minimum rest between batches, 1..3600000
                                 (default 1)
              --max-batch B      largest flusher call, in lines, at most --capacity
                                 (default: capacity)
              --buffer-size S    flusher buffer (mmap: window) bytes, 0 = default (default 0)

            bytes route only:
              --heap             heap regions instead of direct ones

            output:
              --file PATH        write here (truncated first) and keep the file;
                                 default: a temporary file, deleted afterwards
              --keep             keep the temporary file (not with --file: that one is kept)
              --no-progress      no progress bar (it is shown only on a terminal anyway)
              --help             this text

            An option is given at most once; an option that would have no effect with the
            others (--interval-ms without --mode loop, --keep with --file, an option of the
            other route) is an error.

            exit codes: 0 ok, 1 verification or I/O failure, 2 usage error
            """;

    /** Warm-up lines when {@code --warmup} is not given (fewer if {@code --items} is smaller). */
    static final long DEFAULT_WARMUP = 200_000;

    static BenchOptions parse(String[] args) throws UsageException {
        int threads = 4;
        long items = 1_000_000;
        long warmup = -1;
        int lineBytes = 64;
        String route = "items";
        String flusher = "block";
        String mode = "trigger";
        long intervalMs = 1;
        int capacity = 0;
        int maxBatch = 0;
        int bufferSize = 0;
        boolean heap = false;
        boolean fsync = false;
        Path file = null;
        boolean keep = false;
        boolean progress = true;
        Set<String> given = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--") && !a.equals("--help") && !given.add(a)) {
                throw new UsageException(a + " is given twice; give it once");
            }
            switch (a) {
                case "--help", "-h" -> {
                    return new BenchOptions(
                            threads,
                            items,
                            warmup,
                            lineBytes,
                            route,
                            flusher,
                            mode,
                            Duration.ofMillis(intervalMs),
                            capacity,
                            maxBatch,
                            bufferSize,
                            heap,
                            fsync,
                            file,
                            keep,
                            progress,
                            true);
                }
                case "--route" -> route = oneOf(args, ++i, a, "items", "bytes");
                case "--threads" -> threads = (int) number(args, ++i, a, 1, 1024);
                case "--items" -> items = number(args, ++i, a, 0, Long.MAX_VALUE / 2);
                case "--warmup" -> warmup = number(args, ++i, a, 0, Long.MAX_VALUE / 2);
                case "--line-bytes" -> lineBytes = (int) number(args, ++i, a, 32, 1 << 20);
                case "--flusher" -> flusher = oneOf(args, ++i, a, "line", "block", "mmap", "appendClose");
                case "--mode" -> mode = oneOf(args, ++i, a, "trigger", "loop", "manual");
                case "--interval-ms" -> intervalMs = number(args, ++i, a, 1, 3_600_000);
                case "--capacity" -> capacity = (int) number(args, ++i, a, 1, 1 << 28);
                case "--max-batch" -> maxBatch = (int) number(args, ++i, a, 1, 1 << 26);
                case "--buffer-size" -> bufferSize = (int) number(args, ++i, a, 0, 1 << 30);
                case "--heap" -> heap = true;
                case "--fsync" -> fsync = true;
                case "--file" -> file = Path.of(value(args, ++i, a));
                case "--keep" -> keep = true;
                case "--no-progress" -> progress = false;
                default -> throw new UsageException("unknown option: " + a);
            }
        }
        if (bufferSize != 0 && bufferSize < 64) {
            throw new UsageException("--buffer-size must be 0 or at least 64, was " + bufferSize);
        }
        boolean bytes = route.equals("bytes");
        onlyFor(given, bytes ? "items" : "bytes", bytes ? ITEMS_ONLY : BYTES_ONLY);
        if (given.contains("--interval-ms") && !mode.equals("loop")) {
            throw new UsageException("--interval-ms applies to --mode loop only; drop it or add --mode loop");
        }
        if (given.contains("--keep") && file != null) {
            throw new UsageException("--keep applies to the temporary file only (a --file is always kept); drop it");
        }
        if (!bytes && capacity > 1 << 26) {
            throw new UsageException(
                    "--capacity of the items route must be at most " + (1 << 26) + " lines, got " + capacity);
        }
        if (capacity == 0) {
            capacity = bytes ? 1 << 20 : 8192;
        }
        if (maxBatch > capacity) {
            throw new UsageException("--max-batch (" + maxBatch + ") must not exceed --capacity (" + capacity
                    + "): a batch never holds more lines than the queue; raise --capacity or lower --max-batch");
        }
        return new BenchOptions(
                threads,
                items,
                warmup < 0 ? Math.min(items, DEFAULT_WARMUP) : warmup,
                lineBytes,
                route,
                flusher,
                mode,
                Duration.ofMillis(intervalMs),
                capacity,
                maxBatch == 0 ? capacity : maxBatch,
                bufferSize,
                heap,
                fsync,
                file,
                keep,
                progress,
                false);
    }

    private static final List<String> ITEMS_ONLY =
            List.of("--flusher", "--mode", "--interval-ms", "--max-batch", "--buffer-size");
    private static final List<String> BYTES_ONLY = List.of("--heap");

    /** Refuses an option of the other route rather than ignoring it silently. */
    private static void onlyFor(Set<String> given, String otherRoute, List<String> otherOptions) throws UsageException {
        for (String option : otherOptions) {
            if (given.contains(option)) {
                throw new UsageException(
                        option + " applies to --route " + otherRoute + " only; drop it or add --route " + otherRoute);
            }
        }
    }

    /** The same run with {@code lines} lines and no warm-up: the warm-up pass. */
    BenchOptions warmupPass(long lines) {
        return new BenchOptions(
                threads,
                lines,
                0,
                lineBytes,
                route,
                flusher,
                mode,
                interval,
                capacity,
                maxBatch,
                bufferSize,
                heap,
                fsync,
                file,
                keep,
                false,
                help);
    }

    boolean bytesRoute() {
        return route.equals("bytes");
    }

    /**
     * The value after {@code option}. A value that starts with {@code --} is taken for the next
     * option, never as a value: {@code --file --no-progress} is refused, not a file named
     * {@code --no-progress} (a file of that name is {@code --file ./--no-progress}).
     */
    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(
                    option + " needs a value" + (i < args.length ? ", but is followed by the option " + args[i] : ""));
        }
        if (args[i].isEmpty()) {
            throw new UsageException(option + " needs a value, got an empty one");
        }
        return args[i];
    }

    private static long number(String[] args, int i, String option, long min, long max) throws UsageException {
        String v = value(args, i, option).replace("_", "");
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, got '" + args[i] + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(option + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    private static String oneOf(String[] args, int i, String option, String... allowed) throws UsageException {
        String v = value(args, i, option);
        for (String a : allowed) {
            if (a.toLowerCase(Locale.ROOT).equals(v.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new UsageException(option + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
    }

    /** Lines written by thread {@code t}: the total spread evenly, the first threads take the rest. */
    long itemsOf(int t) {
        return items / threads + (t < items % threads ? 1 : 0);
    }
}
