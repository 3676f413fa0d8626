package dev.mwsr.io;

import static dev.mwsr.io.TfRecordFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardedRecordReader}: round trip with {@link ShardedRecordWriter}, parallel reading, errors. */
class ShardedRecordReaderTest {
    @TempDir
    Path dir;

    @Test
    void roundTrip_countsAndContentsExactly_sequentialAndParallel() throws Exception {
        int threads = 6;
        int perThread = 3000;
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "rt", 4, 100, true, false)) {
            ShardedRecordWriterTest.writeFromThreads(out, threads, perThread);
        }
        Set<String> expected = new java.util.HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < perThread; i++) {
                expected.add(t + ":" + i);
            }
        }
        try (ShardedRecordReader in = ShardedRecordReader.open(dir, "rt")) {
            assertEquals(4, in.shards().size());
            assertEquals(threads * perThread, in.count());

            List<String> sequential = new ArrayList<>();
            for (ByteBuffer b : in) {
                sequential.add(TfRecordFiles.utf8(b));
            }
            assertEquals(threads * perThread, sequential.size());
            assertEquals(expected, Set.copyOf(sequential));

            List<String> parallel = in.stream().map(TfRecordFiles::utf8).collect(Collectors.toList());
            assertEquals(threads * perThread, parallel.size());
            assertEquals(expected, Set.copyOf(parallel));
            assertTrue(in.stream().isParallel());
            Collections.sort(sequential);
            Collections.sort(parallel);
            assertEquals(sequential, parallel, "no duplicates either way");
        }
    }

    @Test
    void missingShard_orNoSet_isNoSuchFile() throws IOException {
        ShardedRecordWriter.open(dir, "m", 3).close();
        Files.delete(dir.resolve("m-00001-of-00003"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> ShardedRecordReader.open(dir, "m"));
        assertTrue(e.getMessage().contains("m-00001-of-00003"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> ShardedRecordReader.open(dir, "none"));
    }

    @Test
    void twoShardCountsOfOneName_areAmbiguous() throws IOException {
        ShardedRecordWriter.open(dir, "two", 1).close();
        Files.createFile(dir.resolve("two-00000-of-00002"));
        Files.createFile(dir.resolve("two-00001-of-00002"));
        IOException e = assertThrows(IOException.class, () -> ShardedRecordReader.open(dir, "two"));
        assertTrue(e.getMessage().contains("different shard counts"), e.getMessage());
    }

    @Test
    void aCorruptShard_failsTheStreamNamingFileAndOffset() throws IOException {
        Files.write(dir.resolve("c-00000-of-00002"), TfRecordFiles.encode(List.of(utf8("fine"))));
        byte[] bad = TfRecordFiles.encode(List.of(utf8("ok"), utf8("bad")));
        bad[18 + 12] ^= 1;
        Path corrupt = Files.write(dir.resolve("c-00001-of-00002"), bad);
        try (ShardedRecordReader in = ShardedRecordReader.open(dir, "c")) {
            UncheckedIOException e =
                    assertThrows(UncheckedIOException.class, () -> in.stream().count());
            CorruptRecordException c = assertInstanceOf(CorruptRecordException.class, e.getCause());
            assertEquals(corrupt, c.path());
            assertEquals(18, c.offset());
            assertThrows(CorruptRecordException.class, in::count);
        }
    }

    @Test
    void tornTailsStopTheirShardCleanly() throws IOException {
        byte[] whole = TfRecordFiles.encode(List.of(utf8("a"), utf8("b")));
        Files.write(dir.resolve("t-00000-of-00002"), java.util.Arrays.copyOf(whole, whole.length - 3));
        Files.write(dir.resolve("t-00001-of-00002"), whole);
        try (ShardedRecordReader in = ShardedRecordReader.open(dir, "t")) {
            assertEquals(3, in.count());
            assertTrue(in.shards().get(0).tornTail());
        }
    }

    @Test
    void close_closesEveryShard() throws IOException {
        ShardedRecordWriter.open(dir, "cl", 2).close();
        ShardedRecordReader in = ShardedRecordReader.open(dir, "cl");
        in.close();
        in.close();
        for (RecordReader r : in.shards()) {
            assertThrows(IllegalStateException.class, r::iterator);
        }
    }
}
