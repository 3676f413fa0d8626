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
 * Reads a record file written by {@link FileFlusher#records(Path)} or by any TFRecord writer
 * (uncompressed): each record is a u64 little-endian length, the masked CRC-32C of those 8
 * bytes, the payload, and the masked CRC-32C of the payload.
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
 * <p><b>Zero copy.</b> On Java 22 and later the file is mapped read-only and each record is a
 * read-only slice of the mapping; {@link #close()} unmaps the file at once. Buffers are
 * <em>invalid after close</em>: any access then throws {@link IllegalStateException}, so copy what
 * you keep. On Java 21, whose only deterministic unmapping is the preview FFM API, records are read
 * with positional reads into heap buffers instead (one copy, same API, the buffers stay readable).
 * Either way the whole file is never held in the heap, and files larger than 2 GiB are read in
 * windows; a single record may hold up to 2 GiB - 17 bytes. The reader sees the file as it was at
 * {@code open}; it must not be truncated while open (a mapped read past its new end fails with an
 * {@link InternalError}).
 *
 * <p><b>Checks.</b> Every record's two checksums are verified as it is reached. A mismatch in
 * any complete record, the last one included, is a {@link CorruptRecordException} naming the
 * byte offset at which that record starts; records before it are returned normally. The file
 * ending inside a record (a writer that died mid-write: inside the 12-byte header, or before the
 * record's declared end) is a <em>torn tail</em>, not an error: iteration stops cleanly before
 * it, and {@link #tornTail()} and {@link #validLength()} report it. Opening the file for append
 * with {@link FileFlusher#records(Path)} cuts such a tail off.
 *
 * <p><b>Threads.</b> Every call to {@link #iterator()} starts an independent pass from the start
 * of the file; each iterator belongs to one thread at a time, but several may run at once in
 * different threads. {@link #count()}, {@link #validLength()} and {@link #tornTail()} are
 * thread-safe. {@link #close()} must not run concurrently with iteration or with access to the
 * returned buffers: the actions of a thread on this reader and its buffers must happen-before the
 * call to {@code close()} (for instance by joining that thread). After close, iterating throws
 * {@link IllegalStateException}.
 */
public final class RecordReader implements Iterable<ByteBuffer>, Closeable {
    /*
     * Implementation notes.
     *
     * The work is done by RecordCursor over Windows (MappedWindows on Java 22+, HeapWindows on 21).
     * The first pass that reaches the end (an iterator, or the scan behind count()) publishes a
     * Summary through a volatile field; later calls to count() and friends reuse it. A pass that
     * meets a corrupt record publishes nothing, so every later pass meets it again.
     */

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
     * Opens a record file for reading. Reads nothing yet: checks happen as records are reached.
     *
     * @param path the file
     * @return a reader; close it to release the mapping
     * @throws IOException if the file cannot be opened or mapped (e.g. {@link java.nio.file.NoSuchFileException})
     * @throws NullPointerException if {@code path} is null
     */
    public static RecordReader open(Path path) throws IOException {
        return open(path, true, 0);
    }

    /** For tests: forces heap reads ({@code mapped == false}) or a small window size (0: default). */
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

    /**
     * Finds where the valid records of a file end, checking only the length checksums (payloads
     * are skipped unread). Used before appending.
     *
     * @return the byte length of the prefix of whole records; the rest is a torn tail
     * @throws CorruptRecordException if a complete header's checksum is wrong
     */
    static long validPrefix(Path path) throws IOException {
        try (RecordReader reader = open(path)) {
            RecordCursor cursor = reader.cursor(false);
            while (cursor.advance()) {
                // skip
            }
            return cursor.validLength();
        }
    }

    /**
     * The file.
     *
     * @return the path given to {@link #open(Path)}
     */
    public Path path() {
        return path;
    }

    /**
     * The file's length when it was opened: what this reader reads.
     *
     * @return the size in bytes
     */
    public long size() {
        return size;
    }

    /**
     * Starts a pass over the records, from the start of the file. The returned buffers are
     * read-only, big-endian, positioned at 0 with the payload's length as limit; they share the
     * mapping (see the class comment: invalid after close).
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

    /**
     * The records as a sequential stream, as {@link #iterator()} gives them.
     *
     * @return a stream; closing it does not close the reader
     */
    public Stream<ByteBuffer> stream() {
        return StreamSupport.stream(spliterator(), false);
    }

    /**
     * The number of valid records. Runs a verifying pass unless one already reached the end.
     *
     * @return the count of records before the end or the torn tail
     * @throws CorruptRecordException if a record is corrupt
     * @throws IOException if reading fails
     * @throws IllegalStateException if closed before any pass reached the end
     */
    public long count() throws IOException {
        return summary().count();
    }

    /**
     * The byte length of the valid prefix: the end of the last valid record. Equal to
     * {@link #size()} unless there is a torn tail. Runs a verifying pass unless one already
     * reached the end.
     *
     * @return the offset at which the valid records end
     * @throws CorruptRecordException if a record is corrupt
     * @throws IOException if reading fails
     * @throws IllegalStateException if closed before any pass reached the end
     */
    public long validLength() throws IOException {
        return summary().validLength();
    }

    /**
     * Whether the file ends inside a record (a torn tail after {@link #validLength()}). Runs a
     * verifying pass unless one already reached the end.
     *
     * @return true if the file ends inside a record's header or before its declared end
     * @throws CorruptRecordException if a record is corrupt
     * @throws IOException if reading fails
     * @throws IllegalStateException if closed before any pass reached the end
     */
    public boolean tornTail() throws IOException {
        return summary().torn();
    }

    /**
     * Releases the mapping (or the file) at once. Idempotent. Buffers returned earlier are
     * invalid from now on.
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
