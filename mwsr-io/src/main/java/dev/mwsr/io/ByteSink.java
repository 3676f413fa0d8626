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
     * putUtf8 copies a leading run of ASCII characters byte by byte (no allocation; most log
     * lines are all ASCII) and hands the rest to one CharsetEncoder reused for the life of the
     * sink. Its only allocation is the CharBuffer wrapper of the non-ASCII rest. On OVERFLOW it
     * asks for remaining() + 1 bytes, which forces the subclass to write out or grow (progress
     * is guaranteed: a UTF-8 character needs at most 4 bytes and a fresh buffer has at least
     * MIN_BUFFER_SIZE).
     */

    static final Encoder<CharSequence> UTF8_LINES = (text, out) -> {
        out.putUtf8(text);
        out.reserve(1).put((byte) '\n');
    };

    final Path path;
    /** The buffer encoders write into; replaced by makeRoom. */
    ByteBuffer buffer;

    private final CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
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
        ByteBuffer b = buffer;
        int i = 0;
        for (; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                break;
            }
            if (!b.hasRemaining()) {
                b = makeRoom(1);
            }
            b.put((byte) c);
        }
        if (i < length) {
            encodeRest(text, i, length);
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
