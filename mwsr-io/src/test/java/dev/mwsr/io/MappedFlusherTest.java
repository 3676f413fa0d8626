package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
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
    void reopenForAppendAfterACrash_continuesAfterTheData_notAfterTheZeroTail() throws IOException {
        Path file = dir.resolve("live.txt");
        Path crashed = dir.resolve("crashed.txt");
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(file, WINDOW_64K)) {
            f.accept(List.of("a", "b"));
            // What a crash leaves behind: the data followed by the zero-filled rest of the window.
            Files.copy(file, crashed);
        }
        assertEquals(64 * 1024, Files.size(crashed));
        try (FileFlusher<CharSequence> f = FileFlusher.mmap(crashed, WINDOW_64K)) {
            f.accept(List.of("c"));
        }
        assertEquals("a\nb\nc\n", Files.readString(crashed));
    }

    @Test
    void dataEnd_scansBackOverZerosAcrossChunks() throws IOException {
        Path file = dir.resolve("tail.bin");
        byte[] bytes = new byte[200_000];
        bytes[3] = 'x';
        Files.write(file, bytes);
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            assertEquals(4, MappedFlusher.dataEnd(channel));
        }
        Files.write(file, new byte[0]);
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            assertEquals(0, MappedFlusher.dataEnd(channel));
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
