package dev.mwsr.jmh;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Ways to put one 99-character line plus {@code '\n'} into a direct 64 KiB buffer, one thread,
 * no file: the encoding cost that the single drainer of {@code AsyncBuffer} + {@code block} pays
 * per line. {@code charAt} is the drainer's path before issue 13 (an ASCII run copied char by
 * char into a byte[] scratch, then one bulk put); {@code getChars} copies the characters in bulk
 * ({@code String.getChars}, an intrinsic for compact strings) and narrows them in a loop that
 * checks for non-ASCII once at the end; {@code asciiEncoder} hands that char[] to the JDK's
 * US-ASCII encoder (an array-to-array intrinsic); {@code getBytesUtf8} allocates a byte[] per
 * line ({@code String.getBytes(UTF_8)}); {@code preEncoded} copies bytes already encoded (the
 * disk ceiling's copy). Score: lines per microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class LineEncodeBench {
    @Param({"charAt", "getChars", "asciiEncoder", "getBytesUtf8", "preEncoded"})
    public String how;

    private final String line = LineSink.LINE;
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final byte[] scratch = new byte[4096];
    private final char[] chars = new char[4096];
    private final byte[] encoded = (LineSink.LINE + "\n").getBytes(StandardCharsets.UTF_8);
    private final CharsetEncoder ascii = StandardCharsets.US_ASCII.newEncoder();
    private final ByteBuffer scratchBytes = ByteBuffer.wrap(scratch);

    @Benchmark
    public int encode() {
        if (out.remaining() < 128) {
            out.clear();
        }
        switch (how) {
            case "charAt" -> charAt(line);
            case "getChars" -> getChars(line);
            case "asciiEncoder" -> asciiEncoder(line);
            case "getBytesUtf8" -> out.put(line.getBytes(StandardCharsets.UTF_8));
            case "preEncoded" -> {
                out.put(encoded);
                return out.position();
            }
            default -> throw new IllegalArgumentException(how);
        }
        out.put((byte) '\n');
        return out.position();
    }

    private void charAt(CharSequence text) {
        int n = text.length();
        int k = 0;
        for (char c; k < n && (c = text.charAt(k)) < 0x80; k++) {
            scratch[k] = (byte) c;
        }
        if (k < n) {
            throw new IllegalStateException("not ASCII");
        }
        out.put(scratch, 0, k);
    }

    private void getChars(String text) {
        int n = text.length();
        text.getChars(0, n, chars, 0);
        int any = 0;
        for (int k = 0; k < n; k++) {
            char c = chars[k];
            any |= c;
            scratch[k] = (byte) c;
        }
        if (any >= 0x80) {
            throw new IllegalStateException("not ASCII");
        }
        out.put(scratch, 0, n);
    }

    private void asciiEncoder(String text) {
        int n = text.length();
        text.getChars(0, n, chars, 0);
        scratchBytes.clear();
        ascii.reset();
        if (!ascii.encode(CharBuffer.wrap(chars, 0, n), scratchBytes, true).isUnderflow()) {
            throw new IllegalStateException("not ASCII");
        }
        out.put(scratch, 0, scratchBytes.position());
    }
}
