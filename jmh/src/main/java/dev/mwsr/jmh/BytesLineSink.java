package dev.mwsr.jmh;

import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.io.ByteChannelFlusher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Lines encoded on the writer threads: each thread encodes its line into its own reused byte[]
 * (ASCII by a bulk {@code getChars} and a narrowing loop, anything else by
 * {@code String.getBytes(UTF_8)}) and writes the bytes into one shared {@link ByteBatchBuffer}
 * (writers copy into a region in parallel; the writer that fills a region writes it), flushed by
 * {@link ByteChannelFlusher#toFile}. A text front on ByteBatchBuffer.
 */
final class BytesLineSink implements LineSink {
    private static final int REGION = 1 << 20;

    private final ByteChannelFlusher flusher;
    private final ByteBatchBuffer buffer;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    BytesLineSink(Path file) throws IOException {
        this.flusher = ByteChannelFlusher.toFile(file, ByteChannelFlusher.Option.TRUNCATE);
        this.buffer = new ByteBatchBuffer(REGION, true, flusher);
    }

    /** One writer thread's encoding space. */
    private static final class Scratch {
        char[] chars = new char[256];
        byte[] bytes = new byte[257];
    }

    @Override
    public void write(String line) {
        Scratch s = scratch.get();
        int n = line.length();
        if (n > s.chars.length) {
            s.chars = new char[n];
            s.bytes = new byte[n + 1];
        }
        char[] chars = s.chars;
        byte[] bytes = s.bytes;
        line.getChars(0, n, chars, 0);
        int any = 0;
        for (int i = 0; i < n; i++) {
            char c = chars[i];
            any |= c;
            bytes[i] = (byte) c;
        }
        if (any < 0x80) {
            bytes[n] = '\n';
            buffer.write(bytes, 0, n + 1);
        } else {
            byte[] utf8 = (line + "\n").getBytes(StandardCharsets.UTF_8);
            buffer.write(utf8, 0, utf8.length);
        }
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
