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
 * <p>A flusher calls its encoder from one thread at a time with its own {@link Sink}; a stateless
 * encoder, like the one above, may be shared by any number of flushers. An item may be larger than
 * the flusher's buffer (see {@link Sink#reserve(int)}).
 *
 * @param <T> the item type
 */
@FunctionalInterface
public interface Encoder<T> {
    /**
     * Writes {@code item} into {@code out}; must not keep {@code out} or a buffer it returned.
     *
     * @param item the item, never null
     * @param out where the bytes go, valid only during this call
     */
    void encode(T item, Sink out);

    /**
     * @return the text flushers' stateless encoder: each item as UTF-8 (unpaired surrogates as
     *     {@code '?'}, its own line breaks as they are) followed by {@code '\n'}
     */
    static Encoder<CharSequence> utf8Lines() {
        return ByteSink.UTF8_LINES;
    }

    /**
     * Where an {@link Encoder} puts one item's bytes: a window onto the flusher's write buffer or
     * mapping. What is {@code put} into {@link #reserve(int)}'s buffer is part of the file, in
     * order, once the encoder returns. Not thread-safe; valid for one {@code encode} call.
     */
    interface Sink {
        /**
         * Returns the buffer positioned at the file's next byte with at least {@code bytes}
         * remaining, writing out what is buffered if needed; a request larger than the flusher's
         * buffer gets a larger buffer (or mapping). Big-endian on every return; valid until the
         * next call to this sink. Write with relative {@code put} only; never move position back.
         *
         * @param bytes the room needed, {@code >= 0}
         * @return the write buffer, with {@code remaining() >= bytes}
         * @throws IllegalArgumentException if {@code bytes < 0}
         * @throws java.io.UncheckedIOException if writing out failed; the message names the file
         */
        ByteBuffer reserve(int bytes);

        /**
         * Writes {@code text} as UTF-8, no line break added, no {@code byte[]} per call; text
         * longer than the buffer goes out in pieces. Unpaired surrogates become {@code '?'}.
         *
         * @param text the characters to write
         * @throws java.io.UncheckedIOException if writing out failed; the message names the file
         */
        void putUtf8(CharSequence text);
    }
}
