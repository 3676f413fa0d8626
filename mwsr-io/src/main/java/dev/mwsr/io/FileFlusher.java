package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A flusher that owns a file: it writes each batch it is given and releases the file on
 * {@link #close()}. Plug it into a {@code Buffer} or {@code AsyncBuffer}; close the buffer first
 * (it delivers everything it accepted) and the flusher after it. With try-with-resources, declare
 * the flusher first so that it is closed last:
 *
 * <pre>{@code
 * try (FileFlusher<CharSequence> file = FileFlusher.block(path);
 *      AsyncBuffer<String> log = new AsyncBuffer<>(1024, file)) {
 *     log.write("hello");
 * }
 * }</pre>
 *
 * <p>Like every flusher, it is called by one thread at a time. An I/O error is thrown as an
 * {@link java.io.UncheckedIOException} whose message names the file, so it reaches the buffer's
 * failure path; nothing is swallowed.
 *
 * @param <T> the item type
 */
public interface FileFlusher<T> extends Consumer<List<? extends T>>, Closeable {
    /**
     * The file this flusher writes.
     *
     * @return the path given when it was opened
     */
    Path path();

    /**
     * Writes everything still held in memory and releases the file (and any mapping). Idempotent.
     *
     * @throws IOException if the last write or the release failed; the message names the file
     */
    @Override
    void close() throws IOException;
}
