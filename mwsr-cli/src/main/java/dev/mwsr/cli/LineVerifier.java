package dev.mwsr.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Checks a bench file: exactly {@code perThread[t]} lines of each thread {@code t}, each {@code "<thread> <seq> "}
 * followed by {@code 'x'} padding to {@code lineBytes} bytes including the {@code '\n'}; each
 * thread's sequence numbers 0, 1, 2, ... in file order; nothing else (no zero padding, no torn
 * or duplicated line).
 */
final class LineVerifier {
    /** What the check found; {@code problem} is null when the file is right. */
    record Result(long lines, long bytes, String problem) {
        boolean ok() {
            return problem == null;
        }
    }

    private LineVerifier() {}

    /** The line the bench writes for {@code seq} of {@code thread}, without its {@code '\n'}. */
    static String line(int thread, long seq, int lineBytes) {
        byte[] line = new byte[lineBytes];
        encode(thread, seq, line);
        return new String(line, 0, lineBytes - 1, StandardCharsets.US_ASCII);
    }

    /**
     * Encodes the line for {@code seq} of {@code thread} into all of {@code into}, its
     * {@code '\n'} included, allocating nothing: the byte route reuses one array per thread.
     */
    static void encode(int thread, long seq, byte[] into) {
        int i = digits(seq, into, digits(thread, into, 0));
        Arrays.fill(into, i, into.length - 1, (byte) 'x');
        into[into.length - 1] = '\n';
    }

    /** Writes {@code n} in decimal and a space at {@code at}; returns the index after them. */
    private static int digits(long n, byte[] into, int at) {
        int end = at + 1;
        for (long r = n / 10; r != 0; r /= 10) {
            end++;
        }
        long rest = n;
        for (int i = end - 1; i >= at; i--) {
            into[i] = (byte) ('0' + rest % 10);
            rest /= 10;
        }
        into[end] = ' ';
        return end + 1;
    }

    static Result verify(Path file, long[] perThread, int lineBytes) throws IOException {
        int threads = perThread.length;
        long[] next = new long[threads];
        long lines = 0;
        long offset = 0;
        byte[] line = new byte[Math.max(lineBytes, 64) * 2];
        int length = 0;
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (channel.read(chunk.clear()) >= 0) {
                chunk.flip();
                while (chunk.hasRemaining()) {
                    byte b = chunk.get();
                    if (b != '\n') {
                        if (length == line.length) {
                            return new Result(
                                    lines,
                                    offset,
                                    "line " + (lines + 1) + " at offset " + offset + " is longer than " + line.length
                                            + " bytes");
                        }
                        line[length++] = b;
                        continue;
                    }
                    String problem = check(line, length, next, perThread, lineBytes);
                    if (problem != null) {
                        return new Result(
                                lines, offset, "line " + (lines + 1) + " at offset " + offset + ": " + problem);
                    }
                    lines++;
                    offset += length + 1;
                    length = 0;
                }
            }
        }
        if (length > 0) {
            return new Result(
                    lines,
                    offset,
                    "the file ends with " + length + " bytes after the last line break (torn line or padding)");
        }
        for (int t = 0; t < threads; t++) {
            if (next[t] != perThread[t]) {
                return new Result(
                        lines, offset, "thread " + t + " has " + next[t] + " lines, expected " + perThread[t]);
            }
        }
        return new Result(lines, offset, null);
    }

    /** Null if {@code line[0, length)} is the next line of its thread, else what is wrong. */
    private static String check(byte[] line, int length, long[] next, long[] perThread, int lineBytes) {
        if (length != lineBytes - 1) {
            return "length " + (length + 1) + ", expected " + lineBytes;
        }
        int i = 0;
        long thread = 0;
        long seq = 0;
        int start = i;
        while (i < length && line[i] >= '0' && line[i] <= '9' && i - start < 10) {
            thread = thread * 10 + (line[i++] - '0');
        }
        if (i == start || i >= length || line[i++] != ' ' || thread >= next.length) {
            return "no valid thread number";
        }
        start = i;
        while (i < length && line[i] >= '0' && line[i] <= '9' && i - start < 19) {
            seq = seq * 10 + (line[i++] - '0');
        }
        if (i == start || i >= length || line[i++] != ' ') {
            return "no valid sequence number";
        }
        for (; i < length; i++) {
            if (line[i] != 'x') {
                return "unexpected byte " + (line[i] & 0xff) + " at column " + i;
            }
        }
        int t = (int) thread;
        if (seq != next[t]) {
            return "thread " + t + " expected sequence " + next[t] + ", found " + seq
                    + (seq < next[t] ? " (duplicate or out of order)" : " (missing lines)");
        }
        if (seq >= perThread[t]) {
            return "thread " + t + " wrote more than " + perThread[t] + " lines";
        }
        next[t]++;
        return null;
    }
}
