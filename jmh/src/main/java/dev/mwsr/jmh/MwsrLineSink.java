package dev.mwsr.jmh;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * mwsr's file flushers behind an {@link AsyncBuffer} (writers encode their lines and enqueue the
 * bytes; the consumer thread copies them into the file), or behind a {@link Buffer} (the writer
 * that fills a half encodes and writes it).
 * Closing closes the buffer first, then the flusher, as the contract asks.
 */
final class MwsrLineSink implements LineSink {
    private final FileFlusher<CharSequence> flusher;
    private final Consumer<String> write;
    private final Runnable closeBuffer;

    /**
     * @param flusherKind line, block, mmap or appendClose
     * @param async AsyncBuffer if true, Buffer if false
     */
    MwsrLineSink(String flusherKind, boolean async, Path file, int capacity) throws IOException {
        this.flusher = switch (flusherKind) {
            case "line" -> FileFlusher.line(file);
            case "block" -> FileFlusher.block(file);
            case "mmap" -> FileFlusher.mmap(file);
            case "appendClose" -> FileFlusher.appendClose(file);
            default -> throw new IllegalArgumentException("unknown flusher '" + flusherKind + "'");
        };
        if (async) {
            AsyncBuffer<String> buffer = new AsyncBuffer<>(capacity, flusher);
            this.write = buffer::write;
            this.closeBuffer = buffer::close;
        } else {
            Buffer<String> buffer = new Buffer<>(capacity, flusher);
            this.write = buffer::write;
            this.closeBuffer = buffer::close;
        }
    }

    @Override
    public void write(String line) {
        write.accept(line);
    }

    @Override
    public void close() throws IOException {
        try {
            closeBuffer.run();
        } finally {
            flusher.close();
        }
    }
}
