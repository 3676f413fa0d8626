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
 * The part of an {@link Encoder.Sink} every flusher shares; subclasses decide what making room
 * means (write the buffer out, grow it, or map the next window).
 */
abstract class ByteSink implements Encoder.Sink {
    /*
     * Text goes array to array in chunks: copied into `chars` (one getChars for String and
     * StringBuilder, an intrinsic that inflates Latin-1 in bulk), encoded into `scratch` through
     * reused heap views (heap buffers take the encoder's vectorized ASCII loop; direct or mapped
     * ones would take the per-char loop), then one bulk put. putLine appends the '\n' to the last
     * chunk, so a short line is one put. LineEncodeBench: about twice as fast on 99-char lines as a
     * charAt loop or getChars with a hand-written narrowing loop.
     *
     * The scratch holds 3 bytes per char plus the '\n', so one encode call takes a chunk. A chunk
     * ends in a high surrogate only where the text does, so pairs are never split and each chunk is
     * encoded with endOfInput = true. A put larger than the room left is split: long text goes out
     * piecewise, never forcing a larger buffer.
     *
     * Prepared lines (the bytes a writer thread encoded, see TextFileFlusher) take the same last
     * step: one bulk put of the bytes and the '\n', split where the room ends.
     */

    static final int CHUNK = 4096;
    private static final byte[] NEWLINE = {'\n'};

    static final Encoder<CharSequence> UTF8_LINES = (text, out) -> {
        if (out instanceof ByteSink sink) {
            sink.putLine(text);
        } else {
            out.putUtf8(text);
            out.reserve(1).put((byte) '\n');
        }
    };

    // For items that writer threads encoded with utf8(); only for this package's sinks.
    static final Encoder<byte[]> PREPARED_LINES = (bytes, out) -> ((ByteSink) out).putLine(bytes);

    final Path path;
    ByteBuffer buffer;

    private final char[] chars = new char[CHUNK];
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

    // Called only when buffer has less room; returns the buffer it also stores in `buffer`.
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

    final void putLine(CharSequence text) {
        encode(text, true);
    }

    /**
     * The bytes {@link #putUtf8} writes for {@code text}, thread-safe. A {@code String} goes through
     * {@link String#getBytes}, which replaces an unpaired surrogate with {@code '?'} as the sinks'
     * encoder does; other sequences through their {@code toString()}, as the content of the moment.
     */
    static byte[] utf8(CharSequence text) {
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    final void putLine(byte[] bytes) {
        ByteBuffer b = buffer;
        if (b.remaining() > bytes.length) {
            b.put(bytes).put((byte) '\n');
        } else {
            put(bytes, bytes.length);
            put(NEWLINE, 1);
        }
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
            put(scratch, out.position());
        } while (i < length);
    }

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

    private void put(byte[] bytes, int n) {
        for (int off = 0; off < n; ) {
            ByteBuffer b = buffer.hasRemaining() ? buffer : makeRoom(1);
            int k = Math.min(n - off, b.remaining());
            b.put(bytes, off, k);
            off += k;
        }
    }
}
