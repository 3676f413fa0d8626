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
     * putUtf8 copies a leading run of ASCII characters into a scratch array with plain stores and
     * then into the buffer with one bulk put (no allocation, and no per-byte bounds and liveness
     * checks of a direct or mapped buffer; most log lines are all ASCII), and hands the rest to
     * one CharsetEncoder reused for the life of the sink. Its only allocation is the CharBuffer
     * wrapper of the non-ASCII rest. On OVERFLOW it asks for remaining() + 1 bytes, which forces
     * the subclass to write out or grow (progress is guaranteed: a UTF-8 character needs at most
     * 4 bytes and a fresh buffer has at least MIN_BUFFER_SIZE).
     */

    static final Encoder<CharSequence> UTF8_LINES = (text, out) -> {
        out.putUtf8(text);
        out.reserve(1).put((byte) '\n');
    };

    final Path path;
    /** The buffer encoders write into; replaced by makeRoom. */
    ByteBuffer buffer;

    /** ASCII is copied here with plain array stores, then into the buffer in bulk. */
    private final byte[] scratch = new byte[4096];

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
        int length = text.length();
        int i = 0;
        while (i < length) {
            ByteBuffer b = buffer.hasRemaining() ? buffer : makeRoom(1);
            int n = Math.min(Math.min(length - i, b.remaining()), scratch.length);
            int k = 0;
            for (char c; k < n && (c = text.charAt(i + k)) < 0x80; k++) {
                scratch[k] = (byte) c;
            }
            b.put(scratch, 0, k);
            i += k;
            if (k < n) {
                encodeRest(text, i, length);
                return;
            }
        }
    }

    private void encodeRest(CharSequence text, int from, int to) {
        CharBuffer in = CharBuffer.wrap(text, from, to);
        utf8.reset();
        while (utf8.encode(in, buffer, true).isOverflow()) {
            makeRoom(buffer.remaining() + 1);
        }
        // With REPLACE actions encode returns only UNDERFLOW (all consumed) or OVERFLOW.
        CoderResult result;
        while ((result = utf8.flush(buffer)).isOverflow()) {
            makeRoom(buffer.remaining() + 1);
        }
        assert result.isUnderflow() : result;
    }
}
