package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's verification catches each way a file can be wrong. */
class LineVerifierTest {
    private static final int BYTES = 40;

    @TempDir
    Path dir;

    private LineVerifier.Result verify(String content, long... perThread) throws Exception {
        Path file = dir.resolve("f.txt");
        Files.writeString(file, content, StandardCharsets.ISO_8859_1);
        return LineVerifier.verify(file, perThread, BYTES);
    }

    private static String l(int thread, long seq) {
        return LineVerifier.line(thread, seq, BYTES) + "\n";
    }

    @Test
    void interleavedThreadsInOrder_pass() throws Exception {
        LineVerifier.Result r = verify(l(0, 0) + l(1, 0) + l(1, 1) + l(0, 1), 2, 2);
        assertTrue(r.ok(), r.problem());
        assertEquals(4, r.lines());
        assertEquals(4 * BYTES, r.bytes());
    }

    @Test
    void eachDefect_fails() throws Exception {
        assertProblem(verify(l(0, 1) + l(0, 0), 2), "expected sequence 0, found 1");
        assertProblem(verify(l(0, 0) + l(0, 0), 2), "duplicate");
        assertProblem(verify(l(0, 0), 2), "thread 0 has 1 lines, expected 2");
        assertProblem(verify(l(0, 0) + l(0, 1) + "\0\0\0", 2), "after the last line break");
        assertProblem(verify(l(0, 0) + "\0".repeat(BYTES - 1) + "\n", 2), "no valid thread");
        assertProblem(verify(l(0, 0) + l(0, 1).replace('x', 'y'), 2), "unexpected byte");
        assertProblem(verify(l(0, 0) + "0 1 x\n", 2), "length 6, expected 40");
        assertProblem(verify(l(0, 0) + l(5, 0), 1), "no valid thread");
        assertProblem(verify(l(0, 0) + l(0, 1), 1), "more than 1");
    }

    @Test
    void encode_isTheLineAndItsNewline_inAReusedArray() {
        byte[] into = new byte[BYTES];
        for (long seq : new long[] {0, 9, 10, 99_999, 1_000_000_000_000L, 7, Long.MAX_VALUE / 2}) {
            for (int thread : new int[] {0, 1023, 3}) {
                LineVerifier.encode(thread, seq, into);
                assertEquals(l(thread, seq), new String(into, StandardCharsets.ISO_8859_1), thread + " " + seq);
                assertTrue(l(thread, seq).startsWith(thread + " " + seq + " x"));
            }
        }
    }

    private static void assertProblem(LineVerifier.Result r, String expected) {
        assertFalse(r.ok(), "should fail with " + expected);
        assertTrue(r.problem().contains(expected), r.problem());
    }
}
