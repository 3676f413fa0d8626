package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Writing out: partial writes are looped, failures name the file, a failed batch is not carried over. */
class ChannelSinkTest {
    private static final Path PATH = Path.of("/some/file.log");

    @Test
    void partialWrites_areLoopedUntilEverythingIsWritten() {
        PartialChannel channel = new PartialChannel(7);
        ChannelSink sink = new ChannelSink(new FileEnd(PATH, channel, false), 256, false);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 500; i++) {
            String line = "line " + i + " \u00e9";
            Encoder.utf8Lines().encode(line, sink);
            expected.append(line).append('\n');
        }
        sink.drain();
        assertEquals(expected.toString(), channel.written.toString(StandardCharsets.UTF_8));
        assertTrue(channel.calls > expected.length() / 7, "writes were partial: " + channel.calls);
    }

    @Test
    void writeFailure_namesTheFile_andTheFailedBytesAreNotWrittenLater() {
        PartialChannel channel = new PartialChannel(1 << 20);
        ChannelSink sink = new ChannelSink(new FileEnd(PATH, channel, false), 256, false);
        Encoder.utf8Lines().encode("failed batch", sink);
        channel.failNext = true;
        UncheckedIOException e = assertThrows(UncheckedIOException.class, sink::drain);
        assertTrue(e.getMessage().contains(PATH.toString()), e.getMessage());
        Encoder.utf8Lines().encode("next batch", sink);
        sink.drain();
        assertEquals("next batch\n", channel.written.toString(StandardCharsets.UTF_8));
    }

    /** A channel that writes at most {@code max} bytes per call, or fails once when told. */
    private static final class PartialChannel extends FileChannel {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        final int max;
        int calls;
        boolean failNext;

        PartialChannel(int max) {
            this.max = max;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            calls++;
            if (failNext) {
                failNext = false;
                throw new IOException("No space left on device");
            }
            int n = Math.min(max, src.remaining());
            for (int i = 0; i < n; i++) {
                written.write(src.get());
            }
            return n;
        }

        @Override
        public int read(ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() {
            return written.size();
        }

        @Override
        public FileChannel position(long newPosition) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long size() {
            return written.size();
        }

        @Override
        public FileChannel truncate(long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void force(boolean metaData) {}

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int write(ByteBuffer src, long position) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() {}
    }
}
