package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.io.FileFlusherTest.Kind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text flushers under a real log rotation ({@link FileFlusher.Options#reopenOnRotation()}),
 * both of logrotate's styles done to the file for real while an {@code AsyncBuffer} writes into
 * it from several threads: rename-and-create, and copytruncate. The rule under test: every line
 * is in exactly one of the two files, whole, each writer's lines in order, and the lines after
 * the rotation are in the file that the path names now.
 */
@Timeout(60)
class FileFlusherRotationTest {
    /** Small buffers and windows, so batches cross writes and remaps. */
    private static final FileFlusher.Options ROTATING =
            FileFlusher.Options.DEFAULT.withBufferSize(16 * 1024).withReopenOnRotation(true);

    private static final int WRITERS = 3;
    private static final int PER_PHASE = 3_000;

    @TempDir
    Path dir;

    /** 100 bytes with its '\n'. */
    static String line(int writer, int i) {
        String head = "w" + writer + "-" + i + "-";
        return head + "x".repeat(99 - head.length());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void renameAndCreate_betweenBatches_oldLinesStayNewLinesGoToTheNewFile(Kind kind) throws Exception {
        Path file = dir.resolve("app.log");
        Path rotated = dir.resolve("app.log.1");
        try (FileFlusher<CharSequence> flusher = kind.open(file, ROTATING);
                AsyncBuffer<String> log = new AsyncBuffer<>(256, flusher)) {
            writeConcurrently(log, 0);
            log.flush();
            Files.move(file, rotated);
            Files.createFile(file); // logrotate's "create"
            writeConcurrently(log, PER_PHASE);
            log.flush();
            assertFalse(holdsOpen(rotated), kind + " still holds the rotated file open after a batch");
        }
        assertEquals(expected(0, PER_PHASE), wholeLines(rotated, false));
        assertEquals(expected(PER_PHASE, 2 * PER_PHASE), wholeLines(file, false));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void renameWithoutCreate_whileWriting_everyLineOnceAcrossBothFilesInOrder(Kind kind) throws Exception {
        Path file = dir.resolve("app.log");
        Path rotated = dir.resolve("app.log.1");
        try (FileFlusher<CharSequence> flusher = kind.open(file, ROTATING);
                AsyncBuffer<String> log = new AsyncBuffer<>(256, flusher)) {
            CountDownLatch halfway = new CountDownLatch(1);
            Thread rotator = Thread.ofPlatform().start(() -> {
                try {
                    halfway.await();
                    Files.move(file, rotated); // logrotate's "nocreate": the flusher creates it
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 2 * PER_PHASE; i++) {
                        log.write(line(writer, i));
                        if (writer == 0 && i == PER_PHASE) {
                            halfway.countDown();
                        }
                    }
                }));
            }
            for (Thread t : writers) {
                t.join();
            }
            rotator.join();
            for (int w = 0; w < WRITERS; w++) {
                log.write(line(w, 2 * PER_PHASE)); // at least one batch after the rename
            }
            log.flush();
        }
        Set<String> before = wholeLines(rotated, false);
        Set<String> after = wholeLines(file, false);
        assertFalse(before.isEmpty(), "nothing before the rotation");
        assertFalse(after.isEmpty(), "nothing went to the file the path names after the rotation");
        Set<String> both = new HashSet<>(before);
        both.addAll(after);
        assertEquals(before.size() + after.size(), both.size(), "a line is in both files");
        assertEquals(expected(0, 2 * PER_PHASE + 1), both);
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            int lastBefore = before.stream()
                    .filter(l -> l.startsWith("w" + writer + "-"))
                    .mapToInt(FileFlusherRotationTest::index)
                    .max()
                    .orElse(-1);
            int firstAfter = after.stream()
                    .filter(l -> l.startsWith("w" + writer + "-"))
                    .mapToInt(FileFlusherRotationTest::index)
                    .min()
                    .orElse(Integer.MAX_VALUE);
            assertTrue(
                    lastBefore < firstAfter,
                    "writer " + w + ": line " + firstAfter + " went to the new file" + " before line " + lastBefore
                            + " to the old one");
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void copyTruncate_betweenBatches_newLinesStartAtTheNewEnd(Kind kind) throws Exception {
        copyTruncate(kind, ROTATING);
    }

    @ParameterizedTest
    @EnumSource(
            value = Kind.class,
            names = {"LINE", "BLOCK", "MMAP"})
    void copyTruncate_truncateMode_newLinesStartAtTheNewEnd(Kind kind) throws Exception {
        Files.writeString(dir.resolve("app.log"), "old content, truncated at open\n");
        copyTruncate(kind, ROTATING.truncate());
    }

    private void copyTruncate(Kind kind, FileFlusher.Options options) throws Exception {
        Path file = dir.resolve("app.log");
        Path rotated = dir.resolve("app.log.1");
        try (FileFlusher<CharSequence> flusher = kind.open(file, options);
                AsyncBuffer<String> log = new AsyncBuffer<>(256, flusher)) {
            writeConcurrently(log, 0);
            log.flush();
            Files.copy(file, rotated);
            try (FileChannel cut = FileChannel.open(file, StandardOpenOption.WRITE)) {
                cut.truncate(0);
            }
            writeConcurrently(log, PER_PHASE);
            log.flush();
        }
        // A copy of an mmap file holds the zero-filled rest of its window (documented).
        assertEquals(expected(0, PER_PHASE), wholeLines(rotated, kind == Kind.MMAP));
        assertEquals(expected(PER_PHASE, 2 * PER_PHASE), wholeLines(file, false));
    }

    @Test
    void withoutTheOption_aRenamedFileKeepsGettingTheLines() throws Exception {
        Path file = dir.resolve("app.log");
        Path rotated = dir.resolve("app.log.1");
        try (FileFlusher<CharSequence> flusher = FileFlusher.block(file);
                AsyncBuffer<String> log = new AsyncBuffer<>(256, flusher)) {
            writeConcurrently(log, 0);
            log.flush();
            Files.move(file, rotated);
            Files.createFile(file);
            writeConcurrently(log, PER_PHASE);
        }
        assertEquals(expected(0, 2 * PER_PHASE), wholeLines(rotated, false));
        assertEquals(0, Files.size(file));
    }

    @Test
    void options_reopenOnRotationIsOffByDefaultAndKeptByTheOtherWithers() {
        assertFalse(FileFlusher.Options.DEFAULT.reopenOnRotation());
        FileFlusher.Options o = FileFlusher.Options.DEFAULT
                .withReopenOnRotation(true)
                .withBufferSize(4096)
                .withFsync(true)
                .truncate()
                .withAppend(true);
        assertTrue(o.reopenOnRotation());
        assertFalse(new FileFlusher.Options(0, false, true).reopenOnRotation());
    }

    /** Lines [from, to) of every writer, written from WRITERS threads at once. */
    private static void writeConcurrently(AsyncBuffer<String> log, int from) throws InterruptedException {
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(Thread.ofPlatform().start(() -> {
                for (int i = from; i < from + PER_PHASE; i++) {
                    log.write(line(writer, i));
                }
            }));
        }
        for (Thread t : writers) {
            t.join();
        }
    }

    private static Set<String> expected(int from, int to) {
        Set<String> lines = new HashSet<>();
        for (int w = 0; w < WRITERS; w++) {
            for (int i = from; i < to; i++) {
                lines.add(line(w, i));
            }
        }
        return lines;
    }

    private static int index(String line) {
        return Integer.parseInt(line.split("-")[1]);
    }

    /**
     * The file's lines, asserting each is one of ours, whole, once, and each writer's in order;
     * with {@code zeroTail} a tail of zero bytes after the last line is allowed and dropped.
     */
    private static Set<String> wholeLines(Path file, boolean zeroTail) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int length = bytes.length;
        if (zeroTail) {
            while (length > 0 && bytes[length - 1] == 0) {
                length--;
            }
        }
        String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
        assertFalse(text.indexOf('\0') >= 0, file + " has a zero byte inside its lines (written past an end?)");
        assertTrue(text.isEmpty() || text.endsWith("\n"), file + " ends inside a line");
        Set<String> lines = new HashSet<>();
        int[] last = new int[WRITERS];
        Arrays.fill(last, -1);
        for (String l : text.isEmpty() ? new String[0] : text.split("\n", -1)) {
            if (l.isEmpty()) {
                continue; // after the last '\n'
            }
            assertEquals(99, l.length(), file + ": torn or glued line: " + l);
            int writer = Integer.parseInt(l.substring(1, l.indexOf('-')));
            assertEquals(line(writer, index(l)), l, file + ": not one of ours: " + l);
            assertTrue(index(l) > last[writer], file + ": writer " + writer + " out of order at " + l);
            last[writer] = index(l);
            assertTrue(lines.add(l), file + ": written twice: " + l);
        }
        assertEquals(text.isEmpty() ? 0 : lines.size(), text.split("\n").length - (text.isEmpty() ? 1 : 0));
        return lines;
    }

    /** Whether this process has a descriptor open on {@code file} (Linux /proc). */
    private static boolean holdsOpen(Path file) throws IOException {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return false; // cannot tell here
        }
        Path real = file.toRealPath();
        try (Stream<Path> list = Files.list(fds)) {
            return list.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (IOException gone) {
                    return false;
                }
            });
        }
    }
}
