package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.FlushFailedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FileFlusherTest {
    /** Every text flusher kind, opened through the public factories. */
    enum Kind {
        LINE,
        BLOCK,
        MMAP,
        APPEND_CLOSE;

        <T> FileFlusher<T> open(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
            return switch (this) {
                case LINE -> FileFlusher.line(path, encoder, options);
                case BLOCK -> FileFlusher.block(path, encoder, options);
                case MMAP -> FileFlusher.mmap(path, encoder, options);
                case APPEND_CLOSE -> FileFlusher.appendClose(path, encoder, options);
            };
        }

        FileFlusher<CharSequence> open(Path path, FileFlusher.Options options) {
            return switch (this) {
                case LINE -> FileFlusher.line(path, options);
                case BLOCK -> FileFlusher.block(path, options);
                case MMAP -> FileFlusher.mmap(path, options);
                case APPEND_CLOSE -> FileFlusher.appendClose(path, options);
            };
        }

        FileFlusher<CharSequence> open(Path path) {
            return switch (this) {
                case LINE -> FileFlusher.line(path);
                case BLOCK -> FileFlusher.block(path);
                case MMAP -> FileFlusher.mmap(path);
                case APPEND_CLOSE -> FileFlusher.appendClose(path);
            };
        }
    }

    /** Small buffers and windows, so that every batch crosses buffer and window boundaries. */
    private static final FileFlusher.Options SMALL = FileFlusher.Options.DEFAULT.withBufferSize(4096);

    @TempDir
    Path dir;

    @Test
    void textFlushers_plugIntoBufferOfStringBuilderWithoutCast() throws IOException {
        Path file = dir.resolve("sb.txt");
        try (FileFlusher<CharSequence> flusher = FileFlusher.block(file);
                Buffer<StringBuilder> buffer = new Buffer<>(4, flusher)) {
            buffer.write(new StringBuilder("one"));
            buffer.write(new StringBuilder("two"));
        }
        assertEquals("one\ntwo\n", Files.readString(file));
    }

    @Test
    void textFlushers_plugIntoAsyncBufferOfStringWithoutCast() throws IOException {
        Path file = dir.resolve("async.txt");
        try (FileFlusher<CharSequence> flusher = FileFlusher.line(file);
                AsyncBuffer<String> buffer = new AsyncBuffer<>(4, flusher)) {
            buffer.write("one");
            buffer.writeV("two", "three");
        }
        assertEquals("one\ntwo\nthree\n", Files.readString(file));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void roundTrip_fromSeveralThreads_exactContentPerThreadOrderAndLength(Kind kind) throws Exception {
        Path file = dir.resolve(kind + ".txt");
        int threads = 4;
        int perThread = 3000;
        try (FileFlusher<CharSequence> flusher = kind.open(file, SMALL);
                Buffer<String> buffer = new Buffer<>(64, flusher)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    for (int i = 0; i < perThread; i++) {
                        buffer.write(line(id, i));
                    }
                }));
            }
            start.countDown();
            for (Thread w : writers) {
                w.join();
            }
        }
        long expectedLength = 0;
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                expectedLength += line(t, i).getBytes(StandardCharsets.UTF_8).length + 1;
            }
        }
        assertEquals(expectedLength, Files.size(file), "exact file length, no padding");
        Map<Integer, Integer> next = new HashMap<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int id = Integer.parseInt(l.substring(0, l.indexOf(' ')));
            int seq = next.merge(id, 1, Integer::sum) - 1;
            assertEquals(line(id, seq), l, "per-thread order and content");
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(perThread, next.get(t), "count of thread " + t);
        }
    }

    /** Lines of varying length, with two- and four-byte UTF-8 characters. */
    private static String line(int thread, int seq) {
        return thread + " " + seq + " " + "x".repeat(seq % 97) + (seq % 5 == 0 ? " caf\u00e9 \uD83D\uDE00" : "");
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void appendIsTheDefault_andTruncateStartsOver(Kind kind) throws IOException {
        Path file = dir.resolve(kind + ".log");
        try (FileFlusher<CharSequence> f = kind.open(file)) {
            f.accept(List.of("a", "b"));
        }
        try (FileFlusher<CharSequence> f = kind.open(file)) {
            f.accept(List.of("c"));
        }
        assertEquals("a\nb\nc\n", Files.readString(file));
        try (FileFlusher<CharSequence> f = kind.open(file, FileFlusher.Options.DEFAULT.truncate())) {
            f.accept(List.of("d"));
        }
        assertEquals("d\n", Files.readString(file));
    }

    record Tick(long time, double price) {}

    private static final Encoder<Tick> TICKS =
            (t, out) -> out.reserve(16).putLong(t.time()).putDouble(t.price());

    @ParameterizedTest
    @EnumSource(Kind.class)
    void encoderOverload_writesNonTextItems(Kind kind) throws IOException {
        Path file = dir.resolve(kind + ".bin");
        int n = 1000;
        try (FileFlusher<Tick> flusher = kind.open(file, TICKS, FileFlusher.Options.DEFAULT.withBufferSize(256));
                Buffer<Tick> buffer = new Buffer<>(33, flusher)) {
            for (int i = 0; i < n; i++) {
                buffer.write(new Tick(i + 1, i * 0.5));
            }
        }
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        assertEquals(16 * n, bytes.remaining());
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, bytes.getLong());
            assertEquals(i * 0.5, bytes.getDouble());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void itemsLargerThanTheBuffer_areWrittenWhole(Kind kind) throws IOException {
        Path file = dir.resolve(kind + ".big");
        FileFlusher.Options tiny = FileFlusher.Options.DEFAULT.withBufferSize(FileFlusher.Options.MIN_BUFFER_SIZE);
        String longText = "\u00e9a\uD83D\uDE00".repeat(3000) + "z".repeat(5000);
        byte[] blob = new byte[10_000];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) (i % 251 + 1);
        }
        Encoder<Object> mixed = (item, out) -> {
            if (item instanceof byte[] b) {
                out.reserve(b.length).put(b);
            } else {
                Encoder.utf8Lines().encode((CharSequence) item, out);
            }
        };
        try (FileFlusher<Object> f = kind.open(file, mixed, tiny)) {
            f.accept(List.of("small", longText, blob, "end"));
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(("small\n" + longText + "\n").getBytes(StandardCharsets.UTF_8));
        expected.writeBytes(blob);
        expected.writeBytes("end\n".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void unwritablePath_failsAtOpenNamingThePath(Kind kind) {
        Path missing = dir.resolve("no-such-dir").resolve("x.txt");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> kind.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void directoryAsTarget_failsNamingThePath(Kind kind) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> kind.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void diskFull_reachesTheBuffersFailurePathNamingTheFile(Kind kind) throws IOException {
        Path full = Path.of("/dev/full");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isWritable(full), "needs /dev/full");
        try (FileFlusher<CharSequence> flusher = kind.open(full, SMALL)) {
            Buffer<String> buffer = new Buffer<>(8, flusher);
            buffer.write("lost?");
            FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
            UncheckedIOException io = assertInstanceOf(UncheckedIOException.class, e.getCause());
            assertTrue(io.getMessage().contains("/dev/full"), io.getMessage());
            assertEquals(List.of("lost?"), e.undelivered());
            assertThrows(FlushFailedException.class, buffer::close);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void acceptAfterClose_throwsIllegalState_andCloseIsIdempotent(Kind kind) throws IOException {
        FileFlusher<CharSequence> f = kind.open(dir.resolve(kind + ".closed"));
        f.accept(List.of("x"));
        f.close();
        f.close();
        assertThrows(IllegalStateException.class, () -> f.accept(List.of("y")));
        assertEquals("x\n", Files.readString(f.path()));
    }

    @Test
    void badArguments_areRejectedEarly() {
        Path file = dir.resolve("bad");
        assertThrows(IllegalArgumentException.class, () -> FileFlusher.Options.DEFAULT.withBufferSize(10));
        assertThrows(NullPointerException.class, () -> FileFlusher.block(null));
        assertThrows(
                NullPointerException.class,
                () -> FileFlusher.block(file, (Encoder<Object>) null, FileFlusher.Options.DEFAULT));
        assertThrows(NullPointerException.class, () -> FileFlusher.block(file, null));
    }

    @Test
    void fsyncOption_writesTheSameBytes() throws IOException {
        for (Kind kind : Kind.values()) {
            Path file = dir.resolve(kind + ".sync");
            try (FileFlusher<CharSequence> f = kind.open(file, SMALL.withFsync(true))) {
                f.accept(List.of("durable", "lines"));
                f.accept(List.of("again"));
            }
            assertEquals("durable\nlines\nagain\n", Files.readString(file), kind.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void openAcceptCloseCycles_leakNoFileHandles_andAppendCloseHoldsNoneBetweenBatches(Kind kind) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        Path file = dir.resolve(kind + ".fds");
        long before = openFiles();
        for (int i = 0; i < 200; i++) {
            try (FileFlusher<CharSequence> f = kind.open(file, SMALL.truncate())) {
                f.accept(List.of("cycle " + i));
                if (kind == Kind.APPEND_CLOSE && i == 0) {
                    assertEquals(before, openFiles(), "appendClose holds no file between batches");
                }
            }
        }
        assertTrue(openFiles() <= before + 2, "file handles " + before + " -> " + openFiles());
        assertEquals("cycle 199\n", Files.readString(file));
    }

    private static long openFiles() throws IOException {
        try (var entries = Files.list(Path.of("/proc/self/fd"))) {
            return entries.count();
        }
    }
}
