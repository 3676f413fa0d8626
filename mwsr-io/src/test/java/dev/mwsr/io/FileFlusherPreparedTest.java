package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.FlushFailedException;
import dev.mwsr.PartialFlushException;
import dev.mwsr.PreparingFlusher;
import dev.mwsr.io.FileFlusherTest.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text flushers as {@link PreparingFlusher}s: writer threads turn each line into its UTF-8
 * bytes, {@code acceptPrepared} writes them with the same algorithm as {@code accept}. The rule
 * under test: the prepared route writes the same file, and keeps every promise of the class
 * comment (cut-back, durable prefix, interrupts, torn-line break), directly and through an
 * {@link AsyncBuffer}.
 */
@Timeout(60)
class FileFlusherPreparedTest {
    private static final FileFlusher.Options SMALL = FileFlusher.Options.DEFAULT.withBufferSize(4096);

    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    static PreparingFlusher<CharSequence, byte[]> prepared(FileFlusher<CharSequence> flusher) {
        return assertInstanceOf(PreparingFlusher.class, flusher, "a text flusher prepares on the writers");
    }

    static List<byte[]> prepare(PreparingFlusher<CharSequence, byte[]> flusher, List<? extends CharSequence> items) {
        List<byte[]> out = new ArrayList<>();
        for (CharSequence item : items) {
            out.add(flusher.prepare(item));
        }
        return out;
    }

    /** Lines that take every branch of the encoder: sizes, planes, surrogates, line breaks. */
    static List<CharSequence> trickyLines() {
        StringBuilder pairAcrossChunks = new StringBuilder("a".repeat(ByteSink.CHUNK - 1));
        pairAcrossChunks.append("\uD83D\uDE00").append("é".repeat(5000)).append('\uD800');
        List<CharSequence> lines = new ArrayList<>(List.of(
                "",
                "plain ascii",
                "héllo wörld ÿ",
                "日本語のテキスト",
                "emoji \uD83D\uDE00 and clef \uD834\uDD1E",
                "lone high \uD800 inside",
                "lone low \uDC00 inside",
                "ends in a high surrogate \uD83D",
                "\uDE00 starts with a low surrogate",
                "\uDC00\uD800 reversed pair",
                "two\nlines",
                "\n",
                "x".repeat(10_000), // larger than the 4 KiB buffer and window
                "ü\uD83D\uDE00".repeat(3000),
                pairAcrossChunks.toString()));
        lines.add(new StringBuilder("string builder ü \uD83D\uDE00 \uDBFF"));
        lines.add(pairAcrossChunks);
        lines.add(CharBuffer.wrap("a CharBuffer é \uD800"));
        lines.add(new StringBuilder());
        return lines;
    }

    @Test
    void prepare_isTheUtf8OfTheLine_withUnpairedSurrogatesAsQuestionMarks() throws IOException {
        try (FileFlusher<CharSequence> f = FileFlusher.block(dir.resolve("p.txt"))) {
            PreparingFlusher<CharSequence, byte[]> p = prepared(f);
            assertArrayEquals("a?b?c".getBytes(StandardCharsets.US_ASCII), p.prepare("a\uD800b\uDC00c"));
            assertArrayEquals(
                    new byte[] {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}, p.prepare("\uD83D\uDE00"));
            assertArrayEquals("end?".getBytes(StandardCharsets.US_ASCII), p.prepare(new StringBuilder("end\uD83D")));
            assertArrayEquals(new byte[0], p.prepare(""));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void acceptPrepared_writesByteForByteWhatAcceptWrites_afterATornLine(Kind kind) throws IOException {
        List<CharSequence> lines = trickyLines();
        Path viaAccept = dir.resolve("accept.txt");
        Path viaPrepared = dir.resolve("prepared.txt");
        Files.writeString(viaAccept, "torn");
        Files.writeString(viaPrepared, "torn");
        try (FileFlusher<CharSequence> f = kind.open(viaAccept, SMALL)) {
            f.accept(lines.subList(0, 5));
            f.accept(lines.subList(5, lines.size()));
        }
        try (FileFlusher<CharSequence> f = kind.open(viaPrepared, SMALL)) {
            PreparingFlusher<CharSequence, byte[]> p = prepared(f);
            p.acceptPrepared(prepare(p, lines.subList(0, 5)));
            p.acceptPrepared(prepare(p, lines.subList(5, lines.size())));
        }
        byte[] expected = Files.readAllBytes(viaAccept);
        assertTrue(Files.readString(viaAccept).startsWith("torn\n\nplain ascii\n"), "the accept route as documented");
        assertArrayEquals(expected, Files.readAllBytes(viaPrepared), "same bytes through either route");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void textEncoderGivenExplicitly_prepares_othersDoNot(Kind kind) throws IOException {
        try (FileFlusher<String> text = kind.open(dir.resolve("t.txt"), Encoder.utf8Lines(), SMALL);
                FileFlusher<String> own =
                        kind.open(dir.resolve("o.txt"), (s, out) -> out.putUtf8(s), FileFlusher.Options.DEFAULT)) {
            assertInstanceOf(PreparingFlusher.class, text);
            assertFalse(own instanceof PreparingFlusher, "a user's encoder runs on the one flusher thread");
        }
    }

    /** A batch of prepared lines whose {@code get} runs a hook first, to act in the middle of a call. */
    static List<byte[]> withHook(List<byte[]> items, IntFunction<byte[]> hook) {
        return new AbstractList<>() {
            @Override
            public byte[] get(int index) {
                byte[] instead = hook.apply(index);
                return instead == HOOK_NULL ? null : instead != null ? instead : items.get(index);
            }

            @Override
            public int size() {
                return items.size();
            }
        };
    }

    private static final byte[] HOOK_NULL = new byte[0];

    static List<String> lines(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(FileFlusherFaultsTest.line(i));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void failedPreparedBatch_isCutBack_andItsRetryIsWrittenOnce(Kind kind) throws IOException {
        Path file = dir.resolve("cut.txt");
        List<String> batch = lines(0, 200); // 20 KB: past several buffers and windows
        try (FileFlusher<CharSequence> f = kind.open(file, SMALL)) {
            PreparingFlusher<CharSequence, byte[]> p = prepared(f);
            List<byte[]> bytes = prepare(p, batch);
            p.acceptPrepared(List.of(p.prepare("before")));
            assertThrows(
                    NullPointerException.class,
                    () -> p.acceptPrepared(withHook(bytes, i -> i == 150 ? HOOK_NULL : null)));
            p.acceptPrepared(bytes);
        }
        List<String> expected = new ArrayList<>(List.of("before"));
        expected.addAll(batch);
        assertEquals(expected, Files.readAllLines(file), "nothing of the failed call, the retry once");
    }

    @ParameterizedTest
    @EnumSource(
            value = Kind.class,
            names = {"LINE", "BLOCK"})
    void anotherWriterAppendedMidPreparedBatch_itsBytesAreKept_andTheDurableItemsReported(Kind kind)
            throws IOException {
        Path file = dir.resolve("shared.txt");
        List<String> batch = lines(0, 10);
        PartialFlushException e;
        try (FileFlusher<CharSequence> f = kind.open(file, FileFlusher.Options.DEFAULT.withBufferSize(64))) {
            PreparingFlusher<CharSequence, byte[]> p = prepared(f);
            List<byte[]> failing = withHook(prepare(p, batch), i -> {
                if (i == 5) {
                    try {
                        Files.writeString(file, "foreign\n", StandardOpenOption.APPEND);
                    } catch (IOException io) {
                        throw new AssertionError(io);
                    }
                }
                return i == 8 ? HOOK_NULL : null;
            });
            p.acceptPrepared(List.of(p.prepare("before")));
            e = assertThrows(PartialFlushException.class, () -> p.acceptPrepared(failing));
        }
        FileFlusherFaultsTest.assertForeignKept_andDurablePrefixInFile(file, e, batch, kind);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void interruptDuringAcceptPrepared_batchIsWrittenExactlyOnce_andTheFlagStaysSet(Kind kind) throws Exception {
        Path file = dir.resolve("cancel.txt");
        List<String> batch = lines(0, 200);
        CountDownLatch inside = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean(true);
        try (FileFlusher<CharSequence> f = kind.open(file, SMALL)) {
            PreparingFlusher<CharSequence, byte[]> p = prepared(f);
            List<byte[]> waits = withHook(prepare(p, batch), i -> {
                if (i == 100 && armed.getAndSet(false)) {
                    inside.countDown();
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.onSpinWait();
                    }
                }
                return null;
            });
            p.acceptPrepared(List.of(p.prepare("before")));
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagAfter = new AtomicBoolean();
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    p.acceptPrepared(waits);
                } catch (Throwable x) {
                    thrown.set(x);
                } finally {
                    flagAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            t.interrupt();
            t.join(10_000);
            assertNull(thrown.get(), () -> "the call failed: " + thrown.get());
            assertTrue(flagAfter.get(), "the interrupt is left set for the caller");
            p.acceptPrepared(List.of(p.prepare("after")));
        }
        List<String> expected = new ArrayList<>(List.of("before"));
        expected.addAll(batch);
        expected.add("after");
        assertEquals(expected, Files.readAllLines(file));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void severalWritersThroughAsyncBuffer_everyLineOnce_inEachWritersOrder(Kind kind) throws Exception {
        Path file = dir.resolve("many.txt");
        int writers = 4;
        int perWriter = 5_000;
        try (FileFlusher<CharSequence> f = kind.open(file, SMALL);
                AsyncBuffer<String> buffer = new AsyncBuffer<>(256, f)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int id = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perWriter; i++) {
                        buffer.write("w" + id + " " + i + " ü\uD83D\uDE00");
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        int[] next = new int[writers];
        List<String> inFile = Files.readAllLines(file);
        for (String line : inFile) {
            String[] parts = line.split(" ");
            int w = Integer.parseInt(parts[0].substring(1));
            assertEquals("w" + w + " " + next[w] + " ü\uD83D\uDE00", line, "each writer's lines once, in order");
            next[w]++;
        }
        assertEquals(writers * perWriter, inFile.size());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void throughAsyncBuffer_aLineIsTakenWhenWritten(Kind kind) throws Exception {
        Path file = dir.resolve("snapshot.txt");
        try (FileFlusher<CharSequence> f = kind.open(file);
                AsyncBuffer<StringBuilder> buffer = AsyncBuffer.<StringBuilder>builder(f)
                        .mode(AsyncBuffer.Mode.MANUAL)
                        .build()) {
            StringBuilder reused = new StringBuilder("first ü");
            buffer.write(reused);
            reused.setLength(0);
            reused.append("second \uD83D\uDE00");
            buffer.write(reused);
            reused.setLength(0);
        }
        assertEquals("first ü\nsecond \uD83D\uDE00\n", Files.readString(file), "encoded on the writer, at write");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fullDiskThroughAsyncBuffer_fileAndUndeliveredBytesHoldEveryAcceptedLineOnce(Kind kind) throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(300 * 1024);
            Path file = disk.dir.resolve("out.txt");
            List<String> accepted = new ArrayList<>();
            FlushFailedException failure = null;
            try (FileFlusher<CharSequence> flusher = kind.open(file)) {
                AsyncBuffer<String> buffer = new AsyncBuffer<>(1000, flusher);
                for (int i = 0; i < 20_000 && failure == null; i++) {
                    try {
                        buffer.write(FileFlusherFaultsTest.line(i));
                        accepted.add(FileFlusherFaultsTest.line(i));
                    } catch (FlushFailedException e) {
                        failure = e;
                    }
                }
                assertNotNull(failure, "the disk never filled up");
                FlushFailedException atClose = assertThrows(FlushFailedException.class, buffer::close);
                failure = atClose;
            }
            assertTrue(Files.readString(file).endsWith("\n"), "no torn last line");
            List<String> both = new ArrayList<>(Files.readAllLines(file));
            assertFalse(both.isEmpty(), "the batches that fit were written");
            assertFalse(failure.undelivered().isEmpty(), "the failed batch is undelivered");
            assertTrue(failure.inDoubt().isEmpty());
            for (Object item : failure.undelivered()) {
                byte[] bytes = assertInstanceOf(byte[].class, item, "undelivered holds the prepared forms");
                both.add(new String(bytes, StandardCharsets.UTF_8));
            }
            assertEquals(accepted, both, "file + undelivered: every accepted line exactly once, in order");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fullDiskThroughAsyncBufferWithRetry_everyPreparedLineReachesTheFileOnce(Kind kind) throws Exception {
        int lines = 15_000;
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            disk.leaveFree(512 * 1024);
            Path file = disk.dir.resolve("out.txt");
            try (FileFlusher<CharSequence> flusher = kind.open(file);
                    AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(flusher)
                            .retryFailedBatches(java.time.Duration.ofMillis(200))
                            .build()) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < lines; i++) {
                        buffer.write(FileFlusherFaultsTest.line(i));
                    }
                    buffer.flush();
                });
                Thread.sleep(3000);
                assertTrue(buffer.metrics().failures() > 0, "the disk filled up");
                disk.free();
                writer.join(30_000);
                assertEquals(0, buffer.close(java.time.Duration.ofSeconds(10)), "every line delivered");
                assertFalse(writer.isAlive());
            }
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            for (int i = 0; i < lines; i++) {
                expected.writeBytes((FileFlusherFaultsTest.line(i) + "\n").getBytes(StandardCharsets.US_ASCII));
            }
            assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file), "each line once, in order, none glued");
        }
    }
}
