package dev.mwsr.io;

import static dev.mwsr.io.TfRecordFiles.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardedRecordWriter}: naming, spreading, per-thread order; files checked with the independent parser. */
class ShardedRecordWriterTest {
    @TempDir
    Path dir;

    /** Writes "thread:index" records from {@code threads} threads, {@code perThread} each. */
    static void writeFromThreads(ShardedRecordWriter out, int threads, int perThread) throws InterruptedException {
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
                    if (i % 100 == 98 && i + 1 < perThread) {
                        out.writeV(List.of(
                                ByteBuffer.wrap(utf8(id + ":" + i)), ByteBuffer.wrap(utf8(id + ":" + (i + 1)))));
                        i++;
                    } else {
                        out.write(ByteBuffer.wrap(utf8(id + ":" + i)));
                    }
                }
            }));
        }
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
    }

    @Test
    void shardsAreNamedNameIndexOfCount() throws IOException {
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir.resolve("sub"), "events", 4)) {
            assertEquals(
                    List.of(
                            "events-00000-of-00004",
                            "events-00001-of-00004",
                            "events-00002-of-00004",
                            "events-00003-of-00004"),
                    out.paths().stream().map(p -> p.getFileName().toString()).toList());
        }
        try (Stream<Path> files = Files.list(dir.resolve("sub"))) {
            assertEquals(4, files.count());
        }
    }

    @Test
    void recordsFromManyThreads_areSpreadOverShards_eachThreadInOrderInOneShard() throws Exception {
        int threads = 8;
        int perThread = 1000;
        List<Path> paths;
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "data", 4, 64, true, false)) {
            writeFromThreads(out, threads, perThread);
            paths = out.paths();
        }
        int total = 0;
        Set<Integer> seenThreads = new HashSet<>();
        for (Path p : paths) {
            List<byte[]> records = TfRecordFiles.parse(Files.readAllBytes(p));
            assertFalse(records.isEmpty(), p + " got no records: threads are spread round-robin");
            int[] next = new int[threads];
            Set<Integer> here = new HashSet<>();
            for (byte[] r : records) {
                String[] parts = new String(r).split(":");
                int id = Integer.parseInt(parts[0]);
                assertEquals(next[id]++, Integer.parseInt(parts[1]), "order of thread " + id + " in " + p);
                here.add(id);
            }
            for (int id : here) {
                assertTrue(seenThreads.add(id), "thread " + id + " wrote to two shards");
                assertEquals(perThread, next[id]);
            }
            total += records.size();
        }
        assertEquals(threads * perThread, total);
        assertEquals(threads, seenThreads.size());
    }

    @Test
    void flush_putsEverythingWrittenIntoTheFiles() throws IOException {
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "f", 2)) {
            out.write(ByteBuffer.wrap(utf8("now")));
            assertEquals(0, Files.size(out.paths().get(0)), "held in the buffer");
            out.flush();
            assertEquals(
                    List.of("now"),
                    TfRecordFiles.parse(Files.readAllBytes(out.paths().get(0))).stream()
                            .map(String::new)
                            .toList());
        }
    }

    @Test
    void reopening_appendsByDefault_truncatesOnRequest() throws IOException {
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "a", 1)) {
            out.write(ByteBuffer.wrap(utf8("1")));
        }
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "a", 1)) {
            out.write(ByteBuffer.wrap(utf8("2")));
        }
        Path shard = dir.resolve("a-00000-of-00001");
        assertEquals(2, TfRecordFiles.parse(Files.readAllBytes(shard)).size());
        try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "a", 1, 16, false, false)) {
            out.write(ByteBuffer.wrap(utf8("3")));
        }
        assertEquals(1, TfRecordFiles.parse(Files.readAllBytes(shard)).size());
    }

    @Test
    void anotherShardCountOfTheSameName_isRefusedBeforeAnythingIsCreated() throws IOException {
        ShardedRecordWriter.open(dir, "s", 2).close();
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> ShardedRecordWriter.open(dir, "s", 3));
        assertTrue(e.getMessage().contains("2 shards"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("s-00000-of-00003")));
    }

    @Test
    void badArguments_failEarly() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> ShardedRecordWriter.open(dir, "x", 0));
        assertThrows(IllegalArgumentException.class, () -> ShardedRecordWriter.open(dir, "x", 100_000));
        assertThrows(IllegalArgumentException.class, () -> ShardedRecordWriter.open(dir, "a/b", 2));
        assertThrows(IllegalArgumentException.class, () -> ShardedRecordWriter.open(dir, "", 2));
        assertThrows(IllegalArgumentException.class, () -> ShardedRecordWriter.open(dir, "x", 2, 0, true, false));
        assertThrows(NullPointerException.class, () -> ShardedRecordWriter.open(null, "x", 2));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing created");
        }
        ShardedRecordWriter out = ShardedRecordWriter.open(dir, "x", 2);
        assertThrows(NullPointerException.class, () -> out.write(null));
        out.close();
        out.close();
        assertThrows(IllegalStateException.class, () -> out.write(ByteBuffer.allocate(1)));
    }
}
