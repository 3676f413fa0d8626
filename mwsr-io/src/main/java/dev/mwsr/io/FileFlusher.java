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

    // Record files (TFRecord framing): see RecordReader.

    /**
     * A flusher of records to a TFRecord file, appending; see
     * {@link #records(Path, boolean, boolean)}.
     *
     * @param path the file; created if missing
     * @return the flusher, which owns the file until closed
     * @throws java.io.UncheckedIOException naming the file if it cannot be opened, or if a
     *     complete record already in it has a corrupt header (appending after it is refused)
     */
    static FileFlusher<java.nio.ByteBuffer> records(Path path) {
        return RecordFileFlusher.open(path, true, false, RecordFileFlusher.DEFAULT_BUFFER);
    }

    /**
     * A flusher of records: each {@link java.nio.ByteBuffer} item, from its position to its
     * limit, becomes one record in TFRecord framing (u64 little-endian length, masked CRC-32C of
     * the length, payload, masked CRC-32C of the payload; no file header), so TensorFlow's
     * {@code TFRecordDataset} and other TFRecord readers read the file, and {@link RecordReader}
     * reads it back. The items' positions and limits are left unchanged. The flusher reads an
     * item only while its batch is being written; until then the buffer holding it keeps a
     * reference, so <b>do not modify a ByteBuffer after writing it</b> (write a copy if you
     * reuse yours).
     *
     * <p>Each batch is framed into a reused 256 KiB direct buffer and written with as few system
     * calls as it takes to write it all (larger records go out with a gathering write, uncopied);
     * when {@code accept} returns, the whole batch is in the file. If a batch fails midway, its
     * partial bytes are cut off before the next batch and at close, so the file stays a sequence
     * of whole records.
     *
     * <p>When appending, the existing file is first checked record header by record header
     * (payloads are not read) and a torn tail left by a writer that died mid-record is cut off,
     * so the new records follow the last whole one. A corrupt header is not cut off: opening
     * fails, naming its offset.
     *
     * <p>The flusher writes at its own file position: one flusher (in one process) per file.
     * Interrupting the thread that runs a batch closes the channel, as for any
     * {@link java.nio.channels.FileChannel}; later batches then fail.
     *
     * @param path the file; created if missing
     * @param append true to keep the existing records and add after them (the default), false to
     *     truncate the file to zero first
     * @param fsyncPerBatch true to call {@link java.nio.channels.FileChannel#force(boolean)
     *     force(false)} after every batch: when {@code accept} returns, the batch's bytes and the
     *     file length are on the storage device (fdatasync on Linux), so they survive a power
     *     failure. Without it they survive a crash of the JVM, not of the machine.
     * @return the flusher, which owns the file until closed
     * @throws java.io.UncheckedIOException naming the file if it cannot be opened, or if (when
     *     appending) a complete record already in it has a corrupt header
     * @throws NullPointerException if {@code path} is null
     */
    static FileFlusher<java.nio.ByteBuffer> records(Path path, boolean append, boolean fsyncPerBatch) {
        return RecordFileFlusher.open(path, append, fsyncPerBatch, RecordFileFlusher.DEFAULT_BUFFER);
    }
}
