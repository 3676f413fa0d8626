package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.FlushFailedException;
import dev.mwsr.PartialFlushException;
import dev.mwsr.io.FileFlusherTest.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text flushers under real faults: a full tmpfs, a failing encoder, another writer appending
 * to the same file, a crash image, an interrupt during the call. The rule under test: a batch that
 * fails leaves no part of itself in the file (or says which items are durable), a retried batch is
 * written exactly once, and bytes that are not this flusher's own are never removed.
 */
@Timeout(60)
class FileFlusherFaultsTest {
    private static final FileFlusher.Options SMALL = FileFlusher.Options.DEFAULT.withBufferSize(4096);

    @TempDir
    Path dir;

    /** 100 bytes with its '\n'. */
    static String line(int i) {
        String head = "line-" + i + "-";
        return head + "x".repeat(99 - head.length());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fullDisk_failFast_fileAndUndeliveredHoldEveryAcceptedLineOnce(Kind kind) throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(300 * 1024);
            Path file = disk.dir.resolve("out.txt");
            List<String> accepted = new ArrayList<>();
            FlushFailedException failure = null;
            try (FileFlusher<CharSequence> flusher = kind.open(file)) {
                Buffer<String> buffer = new Buffer<>(1000, flusher);
                for (int i = 0; i < 20_000 && failure == null; i++) {
                    accepted.add(line(i)); // the write that runs the failing flush has accepted its item
                    try {
                        buffer.write(line(i));
                    } catch (FlushFailedException e) {
                        failure = e;
                    }
                }
                assertNotNull(failure, "the disk never filled up");
                assertThrows(FlushFailedException.class, buffer::close);
            }
            List<String> inFile = Files.readAllLines(file);
            assertFalse(inFile.isEmpty(), "the batches that fit were written");
            String text = Files.readString(file);
            assertTrue(text.endsWith("\n"), "no torn last line");
            List<Object> both = new ArrayList<>(inFile);
            both.addAll(failure.undelivered());
            assertEquals(accepted, both, "file + undelivered: every accepted line exactly once, in order");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fullDisk_retry_everyLineReachesTheFileExactlyOnce(Kind kind) throws Exception {
        int lines = 15_000;
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(512 * 1024);
            Path file = disk.dir.resolve("out.txt");
            try (FileFlusher<CharSequence> flusher = kind.open(file);
                    AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(flusher)
                            .retryFailedBatches(Duration.ofMillis(200))
                            .build()) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < lines; i++) {
                        buffer.write(line(i));
                    }
                    buffer.flush();
                });
                Thread.sleep(3000);
                assertTrue(buffer.metrics().failures() > 0, "the disk filled up");
                disk.free();
                writer.join(30_000);
                assertEquals(0, buffer.close(Duration.ofSeconds(10)), "every line delivered once space returned");
                assertFalse(writer.isAlive());
            }
            List<String> inFile = Files.readAllLines(file);
            for (int i = 0; i < inFile.size(); i++) {
                assertEquals(line(i), inFile.get(i), "line " + i + ": each line once, in order, none glued");
            }
            assertEquals(lines, inFile.size());
            assertEquals(100L * lines, Files.size(file));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void encoderThrowsMidBatch_noPartOfTheBatchStaysInTheFile(Kind kind) throws IOException {
        Path file = dir.resolve("enc.txt");
        String poison = line(150);
        Encoder<CharSequence> failing = (s, out) -> {
            if (s.equals(poison)) {
                throw new IllegalStateException("cannot encode " + s);
            }
            Encoder.utf8Lines().encode(s, out);
        };
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // 20 KB: past several buffers and mmap windows
            batch.add(line(i));
        }
        try (FileFlusher<CharSequence> f = kind.open(file, failing, SMALL)) {
            f.accept(List.of("before"));
            assertThrows(IllegalStateException.class, () -> f.accept(batch));
            f.accept(List.of("after"));
        }
        assertEquals("before\nafter\n", Files.readString(file));
    }

    @ParameterizedTest
    @EnumSource(
            value = Kind.class,
            names = {"LINE", "BLOCK"})
    void anotherWriterAppendedMidBatch_itsBytesAreKept_andTheDurableItemsReported(Kind kind) throws IOException {
        Path file = dir.resolve("shared.txt");
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(line(i));
        }
        Encoder<CharSequence> encoder = (s, out) -> {
            try {
                if (s.equals(line(5))) {
                    Files.writeString(file, "foreign\n", StandardOpenOption.APPEND);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            if (s.equals(line(8))) {
                throw new IllegalStateException("cannot encode " + s);
            }
            Encoder.utf8Lines().encode(s, out);
        };
        PartialFlushException e;
        try (FileFlusher<CharSequence> f = kind.open(file, encoder, FileFlusher.Options.DEFAULT.withBufferSize(64))) {
            f.accept(List.of("before"));
            e = assertThrows(PartialFlushException.class, () -> f.accept(batch));
        }
        assertTrue(e.getCause() instanceof IllegalStateException, "the cause is the failure itself");
        assertForeignKept_andDurablePrefixInFile(file, e, batch, kind);
    }

    /** After "before", then a batch failing at its item 8 while "foreign\n" was appended at item 5. */
    static void assertForeignKept_andDurablePrefixInFile(
            Path file, PartialFlushException e, List<String> batch, Kind kind) throws IOException {
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        String text = Files.readString(file);
        assertTrue(text.contains("foreign\n"), "the other writer's bytes are kept");
        List<String> ours =
                new ArrayList<>(List.of(text.replace("foreign\n", "").split("\n")));
        assertEquals("before", ours.remove(0));
        assertEquals(batch.subList(0, e.durable()), ours.subList(0, e.durable()), "the durable items are in the file");
        if (kind == Kind.LINE) {
            assertEquals(8, e.durable(), "line writes every item before the next one is taken");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void crashImage_reopenedForAppend_textStartsOnALineOfItsOwn_binaryIsNotTouched(Kind kind) throws IOException {
        byte[] torn = "a\nb\nto".getBytes(StandardCharsets.US_ASCII);
        byte[] zeroTail = new byte[torn.length + 4096];
        System.arraycopy(torn, 0, zeroTail, 0, torn.length);
        for (byte[] image : List.of(torn, zeroTail)) {
            Path file = dir.resolve(kind + "-" + image.length + ".txt");
            Files.write(file, image);
            try (FileFlusher<CharSequence> f = kind.open(file)) {
                f.accept(List.of("c"));
            }
            byte[] expected = concat(image, "\nc\n".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals(expected, Files.readAllBytes(file), "the crash's bytes are kept, c is a line of its own");

            Path binary = dir.resolve(kind + "-" + image.length + ".bin");
            Files.write(binary, image);
            Encoder<byte[]> raw = (b, out) -> out.reserve(b.length).put(b);
            try (FileFlusher<byte[]> f = kind.open(binary, raw, FileFlusher.Options.DEFAULT)) {
                f.accept(List.of(new byte[] {7, 0}));
            }
            assertArrayEquals(concat(image, new byte[] {7, 0}), Files.readAllBytes(binary), "binary: nothing guessed");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void interruptArrivingDuringTheCall_batchIsWrittenExactlyOnce_andTheFlagStaysSet(Kind kind) throws Exception {
        Path file = dir.resolve("cancel.txt");
        CountDownLatch inside = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        Encoder<CharSequence> waitsForTheInterrupt = (s, out) -> {
            if (s.equals(line(100)) && armed.getAndSet(false)) {
                inside.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
            }
            Encoder.utf8Lines().encode(s, out);
        };
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            batch.add(line(i));
        }
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FileFlusher<CharSequence> f = kind.open(file, waitsForTheInterrupt, SMALL)) {
            f.accept(List.of("before"));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            Future<?> task = pool.submit(() -> {
                try {
                    f.accept(batch);
                } catch (Throwable t) {
                    thrown.set(t);
                } finally {
                    flagAfter.set(Thread.currentThread().isInterrupted());
                    done.countDown();
                }
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            task.cancel(true); // interrupts the thread inside the flusher call
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertNull(thrown.get(), () -> "the call failed: " + thrown.get());
            assertTrue(flagAfter.get(), "the interrupt is left set for the caller");
            f.accept(List.of("after"));
        } finally {
            pool.shutdownNow();
        }
        List<String> expected = new ArrayList<>(List.of("before"));
        expected.addAll(batch);
        expected.add("after");
        assertEquals(expected, Files.readAllLines(file));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void interruptsAtRandomMoments_everyBatchIsInTheFileExactlyOnce(Kind kind) throws Exception {
        Path file = dir.resolve("random.txt");
        java.util.Random random = new java.util.Random(42);
        List<String> expected = new ArrayList<>();
        try (FileFlusher<CharSequence> f = kind.open(file, FileFlusher.Options.DEFAULT.withBufferSize(64 * 1024))) {
            for (int b = 0; b < 150; b++) {
                List<String> batch = new ArrayList<>();
                for (int j = 0; j < 20; j++) {
                    String head = "b" + b + "-" + j + "-";
                    batch.add(head + "y".repeat(8000 - head.length())); // writes long enough to be hit inside
                }
                expected.addAll(batch);
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread t = Thread.ofPlatform().start(() -> {
                    try {
                        f.accept(batch);
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                });
                java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(400_000));
                t.interrupt();
                t.join();
                assertNull(thrown.get(), () -> "batch failed: " + thrown.get());
            }
        }
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < Math.min(lines.size(), expected.size()); i++) {
            assertEquals(expected.get(i), lines.get(i), "line " + i);
        }
        assertEquals(expected.size(), lines.size());
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
