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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Ways to put one 99-character ASCII line plus {@code '\n'} into a direct 64 KiB buffer, one
 * thread, no file: the encoding cost that the single drainer of {@code AsyncBuffer} +
 * {@code block} pays per line. One method per way (no dispatch inside the measured code). Score:
 * lines per microsecond.
 *
 * <ul>
 *   <li>{@code charAt}: the text flushers' earlier path (the ASCII run copied char by char
 *       into a byte[] scratch, one bulk put, then a reserve(1) and a put of the newline);
 *   <li>{@code getCharsFused}: {@code String.getChars} into a char[] (an intrinsic for compact
 *       strings), one loop that narrows into the byte[] and ORs the chars, the newline into the
 *       same byte[], one bulk put;
 *   <li>{@code getCharsSplit}: the same with the OR and the narrowing in two loops;
 *   <li>{@code utf8Encoder}: {@code getChars}, then the JDK's UTF-8 {@code CharsetEncoder} from
 *       that char[] into a heap buffer over the byte[] (its ASCII run is an intrinsic), one bulk
 *       put: the text flushers' path ({@code ByteSink}), about 2.4 times
 *       {@code charAt} in three runs;
 *   <li>{@code getBytesUtf8}: {@code String.getBytes(UTF_8)}, a new byte[] per line;
 *   <li>{@code preEncoded}: copies bytes already encoded (the disk ceiling's copy).
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class LineEncodeBench {
    private final String line = LineSink.LINE;
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    private final byte[] scratch = new byte[4097];
    private final char[] chars = new char[4096];
    private final byte[] encoded = (LineSink.LINE + "\n").getBytes(StandardCharsets.UTF_8);
    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
    private final ByteBuffer scratchBytes = ByteBuffer.wrap(scratch);

    private ByteBuffer out() {
        if (out.remaining() < 128) {
            out.clear();
        }
        return out;
    }

    @Benchmark
    public int charAt() {
        ByteBuffer b = out();
        CharSequence text = line;
        int n = text.length();
        int k = 0;
        for (char c; k < n && (c = text.charAt(k)) < 0x80; k++) {
            scratch[k] = (byte) c;
        }
        if (k < n) {
            throw new IllegalStateException("not ASCII");
        }
        b.put(scratch, 0, k);
        b.order(java.nio.ByteOrder.BIG_ENDIAN).put((byte) '\n');
        return b.position();
    }

    @Benchmark
    public int getCharsFused() {
        ByteBuffer b = out();
        String text = line;
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
        scratch[n] = '\n';
        b.put(scratch, 0, n + 1);
        return b.position();
    }

    @Benchmark
    public int getCharsSplit() {
        ByteBuffer b = out();
        String text = line;
        int n = text.length();
        char[] c = chars;
        text.getChars(0, n, c, 0);
        int any = 0;
        for (int k = 0; k < n; k++) {
            any |= c[k];
        }
        if (any >= 0x80) {
            throw new IllegalStateException("not ASCII");
        }
        byte[] s = scratch;
        for (int k = 0; k < n; k++) {
            s[k] = (byte) c[k];
        }
        s[n] = '\n';
        b.put(s, 0, n + 1);
        return b.position();
    }

    @Benchmark
    public int utf8Encoder() {
        ByteBuffer b = out();
        String text = line;
        int n = text.length();
        text.getChars(0, n, chars, 0);
        ByteBuffer s = scratchBytes.clear();
        utf8.reset();
        if (!utf8.encode(CharBuffer.wrap(chars, 0, n), s, true).isUnderflow()) {
            throw new IllegalStateException("overflow");
        }
        s.put((byte) '\n');
        b.put(scratch, 0, s.position());
        return b.position();
    }

    @Benchmark
    public int getBytesUtf8() {
        ByteBuffer b = out();
        b.put(line.getBytes(StandardCharsets.UTF_8)).put((byte) '\n');
        return b.position();
    }

    @Benchmark
    public int preEncoded() {
        ByteBuffer b = out();
        b.put(encoded);
        return b.position();
    }
}
