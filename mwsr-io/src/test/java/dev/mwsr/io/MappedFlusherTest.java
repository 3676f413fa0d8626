package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The promises only {@code FileFlusher.mmap} makes: allocation, truncation, crash recovery, release. */
class MappedFlusherTest {
    private static final FileFlusher.Options WINDOW_64K = FileFlusher.Options.DEFAULT.withBufferSize(64 * 1024);

    @TempDir
    Path dir;

    @Test
    void whileOpen_windowIsAllocated_andCloseTruncatesToTheBytesWritten() throws IOException {
        Path file = dir.resolve("w.txt");
        FileFlusher<CharSequence> f = FileFlusher.mmap(file, WINDOW_64K);
        f.accept(List.of("hello"));
        assertEquals(64 * 1024, Files.size(file), "the window is really allocated");
        f.close();
        assertEquals("hello\n", Files.readString(file));
    }

    @Test
    void reopenAfterCleanClose_keepsTrailingZeroBytes() throws IOException {
        Path file = dir.resolve("ticks.bin");
        Encoder<Long> tick = (time, out) -> out.reserve(16).putLong(time).putDouble(0.0);
        try (FileFlusher<Long> f = FileFlusher.mmap(file, tick, WINDOW_64K)) {
            f.accept(List.of(1L, 2L));
        }
        assertEquals(32, Files.size(file));
        try (FileFlusher<Long> f = FileFlusher.mmap(file, tick, WINDOW_64K)) {
            f.accept(List.of(3L));
        }
        assertEquals(48, Files.size(file), "the zero bytes a clean close left are data");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        for (long t = 1; t <= 3; t++) {
            assertEquals(t, b.getLong());
            assertEquals(0.0, b.getDouble());
        }
    }

    @Test
    @Timeout(60)
    void kill9MidLine_reopenForAppend_continuesAfterTheLastWholeBatch() throws Exception {
        Path file = dir.resolve("crash.txt");
        String classpath = String.join(
                File.pathSeparator,
                System.getProperty("java.class.path"),
                System.getProperty("jdk.module.path", ""),
                location(MmapCrashChild.class),
                location(FileFlusher.class),
                location(dev.mwsr.Buffer.class));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "-cp", classpath, MmapCrashChild.class.getName(), file.toString())
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            String said = out.readLine();
            assertEquals("torn", said, "the child should reach the torn line");
        } finally {
            child.destroyForcibly(); // SIGKILL: no close, no truncate, no shutdown hook
            assertTrue(child.waitFor(20, TimeUnit.SECONDS));
        }
        assertTrue(Files.size(file) > 5050 * 9, "the crash left the zero tail of a window");
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(file, WINDOW_64K)) {
            f.accept(List.of("after"));
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            expected.add("line-" + i);
        }
        expected.add("after");
        for (int i = 0; i < Math.min(lines.size(), expected.size()); i++) {
            assertEquals(expected.get(i), lines.get(i), "line " + i);
        }
        assertEquals(expected.size(), lines.size(), "every acknowledged batch, then the new line on its own");
    }

    @Test
    void aCrashedFileThatAnotherFlusherAppendedTo_isTakenWhole_theStaleMarkerIgnored() throws Exception {
        Path file = dir.resolve("stale.txt");
        Path marker = EndMarker.of(file);
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(file, WINDOW_64K)) {
            f.accept(List.of("a"));
            Files.copy(file, dir.resolve("image"));
            Files.copy(marker, dir.resolve("image.mmap-end"));
        }
        Path image = dir.resolve("image");
        try (FileFlusher<CharSequence> f = FileFlusher.block(image)) { // knows nothing of the marker
            f.accept(List.of("b"));
        }
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(image, WINDOW_64K)) {
            f.accept(List.of("c"));
        }
        List<String> lines = Files.readAllLines(image);
        assertEquals("a", lines.get(0));
        assertEquals(List.of("b", "c"), lines.subList(lines.size() - 2, lines.size()), "b is kept");
        assertTrue(Files.notExists(dir.resolve("image.mmap-end")), "a clean close removes the marker");
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    @Test
    @Timeout(30)
    void defaultWindowOnADiskWith2MiBFree_stillWrites() throws Exception {
        try (SmallDisk disk = SmallDisk.mount(dir, "2m")) {
            Path file = disk.dir.resolve("small.txt");
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                batch.add("line " + i);
            }
            try (FileFlusher<CharSequence> f = FileFlusher.mmap(file)) {
                f.accept(batch);
                f.accept(List.of("end"));
            }
            List<String> expected = new ArrayList<>(batch);
            expected.add("end");
            assertEquals(expected, Files.readAllLines(file));
        }
    }

    @Test
    void fileTruncatedUnderTheLiveMapping_failsNamingTheFile() throws IOException {
        Path file = dir.resolve("cut.txt");
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(file, WINDOW_64K)) {
            f.accept(List.of("one"));
            try (FileChannel other = FileChannel.open(file, StandardOpenOption.WRITE)) {
                other.truncate(0);
            }
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> f.accept(List.of("two")));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        } catch (IOException closing) {
            // closing after the file was cut under it may fail too; it must name the file
            assertTrue(closing.getMessage().contains(file.toString()), closing.getMessage());
        }
    }

    @Test
    void mappingIsReleasedAtClose_onJava22AndLater() {
        if (Runtime.version().feature() >= 22) {
            assertTrue(Mapping.DETERMINISTIC, "FileChannel.map(..., Arena) should link on Java 22+");
        }
    }

    @Test
    void aThousandOpenCloseCycles_leakNoMappingsAndNoFileHandles() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs Linux /proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Mapping.DETERMINISTIC, "on Java 21 the GC unmaps, so mappings are not released at close");
        Path file = dir.resolve("loop.txt");
        cycle(file, 50); // warm up: class loading, JIT, lazily opened JDK files
        long fds = count(Path.of("/proc/self/fd"));
        long maps = Files.readAllLines(Path.of("/proc/self/maps")).size();
        cycle(file, 1000);
        long fdsAfter = count(Path.of("/proc/self/fd"));
        long mapsAfter = Files.readAllLines(Path.of("/proc/self/maps")).size();
        assertTrue(fdsAfter <= fds + 5, "file handles " + fds + " -> " + fdsAfter);
        assertTrue(mapsAfter <= maps + 50, "mappings " + maps + " -> " + mapsAfter);
        assertEquals("line 999\n", Files.readString(file));
    }

    private static void cycle(Path file, int times) throws IOException {
        FileFlusher.Options truncate = WINDOW_64K.truncate();
        for (int i = 0; i < times; i++) {
            try (FileFlusher<CharSequence> f = FileFlusher.mmap(file, truncate)) {
                f.accept(List.of("line " + i));
            }
        }
    }

    private static long count(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        }
    }
}
