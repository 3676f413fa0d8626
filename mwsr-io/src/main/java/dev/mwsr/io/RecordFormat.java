package dev.mwsr.io;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The TFRecord framing, shared by the writer and the reader: per record a u64 little-endian
 * payload length, the masked CRC-32C of those 8 bytes, the payload, and the masked CRC-32C of
 * the payload. No file header, no padding.
 */
final class RecordFormat {
    /** Length (8) and its checksum (4). */
    static final int HEADER = 12;
    /** Payload checksum. */
    static final int FOOTER = 4;
    /** Bytes of framing per record. */
    static final int FRAMING = HEADER + FOOTER;
    /** The largest payload a record may have here: a whole record must fit in one ByteBuffer. */
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - FRAMING;

    private static final int MASK_DELTA = 0xa282ead8;

    private RecordFormat() {}

    /** TFRecord's checksum masking: rotate right by 15 bits, add a constant (mod 2^32). */
    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    /**
     * The masked CRC-32C of {@code length} bytes of {@code view} starting at {@code at}. The view
     * is a private duplicate whose position and limit this method moves; its content is not
     * changed.
     */
    static int maskedCrc(CRC32C crc, ByteBuffer view, int at, int length) {
        view.clear().position(at).limit(at + length);
        crc.reset();
        crc.update(view);
        return mask((int) crc.getValue());
    }
}
