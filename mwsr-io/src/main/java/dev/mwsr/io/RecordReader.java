package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Reads a record file written by {@link FileFlusher#records(Path)} or any uncompressed TFRecord
 * writer (framing: see {@link FileFlusher#records(Path, Options)}).
 *
 * <pre>{@code
 * try (RecordReader records = RecordReader.open(path)) {
 *     for (ByteBuffer record : records) {
 *         process(record);                  // read-only, valid until close()
 *     }
 *     if (records.tornTail()) { ... }       // the writer died inside the last record
 * }
 * }</pre>
 *
 * <p><b>Buffers.</b> On Java 22+ each record is a read-only slice of a read-only mapping that
 * {@link #close()} unmaps at once: buffers are <em>invalid after close</em> (access throws
 * {@link IllegalStateException}), so copy what you keep. On Java 21 records are copied into heap
 * buffers by positional reads (they stay readable). The file is read in windows, never whole; a
 * record holds up to 2 GiB - 17 bytes. The reader sees the file as it was at {@code open}; it must
 * not be truncated while open (a mapped read past its new end fails with {@link InternalError}).
 *
 * <p><b>Checks.</b> Both checksums of every record are verified as it is reached. A mismatch in a
 * complete record, the last one included, is a {@link CorruptRecordException} naming the offset
 * where that record starts; records before it are returned. A file ending inside a record's header
 * or before its declared end is a <em>torn tail</em>, not an error: iteration stops before it, and
 * {@link #tornTail()} and {@link #validLength()} report it.
 *
 * <p><b>Threads.</b> Each {@link #iterator()} is an independent pass from the start, confined to
 * one thread at a time; several may run at once. {@link #count()}, {@link #validLength()} and
 * {@link #tornTail()} are thread-safe. Every use of the reader and its buffers must happen-before
 * {@link #close()}; after it, iterating throws {@link IllegalStateException}.
 */
public final class RecordReader implements Iterable<ByteBuffer>, Closeable {
    // The first pass to reach the end publishes a Summary (volatile; racing passes publish equal
    // ones). A pass that meets a corrupt record publishes nothing, so later passes meet it again.
    private record Summary(long count, long validLength, boolean torn) {}

    private final Path path;
    private final long size;
    private final Windows windows;
    private final int windowSize;
    private volatile Summary summary;
    private volatile boolean closed;

    private RecordReader(Path path, long size, Windows windows, int windowSize) {
        this.path = path;
        this.size = size;
        this.windows = windows;
        this.windowSize = windowSize;
    }

    /**
     * Opens a record file; reads nothing until records are reached.
     *
     * @param path the file
     * @return a reader; close it to release the mapping
     * @throws IOException if the file cannot be opened or mapped
     */
    public static RecordReader open(Path path) throws IOException {
        return open(path, true, 0);
    }

    // Tests force heap reads or a small window (0: default).
    static RecordReader open(Path path, boolean preferMapping, int windowSize) throws IOException {
        Objects.requireNonNull(path, "path");
        if (Files.isDirectory(path)) {
            throw new IOException(path + ": is a directory, not a record file");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        long size;
        try {
            size = channel.size();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        Windows windows = Windows.open(path, channel, size, preferMapping);
        return new RecordReader(path, size, windows, windowSize > 0 ? windowSize : windows.preferredWindow());
    }

    // Length of the whole-record prefix, checking headers only; CorruptRecordException on a bad one.
    static long validPrefix(Path path) throws IOException {
        try (RecordReader reader = open(path)) {
            RecordCursor cursor = reader.cursor(false);
            while (cursor.advance()) {
                // skip
            }
            return cursor.validLength();
        }
    }

    /** @return the path given to {@link #open(Path)} */
    public Path path() {
        return path;
    }

    /** @return the file's length at {@code open}, in bytes: what this reader reads */
    public long size() {
        return size;
    }

    /**
     * Starts a pass from the start of the file. Buffers are read-only, big-endian, position 0,
     * limit the payload's length.
     *
     * @return an iterator whose {@code hasNext}/{@code next} throw {@link UncheckedIOException}
     *     (cause: {@link CorruptRecordException}) at a corrupt record, and
     *     {@link IllegalStateException} once the reader is closed
     */
    @Override
    public Iterator<ByteBuffer> iterator() {
        checkOpen();
        return new Records(cursor(true));
    }

    /** @return the records of {@link #iterator()} as a sequential stream; closing it does not close the reader */
    public Stream<ByteBuffer> stream() {
        return StreamSupport.stream(spliterator(), false);
    }

    /**
     * Runs a verifying pass unless one already reached the end; so do {@link #validLength()} and
     * {@link #tornTail()}, with the same exceptions.
     *
     * @return the number of records before the end or the torn tail
     * @throws CorruptRecordException if a record is corrupt
     * @throws IOException if reading fails
     * @throws IllegalStateException if closed before any pass reached the end
     */
    public long count() throws IOException {
        return summary().count();
    }

    /**
     * @return where the last valid record ends; {@link #size()} unless there is a torn tail
     * @throws IOException as {@link #count()}
     */
    public long validLength() throws IOException {
        return summary().validLength();
    }

    /**
     * @return whether the file ends inside a record (a torn tail after {@link #validLength()})
     * @throws IOException as {@link #count()}
     */
    public boolean tornTail() throws IOException {
        return summary().torn();
    }

    /**
     * Releases the mapping (or the file) at once; idempotent.
     *
     * @throws IOException if releasing fails; the message names the file
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            windows.close();
        } catch (IOException e) {
            throw new IOException(path + ": close failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "RecordReader[" + path + ", " + size + " bytes" + (closed ? ", closed]" : "]");
    }

    private RecordCursor cursor(boolean checkPayloads) {
        return new RecordCursor(path, windows, size, windowSize, checkPayloads);
    }

    private Summary summary() throws IOException {
        Summary s = summary;
        if (s != null) {
            return s;
        }
        checkOpen();
        RecordCursor cursor = cursor(true);
        while (cursor.advance()) {
            // verify only
        }
        return publish(cursor);
    }

    private Summary publish(RecordCursor cursor) {
        Summary s = new Summary(cursor.count(), cursor.validLength(), cursor.torn());
        summary = s;
        return s;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(path + ": the record reader is closed; its records and their"
                    + " buffers are invalid after close(): open the file again");
        }
    }

    private final class Records implements Iterator<ByteBuffer> {
        private final RecordCursor cursor;
        private boolean ready;

        Records(RecordCursor cursor) {
            this.cursor = cursor;
        }

        @Override
        public boolean hasNext() {
            checkOpen();
            if (!ready) {
                try {
                    ready = cursor.advance();
                } catch (IOException e) {
                    throw new UncheckedIOException(e.getMessage(), e);
                }
                if (!ready && summary == null) {
                    publish(cursor);
                }
            }
            return ready;
        }

        @Override
        public ByteBuffer next() {
            if (!hasNext()) {
                throw new NoSuchElementException(path + ": no more records");
            }
            ready = false;
            return cursor.payload();
        }
    }
}
