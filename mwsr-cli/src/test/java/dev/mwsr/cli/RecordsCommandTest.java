package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mwsr.io.FileFlusher;
import dev.mwsr.io.ShardedRecordWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code records count|verify|dump|repair}: end to end through {@link RecordsCommand#run}. */
class RecordsCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RecordsCommand.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Path records(String name, String... texts) throws IOException {
        Path p = dir.resolve(name);
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(p)) {
            f.accept(Arrays.stream(texts).map(t -> ByteBuffer.wrap(utf8(t))).toList());
        }
        return p;
    }

    @Test
    void count_printsRecordsPerFileAndTotal() throws IOException {
        Path a = records("a", "x", "y", "z");
        Path b = records("b", "only");
        Run r = run("count", a.toString(), b.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("3\t" + a + "\n1\t" + b + "\n4\ttotal\n", r.out());
    }

    @Test
    void verify_okFile_exitsZero() throws IOException {
        Path a = records("ok", "one", "two");
        Run r = run("verify", a.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("OK " + a + ": 2 records, " + Files.size(a) + " bytes\n", r.out());
    }

    @Test
    void corruptFile_exitsOne_namingTheOffset_forEverySubcommand() throws IOException {
        byte[] bytes = Files.readAllBytes(records("unflipped", "good", "evil"));
        bytes[20 + 12] ^= 4;
        Path bad = Files.write(dir.resolve("bad"), bytes);
        Path good = records("good", "fine");
        for (String command : List.of("verify", "count", "dump")) {
            Run r = run(command, good.toString(), bad.toString());
            assertEquals(1, r.code(), command);
            assertTrue(r.err().contains("FAILED") && r.err().contains("byte offset 20"), command + ": " + r.err());
        }
        Run dump = run("dump", bad.toString());
        assertTrue(dump.out().contains("0\t4\t\"good\""), "records before the corrupt one are dumped: " + dump.out());
    }

    @Test
    void tornTail_failsVerify_butCountSucceedsWithANote() throws IOException {
        Path full = records("torn", "first", "second");
        byte[] bytes = Files.readAllBytes(full);
        Files.write(full, Arrays.copyOf(bytes, bytes.length - 5));
        Run verify = run("verify", full.toString());
        assertEquals(1, verify.code());
        assertTrue(verify.err().contains("torn tail") && verify.err().contains("offset 21"), verify.err());
        Run count = run("count", full.toString());
        assertEquals(0, count.code());
        assertEquals("1\t" + full + "\n", count.out());
        assertTrue(count.err().contains("torn tail"), count.err());
    }

    @Test
    void dump_printsOffsetLengthAndPreview_textOrHex() throws IOException {
        Path p = dir.resolve("dump");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(p)) {
            f.accept(List.of(
                    ByteBuffer.wrap(utf8("hello")),
                    ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff}),
                    ByteBuffer.wrap(utf8("a".repeat(40))),
                    ByteBuffer.allocate(0)));
        }
        Run r = run("dump", p.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(
                "# " + p + "\n"
                        + "0\t5\t\"hello\"\n"
                        + "21\t3\t00 01 ff\n"
                        + "40\t40\t\"" + "a".repeat(32) + "\"…\n"
                        + "96\t0\t\"\"\n",
                r.out());
    }

    @Test
    void preview_cutInsideAMultiByteCharacter_staysText() {
        String text = "é".repeat(20); // with the "x": 41 bytes, and byte 32 cuts an é in half
        ByteBuffer b = ByteBuffer.wrap(("x" + text).getBytes(StandardCharsets.UTF_8));
        assertEquals("\"x" + "é".repeat(15) + "\"…", RecordsCommand.preview(b));
    }

    @Test
    void shardSets_areNamedByDirAndName() throws IOException {
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "set", 3)) {
            for (int i = 0; i < 10; i++) {
                out.write(ByteBuffer.wrap(utf8("r" + i)));
            }
        }
        Run r = run("count", dir.resolve("set").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith("10\ttotal\n"), r.out());
        assertTrue(r.out().contains("set-00000-of-00003"), r.out());
        assertEquals(0, run("verify", dir.resolve("set").toString()).code());
    }

    /** One line on stderr, no Java class name, no exception words, no cause chain. */
    static void assertOneCleanLine(String err) {
        assertEquals(1, err.lines().count(), "exactly one line: " + err);
        assertFalse(err.matches("(?s).*\\b(java|javax|dev\\.mwsr)\\.[a-z]+.*"), "no class name: " + err);
        assertFalse(err.contains("Exception") || err.contains("caused by") || err.contains("undelivered"), err);
    }

    @Test
    void usageErrors_exitTwo_withOneLine_helpExitsZero() {
        for (String[] args :
                List.of(new String[0], new String[] {"frobnicate", "x"}, new String[] {"count"}, new String[] {
                    "count", "--bogus"
                })) {
            Run r = run(args);
            assertEquals(2, r.code(), Arrays.toString(args));
            assertOneCleanLine(r.err());
            assertEquals("", r.out());
        }
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: records count|verify|dump|repair"), help.out());
        assertEquals(0, run("records", "--help").code(), "tolerates the dispatcher's own word");
        assertEquals(0, run("dump", "--help").code());
    }

    @Test
    void missingFile_isAnIoError_exitOne_oneLineNamingIt() {
        Path nope = dir.resolve("nope");
        for (String command : List.of("count", "verify", "dump", "repair")) {
            Run r = run(command, nope.toString());
            assertEquals(1, r.code(), "the same exit code as bench's I/O errors: " + command);
            assertOneCleanLine(r.err());
            assertTrue(r.err().contains(nope.toString()) && r.err().contains("no such file"), r.err());
        }
    }

    @Test
    void directory_isRefused_namedOnce() {
        Run r = run("count", dir.toString());
        assertEquals(1, r.code());
        assertOneCleanLine(r.err());
        assertEquals(r.err().indexOf(dir.toString()), r.err().lastIndexOf(dir.toString()), "named once: " + r.err());
        assertTrue(r.err().contains("is a directory"), r.err());
    }

    @Test
    void device_isRefused_notReadAsAnEmptyFile() {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "needs /dev/zero");
        for (String command : List.of("verify", "count", "repair")) {
            Run r = run(command, zero.toString());
            assertEquals(1, r.code(), command);
            assertOneCleanLine(r.err());
            assertTrue(r.err().contains("not a regular file"), r.err());
            assertFalse(r.out().contains("OK"), r.out());
        }
    }

    @Test
    void fifo_isRefused_insteadOfHanging() throws Exception {
        Path fifo = dir.resolve("fifo");
        int made;
        try {
            made = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (IOException e) {
            made = -1;
        }
        assumeTrue(made == 0, "needs mkfifo");
        for (String command : List.of("count", "verify", "dump", "repair")) {
            Run r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(command, fifo.toString()));
            assertEquals(1, r.code(), command);
            assertOneCleanLine(r.err());
            assertTrue(r.err().contains("not a regular file"), r.err());
        }
    }

    @Test
    void repair_cutsATornTail_andSaysHowManyBytes() throws IOException {
        Path file = records("torn", "first", "second", "third");
        byte[] whole = Files.readAllBytes(file);
        long kept = 2 * 16 + "first".length() + "second".length();
        Files.write(file, Arrays.copyOf(whole, whole.length - 3)); // the third record loses its end
        Run r = run("repair", file.toString());
        assertEquals(0, r.code(), r.err());
        long removed = whole.length - 3 - kept;
        assertEquals(
                "repaired " + file + ": removed " + removed + " bytes (a torn tail) after the last valid record; kept"
                        + " 2 records, " + kept + " bytes\n",
                r.out());
        assertArrayEquals(Arrays.copyOf(whole, (int) kept), Files.readAllBytes(file), "exactly the valid prefix");
        assertEquals(0, run("verify", file.toString()).code());
    }

    @Test
    void repair_cutsATornHeader() throws IOException {
        Path file = records("header", "only");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, new byte[] {1, 0, 0}, StandardOpenOption.APPEND); // 3 bytes of a next header
        Run r = run("repair", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("removed 3 bytes (a torn tail)"), r.out());
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void repair_cutsAZeroTail_asACrashedPreallocatedWriterLeavesIt() throws IOException {
        Path file = records("zeros", "a", "bb");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, new byte[10_000], StandardOpenOption.APPEND);
        assertEquals(1, run("verify", file.toString()).code(), "a zero tail is corruption to verify");
        Run r = run("repair", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("removed 10000 bytes (zero bytes)"), r.out());
        assertTrue(r.out().contains("kept 2 records, " + whole.length + " bytes"), r.out());
        assertArrayEquals(whole, Files.readAllBytes(file));
        assertEquals(0, run("verify", file.toString()).code());
    }

    @Test
    void repair_refusesACorruptRecordBeforeOtherData_andLeavesTheFileUnchanged() throws IOException {
        byte[] bytes = Files.readAllBytes(records("unflipped", "good", "evil", "after"));
        bytes[20 + 12] ^= 4; // the second record's payload
        byte[] withZeros = Arrays.copyOf(bytes, bytes.length + 100);
        Path bad = Files.write(dir.resolve("bad"), withZeros);
        Run r = run("repair", bad.toString());
        assertEquals(1, r.code());
        assertOneCleanLine(r.err());
        assertTrue(
                r.err().contains("corrupt record at byte offset 20") && r.err().contains("left unchanged"), r.err());
        assertArrayEquals(withZeros, Files.readAllBytes(bad), "not one byte changed");
    }

    @Test
    void repair_ofASoundFile_changesNothing() throws IOException {
        Path file = records("sound", "x", "y");
        byte[] whole = Files.readAllBytes(file);
        Run r = run("repair", file.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("OK " + file + ": nothing to repair, 2 records, " + whole.length + " bytes\n", r.out());
        assertArrayEquals(whole, Files.readAllBytes(file));
    }
}
