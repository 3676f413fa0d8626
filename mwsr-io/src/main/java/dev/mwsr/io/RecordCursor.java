package dev.mwsr.io;

import static dev.mwsr.io.RecordFormat.FRAMING;
import static dev.mwsr.io.RecordFormat.HEADER;
import static dev.mwsr.io.RecordFormat.MAX_PAYLOAD;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * One forward pass over a file's records, stopping at the end, a torn tail or the first corrupt
 * record. Not thread-safe; one per iteration.
 */
final class RecordCursor {
    /*
     * A record never straddles windows: when its header (or, checking payloads, the whole record)
     * does not fit, a window at least as large is opened at the record. At offset o, r = size - o:
     *   r == 0                          clean end
     *   r < 12                          torn: the file ends inside the header
     *   length checksum wrong           corrupt (the header is complete, so this is not a tear)
     *   length > r - 16 (unsigned)      torn: the file ends before the record's declared end
     *   payload checksum wrong          corrupt
     * A complete record longer than MAX_PAYLOAD cannot be a ByteBuffer and is reported so.
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

    // false at a clean end or torn tail; a CorruptRecordException is thrown again on every later call.
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

    private int ensure(long o, int need, long left) throws IOException {
        if (window == null || o < windowStart || o + need > windowStart + window.capacity()) {
            int length = (int) Math.min(left, Math.max(windowSize, need));
            window = windows.window(o, length);
            crcView = window.duplicate();
            windowStart = o;
        }
        return (int) (o - windowStart);
    }

    ByteBuffer payload() {
        assert payloadAt >= 0 : "payloads were not read";
        return window.slice(payloadAt, payloadLength);
    }

    long validLength() {
        return offset;
    }

    long count() {
        return count;
    }

    boolean finished() {
        return done && failure == null;
    }

    boolean torn() {
        return torn;
    }
}
