package dev.mwsr.jmh;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * TFRecord records of {@value #PAYLOAD}-byte payloads (CRC-32C of length and payload included)
 * behind an {@link AsyncBuffer}, written by {@link FileFlusher#records}: {@value #RECORD_BYTES}
 * bytes in the file per record. Every write enqueues the same read-only payload buffer (the
 * flusher leaves its position and limit alone), so writers allocate nothing. The line text passed
 * to {@link #write} is ignored.
 */
final class RecordFileSink implements LineSink {
    static final int PAYLOAD = 100;
    /** Payload plus TFRecord's 16 bytes of framing. */
    static final int RECORD_BYTES = PAYLOAD + 16;

    private static final ByteBuffer RECORD = ByteBuffer.wrap(
                    (LineSink.LINE + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII))
            .asReadOnlyBuffer();

    private final FileFlusher<ByteBuffer> flusher;
    private final AsyncBuffer<ByteBuffer> buffer;

    RecordFileSink(Path file, int capacity) {
        this.flusher = FileFlusher.records(file, FileFlusher.Options.DEFAULT.truncate());
        this.buffer = new AsyncBuffer<>(capacity, flusher);
    }

    @Override
    public void write(String line) {
        buffer.write(RECORD);
    }

    @Override
    public int bytesPerLine() {
        return RECORD_BYTES;
    }

    @Override
    public void close() throws IOException {
        try {
            buffer.close();
        } finally {
            flusher.close();
        }
    }
}
