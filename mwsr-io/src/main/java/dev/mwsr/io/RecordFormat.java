package dev.mwsr.io;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** TFRecord framing: u64 LE length, its masked CRC-32C, payload, masked CRC-32C; no header, no padding. */
final class RecordFormat {
    static final int HEADER = 12;
    static final int FOOTER = 4;
    static final int FRAMING = HEADER + FOOTER;
    // A whole record must fit in one ByteBuffer.
    static final int MAX_PAYLOAD = Integer.MAX_VALUE - FRAMING;

    private static final int MASK_DELTA = 0xa282ead8;

    private RecordFormat() {}

    static int mask(int crc) {
        return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
    }

    // Moves the private view's position and limit, never its content.
    static int maskedCrc(CRC32C crc, ByteBuffer view, int at, int length) {
        view.clear().position(at).limit(at + length);
        crc.reset();
        crc.update(view);
        return mask((int) crc.getValue());
    }
}
