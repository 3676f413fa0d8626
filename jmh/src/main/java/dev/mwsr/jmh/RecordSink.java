package dev.mwsr.jmh;

import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.io.ByteChannelFlusher;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * One way of getting pre-encoded byte records from many threads into one sink, for
 * {@link ByteBench}. {@link #close()} returns once every record written before it is in the sink
 * and the sink is released; {@link #delivered()} is then the number of bytes the sink received
 * (the in-memory sinks count them, the file sinks report -1: the caller checks the file).
 */
abstract class RecordSink implements AutoCloseable {
    /** Buffer size of both sides: each ByteBatchBuffer region, and the BufferedOutputStream's buffer. */
    static final int BUFFER_BYTES = 64 * 1024;

    abstract void write(byte[] record) throws IOException;

    @Override
    public abstract void close() throws IOException;

    abstract long delivered();

    /**
     * @param impl {@code bytes} (ByteBatchBuffer, direct regions), {@code buffered-stream} (one
     *     BufferedOutputStream, one {@code write} call per record on its own lock) or
     *     {@code buffered-stream-sync} (the same, each record inside {@code synchronized (out)})
     * @param file the file to write, truncated; null for the in-memory counting sink
     */
    static RecordSink create(String impl, Path file) throws IOException {
        return switch (impl) {
            case "bytes" -> new Bytes(file);
            case "buffered-stream" -> new Stream(file, false);
            case "buffered-stream-sync" -> new Stream(file, true);
            default -> throw new IllegalArgumentException("unknown impl '" + impl + "'");
        };
    }

    /** The flusher of the in-memory sink: counts the batch's bytes and consumes them. */
    private static final class CountingFlusher implements Consumer<ByteBuffer> {
        /** Written by one flushing thread at a time; read after close(), which orders it. */
        long bytes;

        @Override
        public void accept(ByteBuffer batch) {
            bytes += batch.remaining();
            batch.position(batch.limit());
        }
    }

    /** The stream of the in-memory sink: counts the bytes the BufferedOutputStream passes down. */
    private static final class CountingStream extends OutputStream {
        /** Written under the BufferedOutputStream's lock; read after its close(). */
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /** mwsr: writers copy into one shared direct region; the writer that overflows it flushes. */
    private static final class Bytes extends RecordSink {
        private final ByteBatchBuffer buffer;
        private final CountingFlusher counter;
        private final ByteChannelFlusher file;

        Bytes(Path path) throws IOException {
            if (path == null) {
                counter = new CountingFlusher();
                file = null;
                buffer = new ByteBatchBuffer(BUFFER_BYTES, true, counter);
            } else {
                counter = null;
                file = ByteChannelFlusher.toFile(path, ByteChannelFlusher.Option.TRUNCATE);
                buffer = new ByteBatchBuffer(BUFFER_BYTES, true, file);
            }
        }

        @Override
        void write(byte[] record) {
            buffer.write(record);
        }

        @Override
        public void close() throws IOException {
            try {
                buffer.close();
            } finally {
                if (file != null) {
                    file.close();
                }
            }
        }

        @Override
        long delivered() {
            return counter == null ? -1 : counter.bytes;
        }
    }

    /**
     * The everyday baseline: one {@link BufferedOutputStream} of {@link #BUFFER_BYTES} shared by
     * all threads over a {@link FileOutputStream} (or the counting stream); whoever fills the
     * buffer does the system call. Without {@code monitor}, each record is one {@code write} call
     * on the stream's own lock (on JDK 25 its write methods are {@code synchronized}, so one call
     * is atomic); with it, each record is written inside {@code synchronized (out)} as well, as
     * code must when a record takes several calls (a second, reentrant monitor enter here).
     */
    private static final class Stream extends RecordSink {
        private final BufferedOutputStream out;
        private final CountingStream counter;
        private final boolean monitor;

        Stream(Path path, boolean monitor) throws IOException {
            this.monitor = monitor;
            if (path == null) {
                counter = new CountingStream();
                out = new BufferedOutputStream(counter, BUFFER_BYTES);
            } else {
                counter = null;
                out = new BufferedOutputStream(new FileOutputStream(path.toFile()), BUFFER_BYTES); // truncates
            }
        }

        @Override
        void write(byte[] record) throws IOException {
            if (monitor) {
                synchronized (out) {
                    out.write(record);
                }
            } else {
                out.write(record);
            }
        }

        @Override
        public void close() throws IOException {
            synchronized (out) {
                out.close();
            }
        }

        @Override
        long delivered() {
            return counter == null ? -1 : counter.bytes;
        }
    }
}
