package dev.mwsr.io.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

    /** The line the bench writes for {@code seq} of {@code thread}. */
    static String line(int thread, long seq, int lineBytes) {
        StringBuilder b = new StringBuilder(lineBytes);
        b.append(thread).append(' ').append(seq).append(' ');
        while (b.length() < lineBytes - 1) {
            b.append('x');
        }
        return b.toString();
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
                            return new Result(lines, offset, "line " + (lines + 1) + " at offset "
                                    + offset + " is longer than " + line.length + " bytes");
                        }
                        line[length++] = b;
                        continue;
                    }
                    String problem = check(line, length, next, perThread, lineBytes);
                    if (problem != null) {
                        return new Result(lines, offset, "line " + (lines + 1) + " at offset "
                                + offset + ": " + problem);
                    }
                    lines++;
                    offset += length + 1;
                    length = 0;
                }
            }
        }
        if (length > 0) {
            return new Result(lines, offset, "the file ends with " + length
                    + " bytes after the last line break (torn line or padding)");
        }
        for (int t = 0; t < threads; t++) {
            if (next[t] != perThread[t]) {
                return new Result(lines, offset, "thread " + t + " has " + next[t]
                        + " lines, expected " + perThread[t]);
            }
        }
        return new Result(lines, offset, null);
    }

    /** Null if {@code line[0, length)} is the next line of its thread, else what is wrong. */
    private static String check(byte[] line, int length, long[] next, long[] perThread,
            int lineBytes) {
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
