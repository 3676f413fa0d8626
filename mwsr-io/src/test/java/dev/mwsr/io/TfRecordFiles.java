package dev.mwsr.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An independent TFRecord codec for tests: its own bitwise CRC-32C (not java.util.zip.CRC32C), its
 * own masking expression, and stream-based little-endian parsing. It checks the production code
 * rather than sharing its mistakes.
 */
public final class TfRecordFiles {
    private TfRecordFiles() {}

    /** CRC-32C (Castagnoli), bit by bit, reflected polynomial 0x82F63B78. */
    public static int crc32c(byte[] b, int off, int len) {
        int c = 0xFFFFFFFF;
        for (int i = off; i < off + len; i++) {
            c ^= b[i] & 0xff;
            for (int k = 0; k < 8; k++) {
                c = (c >>> 1) ^ ((c & 1) != 0 ? 0x82F63B78 : 0);
            }
        }
        return ~c;
    }

    public static int masked(byte[] b) {
        return Integer.rotateRight(crc32c(b, 0, b.length), 15) + 0xa282ead8;
    }

    private static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** The bytes of a TFRecord file holding these payloads. */
    public static byte[] encode(List<byte[]> payloads) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : payloads) {
            byte[] length = le64(p.length);
            out.writeBytes(length);
            out.writeBytes(le32(masked(length)));
            out.writeBytes(p);
            out.writeBytes(le32(masked(p)));
        }
        return out.toByteArray();
    }

    /** Parses a whole file strictly: any checksum mismatch or trailing byte is an AssertionError. */
    public static List<byte[]> parse(byte[] file) {
        List<byte[]> records = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(file))) {
            long offset = 0;
            while (in.available() > 0) {
                byte[] lengthBytes = in.readNBytes(8);
                if (lengthBytes.length < 8) {
                    throw new AssertionError("trailing " + lengthBytes.length + " bytes at " + offset);
                }
                long length = Long.reverseBytes(new DataInputStream(new ByteArrayInputStream(lengthBytes)).readLong());
                int lengthCrc = Integer.reverseBytes(in.readInt());
                if (lengthCrc != masked(lengthBytes)) {
                    throw new AssertionError("length crc mismatch at " + offset);
                }
                byte[] payload = new byte[Math.toIntExact(length)];
                in.readFully(payload);
                int payloadCrc = Integer.reverseBytes(in.readInt());
                if (payloadCrc != masked(payload)) {
                    throw new AssertionError("payload crc mismatch at " + offset);
                }
                records.add(payload);
                offset += 16 + length;
            }
        } catch (EOFException e) {
            throw new AssertionError("file ends inside a record", e);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return records;
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String utf8(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return bytes;
    }
}
