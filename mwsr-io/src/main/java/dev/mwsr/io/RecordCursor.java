package dev.mwsr.io;

import static dev.mwsr.io.RecordFormat.FRAMING;
import static dev.mwsr.io.RecordFormat.HEADER;
import static dev.mwsr.io.RecordFormat.MAX_PAYLOAD;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * One forward pass over the records of a file: checks each record's framing and checksums and
 * stops at the end, at a torn tail, or at the first corrupt record. Not thread-safe; one per
 * iteration.
 */
final class RecordCursor {
    /*
     * Implementation notes.
     *
     * The file is read through windows (see Windows). A record is only ever looked at within one
     * window: when its header, or (if payloads are checked) the whole record, does not fit behind
     * the current window's end, a new window starting at the record is opened, at least as large
     * as the record. So records never straddle windows and payloads are plain slices.
     *
     * At offset o with r = size - o bytes left:
     *   r == 0                          clean end
     *   r < 12                          torn: the file ends inside the header
     *   length checksum wrong           corrupt (the header is complete, so this is not a tear)
     *   length > r - 16 (unsigned)      torn: the file ends before the record's declared end
     *   payload checksum wrong          corrupt
     * A complete record whose length exceeds MAX_PAYLOAD cannot be returned as a ByteBuffer and
     * is reported as such (our writer never writes one).
     */

    private final Path path;
    private final Windows windows;
    private final long size;
    private final int windowSize;
    private final boolean checkPayloads;
    private final CRC32C crc = new CRC32C();

    private ByteBuffer window;
    private ByteBuffer crcView;
    private long windowStart;

    private long offset;
    private int payloadAt;
    private int payloadLength;
    private long count;
    private boolean done;
    private boolean torn;
    private IOException failure;

    RecordCursor(Path path, Windows windows, long size, int windowSize, boolean checkPayloads) {
        this.path = path;
        this.windows = windows;
        this.size = size;
        this.windowSize = windowSize;
        this.checkPayloads = checkPayloads;
    }

    /**
     * Moves to the next record.
     *
     * @return true if there is one ({@link #payload()} returns it), false at a clean end or a torn tail
     * @throws CorruptRecordException at a corrupt record, and again on every later call
     */
    boolean advance() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (done) {
            return false;
        }
        try {
            return step();
        } catch (IOException e) {
            failure = e;
            done = true;
            throw e;
        }
    }

    private boolean step() throws IOException {
        long o = offset;
        long left = size - o;
        if (left == 0) {
            done = true;
            return false;
        }
        if (left < HEADER) {
            return tear();
        }
        int at = ensure(o, HEADER, left);
        long length = window.getLong(at);
        int stored = window.getInt(at + 8);
        int computed = RecordFormat.maskedCrc(crc, crcView, at, 8);
        if (computed != stored) {
            throw new CorruptRecordException(
                    path,
                    o,
                    String.format("length checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
        if (left < FRAMING || Long.compareUnsigned(length, left - FRAMING) > 0) {
            return tear();
        }
        if (length > MAX_PAYLOAD) {
            throw new IOException(path + ": record at byte offset " + o + " has a payload of " + length
                    + " bytes, more than the " + MAX_PAYLOAD + " a ByteBuffer can return");
        }
        int len = (int) length;
        if (checkPayloads) {
            at = ensure(o, FRAMING + len, left);
            stored = window.getInt(at + HEADER + len);
            computed = RecordFormat.maskedCrc(crc, crcView, at + HEADER, len);
            if (computed != stored) {
                throw new CorruptRecordException(
                        path,
                        o,
                        String.format(
                                "payload checksum mismatch (stored 0x%08x, computed 0x%08x, length %d)",
                                stored, computed, len));
            }
            payloadAt = at + HEADER;
        } else {
            payloadAt = -1;
        }
        payloadLength = len;
        offset = o + FRAMING + len;
        count++;
        return true;
    }

    private boolean tear() {
        torn = true;
        done = true;
        return false;
    }

    /** Makes the window cover {@code [o, o + need)}; returns o's index in it. */
    private int ensure(long o, int need, long left) throws IOException {
        if (window == null || o < windowStart || o + need > windowStart + window.capacity()) {
            int length = (int) Math.min(left, Math.max(windowSize, need));
            window = windows.window(o, length);
            crcView = window.duplicate();
            windowStart = o;
        }
        return (int) (o - windowStart);
    }

    /** The current record's payload: a read-only big-endian slice of the window. */
    ByteBuffer payload() {
        assert payloadAt >= 0 : "payloads were not read";
        return window.slice(payloadAt, payloadLength);
    }

    /** Start of the first byte not (yet) known to belong to a valid record. */
    long validLength() {
        return offset;
    }

    long count() {
        return count;
    }

    /** Whether the pass ended, cleanly or at a torn tail (not by corruption). */
    boolean finished() {
        return done && failure == null;
    }

    boolean torn() {
        return torn;
    }
}
