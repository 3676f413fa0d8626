package dev.mwsr.io;

import static dev.mwsr.io.TfRecordFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.Buffer;
import dev.mwsr.FlushFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileFlusher#records(Path)}: TFRecord framing byte for byte, append, failures. */
class RecordFileFlusherTest {
    @TempDir
    Path dir;

    private static List<byte[]> payloads(String... texts) {
        return Arrays.stream(texts).map(TfRecordFiles::utf8).toList();
    }

    private static void write(FileFlusher<ByteBuffer> f, String... texts) {
        f.accept(Arrays.stream(texts).map(t -> ByteBuffer.wrap(utf8(t))).toList());
    }

    @Test
    void independentCrc32c_matchesTheStandardCheckValue() {
        byte[] check = utf8("123456789");
        assertEquals(0xE3069283, TfRecordFiles.crc32c(check, 0, check.length));
    }

    @Test
    void hello_isByteForByteTheKnownTfRecordEncoding() throws IOException {
        Path file = dir.resolve("hello.tfrecord");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            write(f, "hello");
        }
        byte[] actual = Files.readAllBytes(file);
        // Two independent routes: the test's own encoder, and bytes computed outside Java
        // (a Python bitwise CRC-32C) and pasted here.
        assertArrayEquals(TfRecordFiles.encode(payloads("hello")), actual);
        assertEquals(
                "0500000000000000eab2043e68656c6c6fbb1f1c19", HexFormat.of().formatHex(actual));
    }

    @Test
    void lengthsThatRepeatAndChange_acrossBatches_areFramedByteForByte() throws IOException {
        Path file = dir.resolve("lengths.tfrecord");
        String[] first = {"aaaa", "bbbb", "cc", "cc", "", "dddd", "", "eeeeeeee"};
        String[] second = {"eeeeeeee", "ffff", "ffff"};
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            write(f, first);
            write(f, second);
        }
        List<byte[]> all = new java.util.ArrayList<>(payloads(first));
        all.addAll(payloads(second));
        assertArrayEquals(TfRecordFiles.encode(all), Files.readAllBytes(file));
    }

    @Test
    void emptyPayload_isAValidRecordOfLengthZero() throws IOException {
        Path file = dir.resolve("empty-payload");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            f.accept(List.of(ByteBuffer.allocate(0)));
        }
        assertEquals("000000000000000029039807d8ea82a2", HexFormat.of().formatHex(Files.readAllBytes(file)));
    }

    @Test
    void payloadIsPositionToLimit_andCallersBufferIsLeftUnchanged() throws IOException {
        Path file = dir.resolve("slices");
        ByteBuffer heap = ByteBuffer.wrap(utf8("xxHEAPyy")).position(2).limit(6);
        ByteBuffer direct =
                ByteBuffer.allocateDirect(16).put(utf8("..DIRECT")).flip().position(2);
        ByteBuffer readOnly = ByteBuffer.wrap(utf8("read-only")).asReadOnlyBuffer();
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            f.accept(List.of(heap, direct, readOnly));
        }
        assertEquals(2, heap.position());
        assertEquals(6, heap.limit());
        assertEquals(2, direct.position());
        assertEquals(8, direct.limit());
        assertEquals(0, readOnly.position());
        List<byte[]> back = TfRecordFiles.parse(Files.readAllBytes(file));
        assertEquals(
                List.of("HEAP", "DIRECT", "read-only"),
                back.stream().map(String::new).toList());
    }

    @Test
    void recordsLargerThanTheWriteBuffer_goOutUncopied_andFramedExactly() throws IOException {
        Path file = dir.resolve("large");
        Random random = new Random(42);
        List<byte[]> expected = new ArrayList<>();
        // Sizes around the 64-byte buffer: fits, exactly fills, just too large, much larger.
        for (int size : new int[] {0, 10, 47, 48, 49, 63, 64, 65, 200, 5000, 3, 100_000, 1}) {
            byte[] p = new byte[size];
            random.nextBytes(p);
            expected.add(p);
        }
        try (RecordFileFlusher f = RecordFileFlusher.open(file, true, false, 64)) {
            f.accept(expected.subList(0, 7).stream().map(ByteBuffer::wrap).toList());
            f.accept(expected.subList(7, expected.size()).stream()
                    .map(ByteBuffer::wrap)
                    .toList());
            ByteBuffer offset = ByteBuffer.wrap(new byte[300]).position(100);
            f.accept(List.of(offset));
            assertEquals(100, offset.position());
            expected.add(new byte[200]);
        }
        List<byte[]> back = TfRecordFiles.parse(Files.readAllBytes(file));
        assertEquals(expected.size(), back.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), back.get(i), "record " + i);
        }
    }

    @Test
    void recordsFromSeveralThreadsThroughBuffer_allArriveInPerThreadOrder() throws Exception {
        Path file = dir.resolve("threads");
        int threads = 4;
        int perThread = 5000;
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file);
                Buffer<ByteBuffer> buffer = new Buffer<>(64, f)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        buffer.write(ByteBuffer.wrap(utf8(id + ":" + i + ":" + "x".repeat(i % 37))));
                    }
                }));
            }
            start.countDown();
            for (Thread t : ts) {
                t.join();
            }
        }
        List<byte[]> back = TfRecordFiles.parse(Files.readAllBytes(file));
        assertEquals(threads * perThread, back.size());
        int[] next = new int[threads];
        for (byte[] r : back) {
            String[] parts = new String(r).split(":", -1);
            int id = Integer.parseInt(parts[0]);
            int i = Integer.parseInt(parts[1]);
            assertEquals(next[id]++, i, "thread " + id + " out of order");
            assertEquals("x".repeat(i % 37), parts[2]);
        }
    }

    @Test
    void appendIsTheDefault_truncateOnRequest() throws IOException {
        Path file = dir.resolve("append");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            write(f, "a", "b");
        }
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            write(f, "c");
        }
        assertEquals(List.of("a", "b", "c"), texts(file));
        try (FileFlusher<ByteBuffer> f =
                FileFlusher.records(file, FileFlusher.Options.DEFAULT.truncate().withFsync(true))) {
            write(f, "d");
        }
        assertEquals(List.of("d"), texts(file));
    }

    @Test
    void appendAfterATornTail_cutsTheTailFirst_forEveryTruncationLength() throws IOException {
        byte[] whole = TfRecordFiles.encode(payloads("first", "second", "third!"));
        int lastStart = whole.length - (16 + 6);
        for (int cut = lastStart + 1; cut < whole.length; cut++) {
            Path file = dir.resolve("torn-" + cut);
            Files.write(file, Arrays.copyOf(whole, cut));
            try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
                write(f, "after");
            }
            assertEquals(List.of("first", "second", "after"), texts(file), "cut at " + cut);
        }
    }

    @Test
    void appendToAFileWithACorruptHeader_isRefusedNamingTheOffset() throws IOException {
        byte[] bytes = TfRecordFiles.encode(payloads("one", "two", "three"));
        int second = 16 + 3;
        bytes[second + 2] ^= 0x40; // a length byte of the second record
        Path file = dir.resolve("corrupt-header");
        Files.write(file, bytes);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> FileFlusher.records(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        CorruptRecordException cause = assertInstanceOf(CorruptRecordException.class, e.getCause());
        assertEquals(second, cause.offset());
        assertArrayEquals(bytes, Files.readAllBytes(file), "nothing was cut or written");
    }

    @Test
    void ioErrors_nameTheFile() {
        Path missingParent = dir.resolve("no/such/dir/file");
        UncheckedIOException a = assertThrows(UncheckedIOException.class, () -> FileFlusher.records(missingParent));
        assertTrue(a.getMessage().contains(missingParent.toString()), a.getMessage());
        UncheckedIOException b = assertThrows(UncheckedIOException.class, () -> FileFlusher.records(dir));
        assertTrue(b.getMessage().contains(dir.toString()), b.getMessage());
    }

    @Test
    void aFailingDiskReachesTheBuffersFailurePath_withThePath() throws IOException {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "needs /dev/full");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(full, FileFlusher.Options.DEFAULT)) {
            Buffer<ByteBuffer> buffer = new Buffer<>(4, f);
            buffer.write(ByteBuffer.wrap(utf8("lost?")));
            FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
            UncheckedIOException io = assertInstanceOf(UncheckedIOException.class, e.getCause());
            assertTrue(io.getMessage().contains("/dev/full"), io.getMessage());
            assertEquals(1, e.undelivered().size(), "the record is not lost silently");
            assertThrows(FlushFailedException.class, buffer::close);
        }
    }

    private RecordFileFlusher failing(Path file, FailingChannel[] out) throws IOException {
        FailingChannel channel =
                new FailingChannel(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE), 7);
        out[0] = channel;
        return RecordFileFlusher.attach(file, channel, true, false, 64);
    }

    private static List<ByteBuffer> batch(String prefix, int n) {
        List<ByteBuffer> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            items.add(ByteBuffer.wrap(utf8(prefix + i + "-" + "p".repeat(i * 7))));
        }
        return items;
    }

    private static List<String> texts(String prefix, int n) {
        return batch(prefix, n).stream().map(TfRecordFiles::utf8).toList();
    }

    @Test
    void partialWrites_areLoopedUntilComplete() throws IOException {
        Path file = dir.resolve("partial");
        FailingChannel[] channel = new FailingChannel[1];
        try (RecordFileFlusher f = failing(file, channel)) {
            f.accept(batch("a", 20));
        }
        assertTrue(channel[0].writes > 100, "7 bytes per write call: " + channel[0].writes + " calls");
        assertEquals(texts("a", 20), texts(file));
    }

    @Test
    void aBatchThatFailsMidway_isCutOffBeforeTheNextBatch() throws IOException {
        Path file = dir.resolve("midway");
        FailingChannel[] channel = new FailingChannel[1];
        try (RecordFileFlusher f = failing(file, channel)) {
            f.accept(batch("a", 5));
            long good = Files.size(file);
            channel[0].failAtWrite = channel[0].writes + 40;
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> f.accept(batch("b", 30)));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(good, Files.size(file), "the failed batch is cut back before accept throws");
            f.accept(batch("c", 3));
        }
        List<String> expected = new ArrayList<>(texts("a", 5));
        expected.addAll(texts("c", 3));
        assertEquals(expected, texts(file), "no half record, no part of the failed batch");
    }

    @Test
    void aBatchThatFailsMidway_isCutOffAtClose() throws IOException {
        Path file = dir.resolve("midway-close");
        FailingChannel[] channel = new FailingChannel[1];
        try (RecordFileFlusher f = failing(file, channel)) {
            f.accept(batch("a", 4));
            channel[0].failAtWrite = channel[0].writes + 25;
            assertThrows(UncheckedIOException.class, () -> f.accept(batch("b", 30)));
        }
        assertEquals(texts("a", 4), texts(file));
    }

    @Test
    void badInput_isRejectedAndNothingIsWritten() throws IOException {
        Path file = dir.resolve("bad");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            List<ByteBuffer> withNull = Arrays.asList(ByteBuffer.wrap(utf8("ok")), null);
            assertThrows(NullPointerException.class, () -> f.accept(withNull));
            assertEquals(0, Files.size(file));
        }
        assertThrows(NullPointerException.class, () -> FileFlusher.records(null));
        FileFlusher<ByteBuffer> closed = FileFlusher.records(file);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class, () -> write(closed, "late"));
    }

    @Test
    void path_isTheFile() throws IOException {
        Path file = dir.resolve("p");
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
            assertEquals(file, f.path());
        }
    }

    private static List<String> texts(Path file) throws IOException {
        return TfRecordFiles.parse(Files.readAllBytes(file)).stream()
                .map(String::new)
                .toList();
    }

    @Test
    @Timeout(30)
    void fullDisk_failedBatchIsCutBackAtOnce_fileAndUndeliveredHoldEveryRecordOnce() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(200 * 1024);
            Path file = disk.dir.resolve("full.tfrecord");
            List<String> accepted = new ArrayList<>();
            FlushFailedException failure = null;
            try (FileFlusher<ByteBuffer> f = FileFlusher.records(file)) {
                Buffer<ByteBuffer> buffer = new Buffer<>(100, f);
                for (int i = 0; i < 100_000 && failure == null; i++) {
                    String text = i + "-" + "r".repeat(980);
                    accepted.add(text);
                    try {
                        buffer.write(ByteBuffer.wrap(utf8(text)));
                    } catch (FlushFailedException e) {
                        failure = e;
                    }
                }
                assertTrue(failure != null, "the disk never filled up");
                try (RecordReader r = RecordReader.open(file)) {
                    assertEquals(Files.size(file), r.validLength(), "no torn record while the flusher is open");
                }
            }
            List<String> both = new ArrayList<>(texts(file));
            assertTrue(both.size() > 0, "the batches that fit were written");
            for (Object b : failure.undelivered()) {
                both.add(new String(TfRecordFiles.bytes((ByteBuffer) b), java.nio.charset.StandardCharsets.UTF_8));
            }
            assertEquals(accepted, both, "file + undelivered: every record exactly once, in order");
        }
    }

    @Test
    void interruptArrivingDuringTheCall_batchIsWrittenExactlyOnce_andTheFlagStaysSet() throws Exception {
        Path file = dir.resolve("interrupted");
        List<ByteBuffer> records = batch("x", 40);
        AtomicInteger reads = new AtomicInteger();
        AtomicBoolean flagAfter = new AtomicBoolean();
        // The 60th read of an item is in the framing loop, after several 64-byte buffers went out.
        List<ByteBuffer> interrupting = new AbstractList<>() {
            @Override
            public ByteBuffer get(int i) {
                if (reads.incrementAndGet() == 60) {
                    Thread.currentThread().interrupt(); // as another thread's interrupt would, mid-call
                }
                return records.get(i);
            }

            @Override
            public int size() {
                return records.size();
            }
        };
        try (FileFlusher<ByteBuffer> f = FileFlusher.records(file, FileFlusher.Options.DEFAULT.withBufferSize(64))) {
            f.accept(batch("a", 2));
            Thread t = Thread.ofPlatform().start(() -> {
                f.accept(interrupting);
                flagAfter.set(Thread.currentThread().isInterrupted());
            });
            t.join();
            assertTrue(reads.get() >= 60, "the interrupt arrived during the call");
            assertTrue(flagAfter.get(), "the flag is left set for the caller");
            f.accept(batch("c", 1));
        }
        List<String> expected = new ArrayList<>(texts("a", 2));
        expected.addAll(texts("x", 40));
        expected.addAll(texts("c", 1));
        assertEquals(expected, texts(file));
    }
}
