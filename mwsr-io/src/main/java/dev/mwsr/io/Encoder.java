package dev.mwsr.io;

import java.nio.ByteBuffer;

/**
 * Turns one item into bytes, written straight into a file flusher's write buffer (or mapped
 * window): no intermediate {@code byte[]} per item. Used by the {@link FileFlusher} factories that
 * take an encoder, for items of any type:
 *
 * <pre>{@code
 * record Tick(long time, double price) {}
 * Encoder<Tick> ticks = (t, out) -> out.reserve(16).putLong(t.time()).putDouble(t.price());
 * FileFlusher<Tick> file = FileFlusher.block(path, ticks, FileFlusher.Options.DEFAULT);
 * }</pre>
 *
 * <p><b>Threads.</b> A flusher calls its encoder from one thread at a time (the thread running the
 * flusher), with a {@link Sink} that belongs to that flusher; an encoder without state of its own,
 * like the one above, may be shared by any number of flushers. The sink is valid only during the
 * call.
 *
 * <p>An item may be larger than the flusher's buffer: {@link Sink#reserve(int)} writes out what is
 * buffered and, if needed, gives a larger buffer for that item; text written with
 * {@link Sink#putUtf8(CharSequence)} is written out piecewise as the buffer fills up.
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface Encoder<T> {
    /**
     * Writes {@code item} into {@code out}. Must not keep {@code out} or any buffer it returned.
     *
     * @param item the item, never null
     * @param out where the bytes go, valid only during this call
     */
    void encode(T item, Sink out);

    /**
     * The encoder of the text flushers: each item as UTF-8 followed by {@code '\n'}. Characters
     * that UTF-8 cannot represent (unpaired surrogates) are written as {@code '?'}, as
     * {@link String#getBytes(java.nio.charset.Charset)} does. The item's own line breaks are
     * written as they are. Stateless and shareable.
     *
     * @return the UTF-8 line encoder
     */
    static Encoder<CharSequence> utf8Lines() {
        return ByteSink.UTF8_LINES;
    }

    /**
     * Where an {@link Encoder} puts the bytes of one item: a window onto the flusher's write buffer
     * or mapped region. Bytes written into the buffer returned by {@link #reserve(int)} between its
     * position and its limit are part of the file, in order, once the encoder returns.
     *
     * <p>Not thread-safe: it belongs to the thread running the flusher, for one {@code encode}
     * call.
     */
    interface Sink {
        /**
         * Returns the buffer to write into, positioned at the next byte of the file, with at least
         * {@code bytes} bytes remaining: writes out what is buffered first if needed, and gives a
         * larger buffer (or mapping) for a request larger than the flusher's buffer. The buffer is
         * big-endian on every return (an encoder may change its order until its next call here),
         * and valid until the next call to this sink; write with relative {@code put} methods only,
         * and never move its position back.
         *
         * @param bytes the room needed, {@code >= 0}
         * @return the write buffer, with {@code remaining() >= bytes}
         * @throws IllegalArgumentException if {@code bytes < 0}
         * @throws java.io.UncheckedIOException if writing out failed; the message names the file
         */
        ByteBuffer reserve(int bytes);

        /**
         * Writes {@code text} as UTF-8 (no line break added), with the sink's reused
         * {@link java.nio.charset.CharsetEncoder}: no {@code byte[]} per call. Text longer than
         * the buffer is written out in pieces. Unpaired surrogates become {@code '?'}.
         *
         * @param text the characters to write
         * @throws java.io.UncheckedIOException if writing out failed; the message names the file
         */
        void putUtf8(CharSequence text);
    }
}
