package dev.mwsr.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The part of an {@link Encoder.Sink} common to every flusher: the current write buffer, the
 * {@code reserve} contract and UTF-8 text. Subclasses decide what "making room" means (write the
 * buffer out, grow it, or map the next window).
 */
abstract class ByteSink implements Encoder.Sink {
    /*
     * Implementation notes.
     *
     * Text is encoded in chunks of up to CHUNK characters, array to array: the chunk is copied
     * into a char[] (String and StringBuilder with one getChars, an intrinsic that inflates a
     * compact Latin-1 string in bulk; any other CharSequence with a charAt loop), and the JDK's
     * UTF-8 CharsetEncoder encodes that char[] into a byte[] scratch through two heap buffer
     * views reused for the life of the sink (no allocation per line). Array-backed buffers take
     * the encoder's array loop, whose ASCII run is an intrinsic (vectorized); on a direct or
     * mapped buffer it would take the per-char buffer loop. The scratch then goes into the
     * buffer with one bulk put. The text encoder (putLine) appends the '\n' to the last chunk's
     * bytes, so a short line is one bulk put and no reserve call. LineEncodeBench measured the
     * alternatives (a charAt loop, which was the path before issue 13, and getChars with a
     * hand-written narrowing loop): this one was about twice as fast on 99-character lines.
     *
     * Correctness: the scratch holds 3 bytes per char plus one (the most UTF-8 needs per char of
     * a chunk, plus the '\n'), so one encode call takes the whole chunk. A chunk never ends in a
     * high surrogate unless the text does (the chunk is shortened by one char), so pairs are
     * never split and each chunk is encoded with endOfInput = true; unpaired surrogates become
     * '?' (REPLACE), as String.getBytes does. A bulk put larger than the room left is split, so
     * text longer than the buffer is written out piecewise, never forcing a larger buffer.
     */

    /** Characters encoded per chunk. */
    static final int CHUNK = 4096;

    static final Encoder<CharSequence> UTF8_LINES = (text, out) -> {
        if (out instanceof ByteSink sink) {
            sink.putLine(text);
        } else {
            out.putUtf8(text);
            out.reserve(1).put((byte) '\n');
        }
    };

    final Path path;
    /** The buffer encoders write into; replaced by makeRoom. */
    ByteBuffer buffer;

    /** A chunk of the text, copied out of the CharSequence. */
    private final char[] chars = new char[CHUNK];
    /** The chunk as UTF-8 (3 bytes per char at most) and perhaps a '\n'. */
    private final byte[] scratch = new byte[3 * CHUNK + 1];

    private final CharBuffer charView = CharBuffer.wrap(chars);
    private final ByteBuffer byteView = ByteBuffer.wrap(scratch);

    private final CharsetEncoder utf8 = StandardCharsets.UTF_8
            .newEncoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);

    ByteSink(Path path) {
        this.path = path;
    }

    /**
     * Makes at least {@code bytes} room after the position of {@link #buffer}, which is shorter
     * than that, and returns the (possibly new) buffer, also stored in {@link #buffer}.
     */
    abstract ByteBuffer makeRoom(int bytes);

    @Override
    public final ByteBuffer reserve(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("reserve: bytes must be >= 0, was " + bytes);
        }
        ByteBuffer b = buffer;
        if (b.remaining() < bytes) {
            b = makeRoom(bytes);
        }
        return b.order(ByteOrder.BIG_ENDIAN);
    }

    @Override
    public final void putUtf8(CharSequence text) {
        encode(text, false);
    }

    /** {@code text} as UTF-8 plus {@code '\n'}: what {@link #UTF8_LINES} writes. */
    final void putLine(CharSequence text) {
        encode(text, true);
    }

    private void encode(CharSequence text, boolean newline) {
        int length = text.length();
        int i = 0;
        do {
            int n = Math.min(length - i, CHUNK);
            copy(text, i, n);
            if (i + n < length && Character.isHighSurrogate(chars[n - 1])) {
                n--; // its low surrogate is in the next chunk
            }
            ByteBuffer out = byteView.clear();
            CharBuffer in = charView.clear().limit(n);
            utf8.reset();
            CoderResult result = utf8.encode(in, out, true);
            if (result.isUnderflow()) {
                result = utf8.flush(out);
            }
            if (!result.isUnderflow() || in.hasRemaining()) {
                throw new IllegalStateException("UTF-8 encoder did not take a chunk of " + n + " chars: " + result);
            }
            i += n;
            if (newline && i == length) {
                out.put((byte) '\n');
            }
            putScratch(out.position());
        } while (i < length);
    }

    /** Copies {@code text[from, from + n)} into {@link #chars}. */
    private void copy(CharSequence text, int from, int n) {
        if (text instanceof String s) {
            s.getChars(from, from + n, chars, 0);
        } else if (text instanceof StringBuilder sb) {
            sb.getChars(from, from + n, chars, 0);
        } else {
            for (int k = 0; k < n; k++) {
                chars[k] = text.charAt(from + k);
            }
        }
    }

    /** Puts {@code scratch[0, n)} into the buffer, writing out (or mapping) as it fills up. */
    private void putScratch(int n) {
        for (int off = 0; off < n; ) {
            ByteBuffer b = buffer.hasRemaining() ? buffer : makeRoom(1);
            int k = Math.min(n - off, b.remaining());
            b.put(scratch, off, k);
            off += k;
        }
    }
}
