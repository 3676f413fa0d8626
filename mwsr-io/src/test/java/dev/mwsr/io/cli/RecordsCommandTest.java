package dev.mwsr.io.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.io.FileFlusher;
import dev.mwsr.io.ShardedRecordWriter;
import dev.mwsr.io.TfRecordFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code records count|verify|dump}: end to end through {@link RecordsCommand#run}. */
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

    private Path records(String name, String... texts) throws IOException {
        Path p = dir.resolve(name);
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(p)) {
            f.accept(Arrays.stream(texts)
                    .map(t -> ByteBuffer.wrap(TfRecordFiles.utf8(t)))
                    .toList());
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
        byte[] bytes = TfRecordFiles.encode(List.of(TfRecordFiles.utf8("good"), TfRecordFiles.utf8("evil")));
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
                    ByteBuffer.wrap(TfRecordFiles.utf8("hello")),
                    ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff}),
                    ByteBuffer.wrap(TfRecordFiles.utf8("a".repeat(40))),
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
                out.write(ByteBuffer.wrap(TfRecordFiles.utf8("r" + i)));
            }
        }
        Run r = run("count", dir.resolve("set").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().endsWith("10\ttotal\n"), r.out());
        assertTrue(r.out().contains("set-00000-of-00003"), r.out());
        assertEquals(0, run("verify", dir.resolve("set").toString()).code());
    }

    @Test
    void usageErrors_exitTwo_helpExitsZero() {
        assertEquals(2, run().code());
        assertEquals(2, run("frobnicate", "x").code());
        assertEquals(2, run("count").code());
        Run missing = run("verify", dir.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope"), missing.err());
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: records count|verify|dump"), help.out());
        assertEquals(0, run("records", "--help").code(), "tolerates the dispatcher's own word");
        assertEquals(0, run("dump", "--help").code());
    }
}
