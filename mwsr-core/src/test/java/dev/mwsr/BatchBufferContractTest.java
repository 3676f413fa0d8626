package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The promises of contract section 1 that {@link Buffer} and {@link AsyncBuffer} share, run
 * against both (and against AsyncBuffer's other queue and modes where the promise holds there
 * too). Items are longs that say who wrote them and in which order.
 */
@Timeout(60)
class BatchBufferContractTest {

    /** Makes a buffer of a given capacity around a flusher. */
    interface Factory {
        BatchBuffer<Long> create(int capacity, Consumer<? super List<Long>> flusher);
    }

    record Impl(String name, Factory factory) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Impl> buffers() {
        return Stream.of(
                new Impl("Buffer", Buffer::new),
                new Impl("AsyncBuffer", AsyncBuffer::new),
                new Impl("AsyncBuffer GROW", (c, f) -> AsyncBuffer.<Long>builder(f)
                        .capacity(c)
                        .overflow(AsyncBuffer.OverflowPolicy.GROW)
                        .build()),
                new Impl("AsyncBuffer LOOP 1ms", (c, f) -> AsyncBuffer.<Long>builder(f)
                        .capacity(c)
                        .mode(AsyncBuffer.Mode.LOOP)
                        .interval(Duration.ofMillis(1))
                        .earlyFlush(true)
                        .build()),
                new Impl("AsyncBuffer MANUAL", (c, f) -> AsyncBuffer.<Long>builder(f)
                        .capacity(c)
                        .mode(AsyncBuffer.Mode.MANUAL)
                        .build()),
                new Impl("AsyncBuffer maxBatchBytes", (c, f) -> AsyncBuffer.<Long>builder(f)
                        .capacity(c)
                        .maxBatchBytes(40, x -> 1 + (x & 7)) // 1..8 bytes an item: batches end by bytes
                        .build()));
    }

    private static long item(int thread, int seq) {
        return ((long) thread << 32) | seq;
    }

    private static int threadOf(long item) {
        return (int) (item >>> 32);
    }

    private static int seqOf(long item) {
        return (int) item;
    }

    /** Runs {@code body(t)} on {@code n} platform threads started together; rethrows the first failure. */
    static void onThreads(int n, ThrowingIntConsumer body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(n);
        List<Throwable> errors = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int id = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    body.accept(id);
                } catch (Throwable e) {
                    synchronized (errors) {
                        errors.add(e);
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!errors.isEmpty()) {
            Throwable first = errors.get(0);
            if (first instanceof Exception e) {
                throw e;
            }
            throw new AssertionError(first);
        }
    }

    interface ThrowingIntConsumer {
        void accept(int value) throws Exception;
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void write_deliversExactlyOnceInPerThreadOrder_underManyWriters(Impl impl) throws Exception {
        int threads = 8;
        int perThread = 20_000;
        Recorder<Long> rec = new Recorder<>(64);
        try (BatchBuffer<Long> buffer = impl.factory.create(64, rec)) {
            onThreads(threads, t -> {
                for (int i = 0; i < perThread; i++) {
                    buffer.write(item(t, i));
                }
            });
        }
        rec.assertSound();
        int[] next = new int[threads];
        for (long x : rec.items()) {
            int t = threadOf(x);
            assertEquals(next[t], seqOf(x), "thread " + t + ": item lost, repeated or out of order");
            next[t]++;
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(perThread, next[t], "thread " + t + ": items missing");
        }
    }

    /** Group items: thread (8 bits), group (24), index in group (16), group size (16). */
    private static long member(int thread, int group, int index, int size) {
        return ((long) thread << 56) | ((long) group << 32) | ((long) index << 16) | size;
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void writeV_staysContiguousInOneCall_underContention(Impl impl) throws Exception {
        int capacity = 32;
        int threads = 6;
        int groups = 500;
        Recorder<Long> rec = new Recorder<>(capacity);
        try (BatchBuffer<Long> buffer = impl.factory.create(capacity, rec)) {
            onThreads(threads, t -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int g = 0; g < groups; g++) {
                    int size = 1 + random.nextInt(capacity);
                    Long[] members = new Long[size];
                    for (int i = 0; i < size; i++) {
                        members[i] = member(t, g, i, size);
                    }
                    if (g % 2 == 0) {
                        buffer.writeV(Arrays.asList(members));
                    } else if (buffer instanceof Buffer<Long> b) {
                        b.writeV(members);
                    } else {
                        ((AsyncBuffer<Long>) buffer).writeV(members);
                    }
                }
            });
        }
        rec.assertSound();
        int[] nextGroup = new int[threads];
        for (List<Long> call : rec.calls()) {
            for (int at = 0; at < call.size(); ) {
                long first = call.get(at);
                int t = (int) (first >>> 56);
                int g = (int) (first >>> 32) & 0xFFFFFF;
                int size = (int) first & 0xFFFF;
                assertEquals(0, (int) (first >>> 16) & 0xFFFF, "a call starts in the middle of a group");
                assertEquals(nextGroup[t]++, g, "thread " + t + ": group lost, repeated or out of order");
                assertTrue(at + size <= call.size(), "group split across flusher calls");
                for (int i = 0; i < size; i++) {
                    assertEquals(member(t, g, i, size), call.get(at + i), "group interleaved with another item");
                }
                at += size;
            }
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(groups, nextGroup[t], "thread " + t + ": groups missing");
        }
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void writeV_largerThanCapacity_arrivesAsExactlyOneCall(Impl impl) throws Exception {
        int capacity = 8;
        Recorder<Long> rec = new Recorder<>(capacity);
        List<Long> big = new ArrayList<>();
        for (int i = 0; i < 3 * capacity + 1; i++) {
            big.add(item(99, i));
        }
        try (BatchBuffer<Long> buffer = impl.factory.create(capacity, rec)) {
            onThreads(3, t -> {
                if (t == 0) {
                    for (int i = 0; i < 3; i++) {
                        buffer.writeV(big);
                    }
                } else {
                    for (int i = 0; i < 2_000; i++) {
                        buffer.write(item(t, i));
                    }
                }
            });
            buffer.flush();
        }
        rec.assertSound(List.of(big));
        long bigCalls = rec.calls().stream().filter(big::equals).count();
        assertEquals(3, bigCalls, "each oversized group is one call of exactly its items");
        assertEquals(3 * big.size() + 4_000, rec.itemCount());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void flusherCalls_areNeverEmpty_neverOverCapacity_neverConcurrent(Impl impl) throws Exception {
        Recorder<Long> rec = new Recorder<>(5);
        rec.then = batch -> Thread.onSpinWait();
        try (BatchBuffer<Long> buffer = impl.factory.create(5, rec)) {
            onThreads(6, t -> {
                for (int i = 0; i < 5_000; i++) {
                    buffer.write(item(t, i));
                    if (i % 1_000 == 0) {
                        buffer.flush();
                    }
                }
            });
            assertEquals(5, buffer.capacity());
        }
        rec.assertSound();
        assertEquals(30_000, rec.itemCount());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void flusherList_isReadOnly(Impl impl) {
        List<Throwable> refused = new ArrayList<>();
        Consumer<List<Long>> flusher = batch -> {
            for (Runnable mutation : List.<Runnable>of(
                    () -> batch.add(1L), () -> batch.set(0, 1L), () -> batch.remove(0), batch::clear)) {
                try {
                    mutation.run();
                } catch (UnsupportedOperationException e) {
                    refused.add(e);
                }
            }
        };
        try (BatchBuffer<Long> buffer = impl.factory.create(4, flusher)) {
            buffer.write(1L);
            buffer.writeV(List.of(2L, 3L, 4L, 5L, 6L, 7L)); // larger than capacity: its own list
            buffer.flush();
        }
        assertEquals(4 * 2, refused.size(), "every mutation of every batch must be refused");
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void badInput_throwsAndWritesNothing(Impl impl) {
        assertThrows(IllegalArgumentException.class, () -> impl.factory.create(0, batch -> {}));
        assertThrows(NullPointerException.class, () -> impl.factory.create(4, null));
        Recorder<Long> rec = new Recorder<>(4);
        try (BatchBuffer<Long> buffer = impl.factory.create(4, rec)) {
            assertThrows(NullPointerException.class, () -> buffer.write(null));
            assertThrows(NullPointerException.class, () -> buffer.writeV(Arrays.asList(1L, null, 3L)));
            assertThrows(NullPointerException.class, () -> buffer.writeV(Arrays.asList(1L, 2L, 3L, 4L, 5L, null)));
            assertThrows(NullPointerException.class, () -> buffer.writeV((List<Long>) null));
            if (buffer instanceof AsyncBuffer<Long> a) {
                assertThrows(NullPointerException.class, () -> a.writeV(1L, null));
            } else {
                assertThrows(NullPointerException.class, () -> ((Buffer<Long>) buffer).writeV(1L, null));
            }
            buffer.flush();
            assertEquals(0, buffer.metrics().enqueued());
        }
        assertEquals(List.of(), rec.items());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void close_refusesLaterWrites_andIsIdempotent(Impl impl) throws Exception {
        Recorder<Long> rec = new Recorder<>(4);
        BatchBuffer<Long> buffer = impl.factory.create(4, rec);
        buffer.write(1L);
        buffer.writeV(List.of(2L, 3L));
        onThreads(4, t -> buffer.close());
        buffer.close();
        assertThrows(IllegalStateException.class, () -> buffer.write(4L));
        assertThrows(IllegalStateException.class, () -> buffer.writeV(List.of(5L, 6L)));
        assertThrows(IllegalStateException.class, () -> buffer.writeV(List.of()));
        buffer.flush(); // returns at once after close
        assertEquals(List.of(1L, 2L, 3L), rec.items());
        Metrics m = buffer.metrics();
        assertEquals(3, m.enqueued());
        assertEquals(3, m.written());
        assertEquals(0, m.pending());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void flush_fromManyThreads_returnsAfterTheirItemsWereFlushed(Impl impl) throws Exception {
        Set<Long> flushed = ConcurrentHashMap.newKeySet();
        try (BatchBuffer<Long> buffer = impl.factory.create(16, flushed::addAll)) {
            onThreads(8, t -> {
                for (int i = 0; i < 300; i++) {
                    buffer.write(item(t, i));
                    if (i % 7 == 0) {
                        buffer.flush();
                        for (int j = 0; j <= i; j++) {
                            if (!flushed.contains(item(t, j))) {
                                fail("flush() returned before item " + j + " of thread " + t + " was flushed");
                            }
                        }
                    }
                }
            });
        }
        assertEquals(8 * 300, flushed.size());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void flusherException_failsFast_withUndeliveredReachableAndCounted(Impl impl) {
        RuntimeException boom = new RuntimeException("disk full");
        Recorder<Long> rec = new Recorder<>(4);
        rec.then = batch -> {
            if (rec.calls().size() == 3) {
                throw boom;
            }
        };
        BatchBuffer<Long> buffer = impl.factory.create(4, rec);
        Set<Long> returned = new HashSet<>();
        FlushFailedException first = null;
        for (long i = 0; i < 100 && first == null; i++) {
            try {
                buffer.write(i);
                returned.add(i);
                if (i % 5 == 4) {
                    buffer.flush();
                }
            } catch (FlushFailedException e) {
                first = e;
            }
        }
        assertNotNull(first, "the failure must reach a write or flush");
        assertSame(boom, first.getCause());
        FlushFailedException onWrite = assertThrows(FlushFailedException.class, () -> buffer.write(1000L));
        assertSame(boom, onWrite.getCause());
        assertSame(boom, assertThrows(FlushFailedException.class, buffer::flush).getCause());
        FlushFailedException onClose = assertThrows(FlushFailedException.class, buffer::close);
        assertSame(boom, onClose.getCause());
        assertSame(boom, assertThrows(FlushFailedException.class, buffer::close).getCause());

        List<Long> delivered = new ArrayList<>();
        List<List<Long>> calls = rec.calls();
        for (List<Long> call : calls.subList(0, 2)) {
            delivered.addAll(call);
        }
        List<?> undelivered = onClose.undelivered();
        assertEquals(calls.get(2), undelivered.subList(0, calls.get(2).size()), "the failed batch comes first");
        Set<Object> all = new HashSet<>(delivered);
        for (Object x : undelivered) {
            assertTrue(all.add(x), "item both delivered and undelivered, or undelivered twice: " + x);
        }
        assertTrue(all.containsAll(returned), "an accepted item is neither delivered nor in undelivered()");
        assertFalse(all.contains(1000L), "a write to a failed buffer was accepted");
        assertEquals(undelivered, first.undelivered(), "undelivered() is complete when first thrown");

        Metrics m = buffer.metrics();
        assertEquals(1, m.failures());
        assertEquals(2, m.batches());
        assertEquals(delivered.size(), m.written());
        assertEquals(undelivered.size(), m.pending());
        assertEquals(m.written() + m.pending(), m.enqueued());
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void metrics_areExactWhenQuiescent(Impl impl) throws Exception {
        Recorder<Long> rec = new Recorder<>(8);
        BatchBuffer<Long> buffer = impl.factory.create(8, rec);
        onThreads(4, t -> {
            for (int i = 0; i < 500; i++) {
                buffer.write(item(t, i));
            }
            buffer.writeV(List.of(item(t, 500), item(t, 501), item(t, 502)));
        });
        buffer.flush();
        Metrics m = buffer.metrics();
        assertEquals(new Metrics(2012, 2012, 0, 0, rec.calls().size(), 0), m);
        buffer.close();
        assertEquals(m, buffer.metrics());
        assertInstanceOf(Metrics.class, buffer.metrics());
    }
}
