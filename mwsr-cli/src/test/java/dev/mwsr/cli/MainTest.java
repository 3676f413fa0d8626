package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line end to end, in process. */
class MainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"line", "block", "mmap", "appendClose"})
    void bench_writesVerifiesAndPrintsTheTable_exit0(String flusher) throws Exception {
        Path file = dir.resolve(flusher + ".txt");
        int code = run(
                "bench",
                "--threads",
                "3",
                "--items",
                "20001",
                "--line-bytes",
                "48",
                "--flusher",
                flusher,
                "--capacity",
                "256",
                "--buffer-size",
                "4096",
                "--file",
                file.toString(),
                "--no-progress");
        assertEquals(0, code, err());
        String out = out();
        assertTrue(out.contains("verify: ok: 20,001 lines, 960,048 bytes"), out);
        assertTableRows(out);
        assertEquals(20001L * 48, Files.size(file), "--file is kept");
        assertEquals(
                LineVerifier.line(2, 6666, 48),
                Files.readAllLines(file).stream()
                        .filter(l -> l.startsWith("2 6666 "))
                        .findFirst()
                        .orElseThrow());
        assertEquals("", err(), "no progress bar when not on a terminal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"items", "bytes"})
    void bench_printsTheCeilingMeasuredBesideTheFileAndTheShareOfIt(String route) throws Exception {
        Path file = dir.resolve("ceiling.txt");
        int code = run(
                "bench",
                "--route",
                route,
                "--threads",
                "2",
                "--items",
                "50000",
                "--file",
                file.toString(),
                "--no-progress");
        assertEquals(0, code, err());
        String out = out();
        double mbs = row(out, "MB/s");
        double ceiling = row(out, "ceiling MB/s");
        assertTrue(ceiling > 0, out);
        assertEquals(ceiling * 1e6 / 64, row(out, "ceiling items/s"), ceiling * 1e6 / 64 * 0.01, out);
        // The share is computed from unrounded figures; the printed ones are rounded to 0.1 MB/s.
        assertEquals(
                100 * mbs / ceiling,
                row(out, "% of ceiling"),
                100 * 0.1 / ceiling + 0.1 + 100 * mbs / ceiling * 0.01,
                out);
        assertTrue(out.contains("on the same file system"), out);
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "the ceiling's file is deleted, the bench file kept");
        }
        assertEquals(50000L * 64, Files.size(file));
    }

    @ParameterizedTest
    @ValueSource(strings = {"items", "bytes"})
    void bench_warmsUpFirst_untimedIntoAScratchFileBesideIt_andTimesOnlyTheRun(String route) throws Exception {
        Path file = dir.resolve("warm.txt");
        int code = run(
                "bench",
                "--route",
                route,
                "--threads",
                "2",
                "--items",
                "3000",
                "--warmup",
                "2000",
                "--file",
                file.toString(),
                "--no-progress");
        assertEquals(0, code, err());
        String out = out();
        assertTrue(out.contains("warm-up: 2,000 lines written first the same way, untimed"), out);
        assertEquals(3000, row(out, "items"), "the table counts the timed run only");
        assertTrue(out.contains("verify: ok: 3,000 lines"), out);
        assertEquals(3000L * 64, Files.size(file), "no warm-up line in the file");
        try (var left = Files.list(dir)) {
            assertEquals(List.of(file), left.toList(), "the warm-up's scratch file is deleted");
        }
    }

    @Test
    void bench_warmup_defaultsToTheRunsSizeUpTo200000_andZeroSaysTheRunIncludesTheJit() {
        assertEquals(0, run("bench", "--threads", "1", "--items", "500", "--no-progress"), err());
        assertTrue(out().contains("warm-up: 500 lines written first"), out());
        outBytes.reset();
        assertEquals(0, run("bench", "--threads", "1", "--items", "500", "--warmup", "0", "--no-progress"), err());
        assertTrue(out().contains("warm-up: none, so the timed run includes the JIT's warm-up"), out());
    }

    @Test
    void bench_warmup_notBesideADevice() {
        assumeTrue(Files.isWritable(Path.of("/dev/null")), "no writable /dev/null");
        // /dev/null keeps nothing, so the verification fails (exit 1); no scratch file in /dev.
        assertEquals(
                1, run("bench", "--threads", "1", "--items", "100", "--file", "/dev/null", "--no-progress"), err());
        assertTrue(out().contains("warm-up: none"), out());
    }

    private static void assertTableRows(String out) {
        for (String row : new String[] {
            "items/s",
            "MB/s",
            "batches",
            "mean batch lines",
            "mean batch bytes",
            "write p50 ns",
            "write p99 ns",
            "write p999 ns"
        }) {
            assertTrue(out.contains("| " + row + " "), row + " missing in\n" + out);
        }
    }

    /** The value of a table row, as a number. */
    private static double row(String out, String name) {
        Matcher m = Pattern.compile("\\| " + name + " +\\| +([0-9,.]+) \\|").matcher(out);
        assertTrue(m.find(), name + " missing in\n" + out);
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "heap"})
    void bench_bytesRoute_writesVerifiesAndPrintsTheTable_exit0(String regions) throws Exception {
        Path file = dir.resolve(regions + ".txt");
        String[] args = {
            "bench",
            "--route",
            "bytes",
            "--threads",
            "3",
            "--items",
            "20001",
            "--line-bytes",
            "48",
            "--capacity",
            "4096",
            "--file",
            file.toString(),
            "--no-progress"
        };
        if (regions.equals("heap")) {
            args = Arrays.copyOf(args, args.length + 1);
            args[args.length - 1] = "--heap";
        }
        int code = run(args);
        assertEquals(0, code, err());
        String out = out();
        assertTrue(out.contains("verify: ok: 20,001 lines, 960,048 bytes"), out);
        assertTrue(out.contains("ByteBatchBuffer (2 " + regions + " regions of 4,096 B)"), out);
        assertTrue(out.contains("inside ByteBatchBuffer.write"), out);
        assertTableRows(out);
        assertEquals(20001, row(out, "items"));
        // Honest batches: one flusher call per region of at most 4096 bytes, whole lines only.
        assertTrue(row(out, "batches") >= Math.ceil(960_048 / 4096.0), out);
        assertTrue(row(out, "mean batch bytes") <= 4096, out);
        assertEquals(row(out, "mean batch lines") * 48, row(out, "mean batch bytes"), 48, out);
        assertEquals(20001L * 48, Files.size(file), "--file is kept");
        assertEquals(
                LineVerifier.line(2, 6666, 48),
                Files.readAllLines(file).stream()
                        .filter(l -> l.startsWith("2 6666 "))
                        .findFirst()
                        .orElseThrow());
        assertEquals("", err(), "no progress bar when not on a terminal");
    }

    @Test
    void bench_bytesRoute_linesLargerThanARegion_eachIsItsOwnBatch() {
        int code = run(
                "bench",
                "--route",
                "bytes",
                "--threads",
                "2",
                "--items",
                "301",
                "--line-bytes",
                "100",
                "--capacity",
                "64",
                "--no-progress");
        assertEquals(0, code, err());
        assertTrue(out().contains("verify: ok: 301 lines, 30,100 bytes"), out());
        assertEquals(301, row(out(), "batches"), out());
        assertEquals(100, row(out(), "mean batch bytes"), out());
    }

    @Test
    void bench_bytesRoute_temporaryFileAndFsync_verify() throws Exception {
        long before = countTempBenchFiles();
        assertEquals(
                0,
                run("bench", "--route", "bytes", "--items", "2000", "--capacity", "8192", "--fsync", "--no-progress"),
                err());
        assertTrue(out().contains("verify: ok: 2,000 lines"), out());
        assertEquals(before, countTempBenchFiles());
    }

    @Test
    void bench_bytesRoute_ioFailure_exit1WithThePath() {
        Path missing = dir.resolve("no/such/dir/x.txt");
        assertEquals(1, run("bench", "--route", "bytes", "--items", "10", "--file", missing.toString()));
        assertTrue(err().contains(missing.toString()), err());
        assertFalse(out().contains("verify"), out());
    }

    @Test
    void bench_bytesRoute_diskFullDuringTheRun_exit1WithThePath() {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "needs Linux /dev/full");
        assertEquals(
                1,
                run(
                        "bench",
                        "--route",
                        "bytes",
                        "--threads",
                        "3",
                        "--items",
                        "50000",
                        "--capacity",
                        "4096",
                        "--file",
                        full.toString()));
        assertEquals("bench: /dev/full: no space left on device\n", err());
        assertFalse(out().contains("verify"), out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"loop", "manual"})
    void bench_otherModes_verify(String mode) {
        int code =
                run("bench", "--threads", "2", "--items", "5000", "--mode", mode, "--capacity", "128", "--no-progress");
        assertEquals(0, code, err());
        assertTrue(out().contains("verify: ok: 5,000 lines"), out());
    }

    @Test
    void bench_temporaryFileIsDeletedAfterwards() throws Exception {
        long before = countTempBenchFiles();
        assertEquals(0, run("bench", "--threads", "1", "--items", "100"), err());
        assertEquals(before, countTempBenchFiles());
    }

    private static long countTempBenchFiles() throws Exception {
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(p -> p.getFileName().toString().startsWith("mwsr-bench-"))
                    .count();
        }
    }

    @Test
    void bench_ioFailure_exit1WithThePath() {
        Path missing = dir.resolve("no/such/dir/x.txt");
        assertEquals(1, run("bench", "--items", "10", "--file", missing.toString()));
        assertEquals("bench: " + missing + ": no such file or directory\n", err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"items", "bytes"})
    void bench_ioErrors_oneLineNamingTheFileAndTheReason_exit1(String route) {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "needs Linux /dev/full");
        record Case(Path file, String reason) {}
        for (Case c : List.of(
                new Case(dir.resolve("no/such/dir/x.txt"), "no such file or directory"),
                new Case(dir, "is a directory"),
                new Case(full, "no space left on device"))) {
            errBytes.reset();
            int code = run(
                    "bench",
                    "--route",
                    route,
                    "--items",
                    "20000",
                    "--file",
                    c.file().toString());
            assertEquals(1, code, "the same exit code as records' I/O errors: " + err());
            assertEquals("bench: " + c.file() + ": " + c.reason() + "\n", err());
            RecordsCommandTest.assertOneCleanLine(err());
        }
    }

    /** Exit 2, one line, no class name, nothing run, no file written. */
    private void assertUsageError(String expected, String... args) {
        outBytes.reset();
        errBytes.reset();
        assertEquals(2, run(args), Arrays.toString(args) + ": " + err());
        RecordsCommandTest.assertOneCleanLine(err());
        assertTrue(err().contains(expected), Arrays.toString(args) + ": " + err());
        assertEquals("", out(), "nothing ran");
    }

    @Test
    void usageErrors_exit2WithOneLineAndNoClassName() {
        assertUsageError("no command given");
        assertUsageError("unknown command 'frobnicate'", "frobnicate");
        assertUsageError("--threads needs a whole number", "bench", "--threads", "zero");
        assertUsageError("--flusher must be one of line, block, mmap, appendClose", "bench", "--flusher", "tape");
        assertUsageError("--route must be one of items, bytes", "bench", "--route", "tape");
        assertUsageError("--flusher applies to --route items only", "bench", "--route", "bytes", "--flusher", "mmap");
        assertUsageError("--mode applies to --route items only", "bench", "--mode", "loop", "--route", "bytes");
        assertUsageError("--heap applies to --route bytes only", "bench", "--heap");
        assertUsageError("--capacity of the items route must be at most", "bench", "--capacity", "100000000");
        assertUsageError("--capacity must be between", "bench", "--route", "bytes", "--capacity", "0");
        assertUsageError("unknown option: --bogus", "bench", "--bogus");
        assertUsageError("--items needs a value", "bench", "--items");
        assertUsageError("--warmup must be between 0 and", "bench", "--warmup", "-1");
    }

    @Test
    void bench_maxBatchAboveCapacity_isAUsageError() {
        assertUsageError(
                "--max-batch (100000) must not exceed --capacity (8192)",
                "bench",
                "--max-batch",
                "100000",
                "--items",
                "1000");
        assertUsageError("must not exceed --capacity (100)", "bench", "--capacity", "100", "--max-batch", "101");
    }

    @Test
    void bench_zeroIntervalInLoopMode_isAUsageError() {
        assertUsageError("--interval-ms must be between 1 and", "bench", "--interval-ms", "0", "--mode", "loop");
    }

    @Test
    void bench_anOptionNeverSwallowsTheNextOptionAsItsValue() {
        Path cwd = Path.of("").toAbsolutePath();
        assertUsageError(
                "--file needs a value, but is followed by the option --no-progress",
                "bench",
                "--file",
                "--no-progress");
        assertFalse(Files.exists(cwd.resolve("--no-progress")), "no file named after the option");
        assertUsageError(
                "--threads needs a value, but is followed by the option --items",
                "bench",
                "--threads",
                "--items",
                "10");
        assertUsageError("--route needs a value", "bench", "--route", "--heap");
    }

    @Test
    void bench_anOptionWithoutEffect_isAnError() {
        assertUsageError("--interval-ms applies to --mode loop only", "bench", "--interval-ms", "5");
        assertUsageError(
                "--interval-ms applies to --mode loop only", "bench", "--mode", "manual", "--interval-ms", "5");
        assertUsageError(
                "--keep applies to the temporary file only",
                "bench",
                "--keep",
                "--file",
                dir.resolve("f").toString());
        assertFalse(Files.exists(dir.resolve("f")));
        assertUsageError("--threads is given twice", "bench", "--threads", "2", "--threads", "3");
    }

    @Test
    void bench_loopModeWithAnInterval_runs() {
        int code = run(
                "bench",
                "--threads",
                "2",
                "--items",
                "2000",
                "--mode",
                "loop",
                "--interval-ms",
                "2",
                "--capacity",
                "256");
        assertEquals(0, code, err());
        assertTrue(out().contains("verify: ok: 2,000 lines"), out());
    }

    @Test
    void help_exit0() {
        assertEquals(0, run("--help"));
        assertTrue(out().contains("bench"));
        assertEquals(0, run("bench", "--help"));
        assertTrue(out().contains("--flusher KIND"), out());
        assertTrue(out().contains("--route ROUTE"), out());
        assertTrue(out().contains("--heap"), out());
    }

    @Test
    void records_dispatchesToTheRecordsCommand() {
        assertEquals(0, run("records", "--help"));
        assertTrue(out().contains("count") && out().contains("verify") && out().contains("dump"), out());
    }
}
