package dev.mwsr.io;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.FlushFailedException;
import dev.mwsr.PartialFlushException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class ByteChannelFlusherTest {
    @TempDir
    Path dir;

    /** A channel that takes at most {@code max} bytes per write, and can be told to fail. */
    static final class StingyChannel implements WritableByteChannel {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final int max;
        int writes;
        int zeroesFirst;
        boolean fail;
        boolean open = true;

        StingyChannel(int max) {
            this.max = max;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (fail) {
                throw new IOException("device unplugged");
            }
            writes++;
            if (zeroesFirst > 0) {
                zeroesFirst--;
                return 0;
            }
            int n = Math.min(max, src.remaining());
            byte[] chunk = new byte[n];
            src.get(chunk);
            got.writeBytes(chunk);
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }

        @Override
        public String toString() {
            return "stingy-channel-42";
        }
    }

    @Test
    void severalThreadsThroughTheBuffer_roundTripIntoTheFile() throws Exception {
        Path file = dir.resolve("out.bin");
        int threads = 4;
        int perThread = 3000;
        try (ByteChannelFlusher flusher = ByteChannelFlusher.toFile(file);
                ByteBatchBuffer buffer = new ByteBatchBuffer(512, flusher)) {
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> all = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                all.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int seq = 0; seq < perThread; seq++) {
                            byte[] line = (id + ":" + seq + ":" + "p".repeat(seq % 37) + "\n").getBytes(UTF_8);
                            if (seq % 2 == 0) {
                                buffer.write(line);
                            } else {
                                buffer.write(ByteBuffer.wrap(line));
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread t : all) {
                t.join();
            }
            assertEquals(null, failure.get());
        }
        int[] next = new int[threads];
        List<String> lines = Files.readAllLines(file, UTF_8);
        for (String line : lines) {
            String[] parts = line.split(":", -1);
            int id = Integer.parseInt(parts[0]);
            int seq = Integer.parseInt(parts[1]);
            assertEquals(next[id]++, seq, "thread " + id + ": order or exactly-once broken");
            assertEquals("p".repeat(seq % 37), parts[2]);
        }
        assertEquals(threads * perThread, lines.size());
    }

    @Test
    void toFile_appendsByDefault_truncatesWhenAsked_fsyncWorks() throws Exception {
        Path file = dir.resolve("log.txt");
        Files.writeString(file, "old\n");
        try (ByteChannelFlusher flusher = ByteChannelFlusher.toFile(file)) {
            flusher.accept(ByteBuffer.wrap("new\n".getBytes(UTF_8)));
        }
        assertEquals("old\nnew\n", Files.readString(file));
        try (ByteChannelFlusher flusher =
                ByteChannelFlusher.toFile(file, ByteChannelFlusher.Option.TRUNCATE, ByteChannelFlusher.Option.FSYNC)) {
            ByteBuffer batch = ByteBuffer.wrap("only\n".getBytes(UTF_8));
            flusher.accept(batch);
            assertFalse(batch.hasRemaining());
            assertEquals("only\n", Files.readString(file), "written before accept returns");
        }
        assertEquals("only\n", Files.readString(file));
    }

    @Test
    void partialWrites_areLoopedUntilEveryByteIsWritten() throws Exception {
        StingyChannel channel = new StingyChannel(7);
        channel.zeroesFirst = 3;
        byte[] expected = new byte[1000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 13);
        }
        try (ByteChannelFlusher flusher = ByteChannelFlusher.to(channel);
                ByteBatchBuffer buffer = new ByteBatchBuffer(64, flusher)) {
            for (int i = 0; i < expected.length; i += 10) {
                buffer.write(expected, i, 10);
            }
            buffer.write(new byte[0]);
        }
        assertArrayEquals(expected, channel.got.toByteArray());
        assertTrue(channel.writes >= 1000 / 7 + 3, "the fake channel really wrote in pieces");
        assertFalse(channel.isOpen(), "close() closes the channel it owns");
    }

    @Test
    void ioError_isUncheckedAndNamesTheChannel_andFailsTheBuffer() throws Exception {
        StingyChannel channel = new StingyChannel(100);
        channel.fail = true;
        ByteChannelFlusher flusher = ByteChannelFlusher.to(channel);
        UncheckedIOException direct =
                assertThrows(UncheckedIOException.class, () -> flusher.accept(ByteBuffer.wrap(new byte[3])));
        assertTrue(direct.getMessage().contains("stingy-channel-42"), direct.getMessage());
        assertTrue(direct.getMessage().contains("device unplugged"), direct.getMessage());

        ByteBatchBuffer buffer = new ByteBatchBuffer(16, flusher);
        buffer.write(new byte[] {1, 2, 3});
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::close);
        assertInstanceOf(UncheckedIOException.class, e.getCause());
        assertEquals(3, ((ByteBuffer) e.undelivered().get(0)).remaining());
        flusher.close();
    }

    @Test
    void ioErrorOnTheFile_namesTheFile() throws Exception {
        Path full = Path.of("/dev/full"); // Linux: every write fails with "No space left on device"
        assumeTrue(Files.isWritable(full), "needs /dev/full");
        try (ByteChannelFlusher flusher = ByteChannelFlusher.toFile(full)) {
            UncheckedIOException e =
                    assertThrows(UncheckedIOException.class, () -> flusher.accept(ByteBuffer.wrap(new byte[10])));
            assertTrue(e.getMessage().contains("/dev/full"), e.getMessage());
        }
    }

    @Test
    void openError_namesTheFile() {
        Path missing = dir.resolve("no-such-dir").resolve("x.bin");
        IOException e = assertThrows(IOException.class, () -> ByteChannelFlusher.toFile(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertThrows(NullPointerException.class, () -> ByteChannelFlusher.toFile(null));
        assertThrows(
                NullPointerException.class, () -> ByteChannelFlusher.toFile(missing, (ByteChannelFlusher.Option) null));
        assertThrows(NullPointerException.class, () -> ByteChannelFlusher.to(null));
    }

    @Test
    void close_isIdempotent_andAcceptAfterCloseThrows() throws Exception {
        Path file = dir.resolve("closed.bin");
        ByteChannelFlusher flusher = ByteChannelFlusher.toFile(file);
        flusher.close();
        flusher.close();
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> flusher.accept(ByteBuffer.wrap(new byte[1])));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertEquals(0, Files.size(file));
    }

    @Test
    void fullDisk_failedBatchIsCutBack_fileAndUndeliveredHoldEveryByteOnce() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(200 * 1024);
            Path file = disk.dir.resolve("full.bin");
            ByteArrayOutputStream accepted = new ByteArrayOutputStream();
            FlushFailedException failure = null;
            try (ByteChannelFlusher flusher = ByteChannelFlusher.toFile(file)) {
                ByteBatchBuffer buffer = new ByteBatchBuffer(100_000, flusher);
                for (int i = 0; i < 10_000 && failure == null; i++) {
                    byte[] chunk = new byte[1000];
                    java.util.Arrays.fill(chunk, (byte) i);
                    accepted.writeBytes(chunk);
                    try {
                        buffer.write(chunk);
                    } catch (FlushFailedException e) {
                        failure = e;
                    }
                }
                assertTrue(failure != null, "the disk never filled up");
            }
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(Files.readAllBytes(file));
            assertTrue(both.size() > 0, "the batches that fit were written");
            for (Object b : failure.undelivered()) {
                ByteBuffer chunk = ((ByteBuffer) b).duplicate();
                byte[] bytes = new byte[chunk.remaining()];
                chunk.get(bytes);
                both.writeBytes(bytes);
            }
            assertArrayEquals(accepted.toByteArray(), both.toByteArray(), "every accepted byte exactly once");
        }
    }

    @Test
    void interruptDuringTheCall_closesTheChannel_whichIsReopened_andTheBatchWrittenOnce() throws Exception {
        Path file = dir.resolve("interrupted.bin");
        byte[] bytes = "once\n".getBytes(UTF_8);
        try (ByteChannelFlusher flusher = ByteChannelFlusher.toFile(file)) {
            flusher.accept(ByteBuffer.wrap("before\n".getBytes(UTF_8)));
            Thread.currentThread().interrupt(); // the first write inside the call closes the channel
            try {
                flusher.accept(ByteBuffer.wrap(bytes));
                assertTrue(Thread.currentThread().isInterrupted(), "the flag is left set for the caller");
            } finally {
                Thread.interrupted();
            }
            flusher.accept(ByteBuffer.wrap("after\n".getBytes(UTF_8)));
        }
        assertEquals("before\nonce\nafter\n", Files.readString(file));
    }

    @Test
    void channelFailingPartWay_reportsTheBytesItTook_asDurable() {
        StingyChannel stingy = new StingyChannel(10);
        WritableByteChannel channel = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                stingy.fail = stingy.writes == 2;
                return stingy.write(src);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {}

            @Override
            public String toString() {
                return stingy.toString();
            }
        };
        StingyChannel got = stingy;
        ByteChannelFlusher flusher = ByteChannelFlusher.to(channel);
        PartialFlushException e =
                assertThrows(PartialFlushException.class, () -> flusher.accept(ByteBuffer.wrap(new byte[100])));
        assertEquals(20, e.durable(), "two writes of 10 bytes reached the channel");
        assertEquals(20, got.got.size());
        assertTrue(e.getMessage().contains("stingy-channel-42"), e.getMessage());
    }
}
