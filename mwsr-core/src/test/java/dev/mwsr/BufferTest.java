package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The promises of {@link Buffer} (contract sections 1 and 1.1). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferTest {

    /** An item that says who wrote it and in which order. */
    record Item(int writer, int seq) {}

    /**
     * A flusher that copies every batch and checks, on the flusher's own thread, the promises
     * about calls: never concurrent, never empty, never over the limit.
     */
    static final class Recorder<T> implements Consumer<List<T>> {
        final List<List<T>> batches = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger inside = new AtomicInteger();
        final AtomicReference<String> violation = new AtomicReference<>();
        final int limit;

        Recorder(int limit) {
            this.limit = limit;
        }

        @Override
        public void accept(List<T> batch) {
            if (inside.incrementAndGet() != 1) {
                violation.compareAndSet(null, "flusher called concurrently");
            }
            try {
                if (batch.isEmpty()) {
                    violation.compareAndSet(null, "flusher called with an empty list");
                }
                if (batch.size() > limit) {
                    violation.compareAndSet(null, "batch of " + batch.size() + " > " + limit);
                }
                batches.add(List.copyOf(batch));
                Thread.yield(); // widen the window in which writers fill the spare half
            } finally {
                inside.decrementAndGet();
            }
        }

        List<T> all() {
            synchronized (batches) {
                List<T> all = new ArrayList<>();
                batches.forEach(all::addAll);
                return all;
            }
        }

        void assertNoViolation() {
            assertEquals(null, violation.get());
        }
    }

    // --------------------------------------------------------------------------------------
    // Exactly once, order, contiguity.

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 64, 1024})
    void manyWriters_everyItemExactlyOnce_inPerThreadOrder(int capacity) throws Exception {
        int writers = 8;
        int perWriter = capacity < 8 ? 5_000 : 50_000;
        Recorder<Item> recorder = new Recorder<>(capacity);
        try (Buffer<Item> buffer = new Buffer<>(capacity, recorder)) {
            runConcurrently(writers, w -> {
                for (int i = 0; i < perWriter; i++) {
                    buffer.write(new Item(w, i));
                }
            });
        }
        recorder.assertNoViolation();
        assertExactlyOnceInOrder(recorder.all(), writers, perWriter);
    }

    @Test
    void writeV_staysContiguousUnderContention() throws Exception {
        int capacity = 16;
        int writers = 6;
        int groups = 5_000;
        Recorder<Item> recorder = new Recorder<>(capacity);
        try (Buffer<Item> buffer = new Buffer<>(capacity, recorder)) {
            runConcurrently(writers, w -> {
                int seq = 0;
                for (int g = 0; g < groups; g++) {
                    int size = 1 + (g + w) % 7; // 1..7 items, so claims cross the end of a half
                    Item[] group = new Item[size];
                    for (int k = 0; k < size; k++) {
                        group[k] = new Item(w, seq++);
                    }
                    if ((g & 1) == 0) {
                        buffer.writeV(group);
                    } else {
                        buffer.writeV(Arrays.asList(group));
                    }
                }
            });
        }
        recorder.assertNoViolation();
        // Group boundaries are recoverable: a group's size is 1 + (g + w) % 7. Check each group sits
        // whole inside one batch.
        int[] nextGroup = new int[writers];
        for (List<Item> batch : recorder.batches) {
            int i = 0;
            while (i < batch.size()) {
                Item first = batch.get(i);
                int w = first.writer();
                int size = 1 + (nextGroup[w] + w) % 7;
                assertTrue(i + size <= batch.size(), "group of writer " + w + " split across batches");
                for (int k = 1; k < size; k++) {
                    Item next = batch.get(i + k);
                    assertEquals(w, next.writer(), "another writer's item inside a group");
                    assertEquals(first.seq() + k, next.seq(), "group out of order");
                }
                nextGroup[w]++;
                i += size;
            }
        }
        for (int w = 0; w < writers; w++) {
            assertEquals(groups, nextGroup[w], "groups delivered by writer " + w);
        }
    }

    @Test
    void writeV_largerThanCapacity_isOneCallOfExactlyItsItems_afterWhatCameBefore() {
        Recorder<Integer> recorder = new Recorder<>(Integer.MAX_VALUE);
        try (Buffer<Integer> buffer = new Buffer<>(4, recorder)) {
            buffer.write(1);
            buffer.write(2);
            buffer.writeV(10, 11, 12, 13, 14, 15);
            buffer.writeV(new LinkedList<>(List.of(20, 21, 22, 23, 24)));
            buffer.write(3);
        }
        assertEquals(
                List.of(List.of(1, 2), List.of(10, 11, 12, 13, 14, 15), List.of(20, 21, 22, 23, 24), List.of(3)),
                recorder.batches);
    }

    @Test
    void writeV_ofExactlyCapacity_isDeliveredWholeEvenWhenTheHalfIsPartlyFull() {
        Recorder<Integer> recorder = new Recorder<>(3);
        try (Buffer<Integer> buffer = new Buffer<>(3, recorder)) {
            buffer.write(1);
            buffer.writeV(2, 3, 4);
            buffer.writeV(List.of(5, 6, 7));
        }
        recorder.assertNoViolation();
        assertEquals(List.of(List.of(1), List.of(2, 3, 4), List.of(5, 6, 7)), recorder.batches);
    }

    @Test
    void flusherCalls_neverExceedCapacity_neverEmpty_cutWhenTheNextWriteOverflows() {
        Recorder<Integer> recorder = new Recorder<>(3);
        Buffer<Integer> buffer = new Buffer<>(3, recorder);
        for (int i = 0; i < 7; i++) {
            buffer.write(i);
        }
        // The writer whose claim overflows cuts: 0..2 went when 3 arrived, 3..5 when 6 arrived.
        assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5)), recorder.batches);
        buffer.close();
        assertEquals(List.of(List.of(0, 1, 2), List.of(3, 4, 5), List.of(6)), recorder.batches);
        recorder.assertNoViolation();
    }

    // --------------------------------------------------------------------------------------
    // Double buffering.

    @Test
    void blockedFlusher_otherThreadsKeepWritingIntoTheSpare_thenWaitWhenBothHalvesAreFull() throws Exception {
        int capacity = 4;
        CountDownLatch flusherEntered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(capacity, batch -> {
            batches.add(List.copyOf(batch));
            flusherEntered.countDown();
            await(release);
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < capacity; i++) {
                buffer.write(i);
            }
            // This write overflows: its thread cuts the full half and blocks inside the flusher.
            Future<?> flushing = pool.submit(() -> buffer.write(100));
            assertTrue(flusherEntered.await(10, TimeUnit.SECONDS));
            // Meanwhile this thread writes into the spare half without waiting for the I/O:
            // 100 already took one slot of it, three more fit.
            for (int i = 101; i < 104; i++) {
                buffer.write(i);
            }
            // Both halves are full now: the next writer must wait for the flusher.
            Future<?> waiting = pool.submit(() -> buffer.write(104));
            Thread.sleep(100);
            assertFalse(waiting.isDone(), "a writer went on although both halves were full");
            assertEquals(1, batches.size());
            release.countDown();
            flushing.get(10, TimeUnit.SECONDS);
            waiting.get(10, TimeUnit.SECONDS);
            buffer.close();
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(List.of(List.of(0, 1, 2, 3), List.of(100, 101, 102, 103), List.of(104)), batches);
    }

    // --------------------------------------------------------------------------------------
    // flush() and the memory model.

    @Test
    void flush_returnsOnlyAfterTheFlusherReturnedForEarlierWrites_andPublishesPlainFields() {
        final class Box {
            int value; // plain field: visibility comes from the buffer's happens-before edges
        }
        AtomicInteger seen = new AtomicInteger();
        Buffer<Box> buffer = new Buffer<>(1024, batch -> {
            for (Box box : batch) {
                seen.addAndGet(box.value);
            }
        });
        Box box = new Box();
        box.value = 42;
        buffer.write(box);
        assertEquals(0, seen.get(), "delivered before the buffer filled or was flushed");
        buffer.flush();
        assertEquals(42, seen.get());
        buffer.close();
    }

    @Test
    void flush_fromManyThreadsAtOnce_deliversEverythingWrittenBeforeEachCall() throws Exception {
        int threads = 8;
        int rounds = 2_000;
        Recorder<Item> recorder = new Recorder<>(64);
        // Each thread writes, flushes, and then checks its own item was delivered.
        AtomicReference<String> missing = new AtomicReference<>();
        java.util.Set<Item> delivered = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Buffer<Item> checking = new Buffer<>(64, batch -> {
            recorder.accept(batch);
            delivered.addAll(batch);
        });
        runConcurrently(threads, t -> {
            for (int i = 0; i < rounds; i++) {
                Item item = new Item(t, i);
                checking.write(item);
                checking.flush();
                if (!delivered.contains(item)) {
                    missing.compareAndSet(null, item + " not delivered when flush() returned");
                }
            }
        });
        checking.close();
        assertEquals(null, missing.get());
        recorder.assertNoViolation();
        assertExactlyOnceInOrder(recorder.all(), threads, rounds);
    }

    @Test
    void flush_onEmptyBuffer_callsNoFlusher_andMetricsAreExactWhenQuiescent() {
        Recorder<Integer> recorder = new Recorder<>(8);
        Buffer<Integer> buffer = new Buffer<>(8, recorder);
        buffer.flush();
        assertTrue(recorder.batches.isEmpty());
        for (int i = 0; i < 20; i++) {
            buffer.write(i);
        }
        assertEquals(new Metrics(20, 16, 0, 4, 2, 0), buffer.metrics());
        buffer.flush();
        assertEquals(new Metrics(20, 20, 0, 0, 3, 0), buffer.metrics());
        buffer.close();
        assertEquals(new Metrics(20, 20, 0, 0, 3, 0), buffer.metrics());
    }

    // --------------------------------------------------------------------------------------
    // The list the flusher gets.

    @Test
    void flusherList_isReadOnly_andEmptiedAfterTheCall() {
        AtomicReference<List<Integer>> kept = new AtomicReference<>();
        AtomicReference<Throwable> mutation = new AtomicReference<>();
        Buffer<Integer> buffer = new Buffer<>(4, batch -> {
            kept.set(batch);
            try {
                batch.set(0, 99);
            } catch (UnsupportedOperationException expected) {
                try {
                    batch.add(99);
                } catch (UnsupportedOperationException alsoExpected) {
                    return;
                }
            }
            mutation.set(new AssertionError("the flusher could modify its list"));
        });
        buffer.writeV(1, 2, 3);
        buffer.flush();
        assertEquals(null, mutation.get());
        assertTrue(kept.get().isEmpty(), "a list kept after the call still shows items");
        buffer.close();
    }

    // --------------------------------------------------------------------------------------
    // Bad input and closing.

    @Test
    void badInput_throwsEarly_andWritesNothing() {
        Recorder<String> recorder = new Recorder<>(8);
        Buffer<String> buffer = new Buffer<>(8, recorder);
        assertThrows(NullPointerException.class, () -> buffer.write(null));
        assertThrows(NullPointerException.class, () -> buffer.writeV("a", null, "c"));
        assertThrows(NullPointerException.class, () -> buffer.writeV(Arrays.asList("a", null)));
        assertThrows(NullPointerException.class, () -> buffer.writeV(new LinkedList<>(Arrays.asList("a", null))));
        assertThrows(NullPointerException.class, () -> buffer.writeV((List<String>) null));
        assertThrows(NullPointerException.class, () -> buffer.writeV((String[]) null));
        // Oversized groups are checked before anything is cut or delivered, too.
        assertThrows(NullPointerException.class, () -> buffer.writeV("1", "2", "3", "4", "5", "6", "7", "8", null));
        buffer.close();
        assertTrue(recorder.batches.isEmpty());
        assertEquals(new Metrics(0, 0, 0, 0, 0, 0), buffer.metrics());

        assertThrows(IllegalArgumentException.class, () -> new Buffer<String>(0, batch -> {}));
        assertThrows(IllegalArgumentException.class, () -> new Buffer<String>(-1, batch -> {}));
        assertThrows(NullPointerException.class, () -> new Buffer<String>(1, null));
    }

    @Test
    void close_deliversEverything_isIdempotent_andRefusesLaterWrites() {
        Recorder<Integer> recorder = new Recorder<>(8);
        Buffer<Integer> buffer = new Buffer<>(8, recorder);
        buffer.writeV(1, 2, 3);
        buffer.close();
        buffer.close();
        assertEquals(List.of(List.of(1, 2, 3)), recorder.batches);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> buffer.write(4));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> buffer.writeV(4, 5));
        assertThrows(IllegalStateException.class, () -> buffer.writeV(List.of()));
        assertThrows(IllegalStateException.class, () -> buffer.writeV(1, 2, 3, 4, 5, 6, 7, 8, 9));
        buffer.flush(); // nothing left to deliver: returns
        assertEquals(List.of(List.of(1, 2, 3)), recorder.batches);
        assertEquals(3, buffer.metrics().enqueued());
    }

    @Test
    void writesRacingClose_acceptedMeansDelivered_refusedMeansNot() throws Exception {
        for (int round = 0; round < 50; round++) {
            Recorder<Item> recorder = new Recorder<>(8);
            Buffer<Item> buffer = new Buffer<>(8, recorder);
            int writers = 4;
            List<List<Item>> accepted = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                accepted.add(Collections.synchronizedList(new ArrayList<>()));
            }
            CyclicBarrier start = new CyclicBarrier(writers + 1);
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; ; i++) {
                        Item item = new Item(writer, i);
                        try {
                            buffer.write(item);
                        } catch (IllegalStateException refused) {
                            return null;
                        }
                        accepted.get(writer).add(item);
                    }
                }));
            }
            start.await();
            Thread.sleep(1);
            buffer.close();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
            pool.shutdown();
            List<Item> all = new ArrayList<>();
            accepted.forEach(all::addAll);
            List<Item> delivered = recorder.all();
            assertEquals(all.size(), delivered.size(), "accepted vs delivered");
            assertEquals(new java.util.HashSet<>(all), new java.util.HashSet<>(delivered));
            recorder.assertNoViolation();
        }
    }

    @Test
    void writerWaitingForRoom_whenCloseStarts_isRefused() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> delivered = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(1, batch -> {
            delivered.addAll(batch);
            inFlusher.countDown();
            await(release);
        });
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            buffer.write(1);
            Future<?> flushing = pool.submit(() -> buffer.write(2)); // cuts [1], blocks in the flusher
            assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
            Future<?> waiting = pool.submit(() -> buffer.write(3)); // both halves full: waits
            Thread.sleep(100);
            Future<?> closing = pool.submit(() -> buffer.close());
            Thread.sleep(100);
            release.countDown();
            flushing.get(10, TimeUnit.SECONDS);
            closing.get(10, TimeUnit.SECONDS);
            Throwable refused = assertThrows(
                            java.util.concurrent.ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS))
                    .getCause();
            // It was still waiting for room when close() started: refused, never delivered.
            assertInstanceOf(IllegalStateException.class, refused);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(List.of(1, 2), delivered);
    }

    // --------------------------------------------------------------------------------------
    // Failures.

    @Test
    void throwingFlusher_failsFast_exceptionReachesTheCaller_itemsReachable() {
        RuntimeException boom = new RuntimeException("disk full");
        AtomicInteger calls = new AtomicInteger();
        Buffer<Integer> buffer = new Buffer<>(2, batch -> {
            if (calls.incrementAndGet() == 2) {
                throw boom;
            }
        });
        buffer.writeV(1, 2);
        buffer.write(3); // cuts [1, 2]: delivered
        buffer.write(4);
        // 5 overflows: its writer cuts [3, 4] and the flusher throws on its thread.
        FlushFailedException first = assertThrows(FlushFailedException.class, () -> buffer.write(5));
        assertSame(boom, first.getCause());
        // The failed batch first, then what was pending (5 had been accepted into the new half).
        assertEquals(List.of(3, 4, 5), first.undelivered());
        assertEquals(1, buffer.metrics().failures());
        assertEquals(2, buffer.metrics().written());
        assertEquals(3, buffer.metrics().pending());

        // Every later call fails with the original in its cause chain, and accepts nothing.
        FlushFailedException later = assertThrows(FlushFailedException.class, () -> buffer.write(6));
        assertSame(boom, later.getCause());
        assertEquals(List.of(3, 4, 5), later.undelivered());
        assertSame(
                boom,
                assertThrows(FlushFailedException.class, () -> buffer.writeV(7, 8))
                        .getCause());
        assertSame(boom, assertThrows(FlushFailedException.class, buffer::flush).getCause());
        assertSame(boom, assertThrows(FlushFailedException.class, buffer::close).getCause());
        assertSame(boom, assertThrows(FlushFailedException.class, buffer::close).getCause());
        assertEquals(2, calls.get(), "the flusher was called again after it failed");
        assertEquals(new Metrics(5, 2, 0, 3, 1, 1), buffer.metrics());
    }

    @Test
    void throwingFlusher_onFlush_reportsToTheFlushCaller_andCloseListsEverythingPending() {
        IllegalArgumentException boom = new IllegalArgumentException("bad record");
        Buffer<String> buffer = new Buffer<>(8, batch -> {
            throw boom;
        });
        buffer.writeV("a", "b");
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
        assertSame(boom, e.getCause());
        assertEquals(List.of("a", "b"), e.undelivered());
        FlushFailedException onClose = assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(List.of("a", "b"), onClose.undelivered());
    }

    @Test
    void throwingFlusher_underConcurrentWriters_losesNothingSilently() throws Exception {
        int writers = 4;
        int perWriter = 20_000;
        AtomicInteger calls = new AtomicInteger();
        List<Item> delivered = Collections.synchronizedList(new ArrayList<>());
        Buffer<Item> buffer = new Buffer<>(32, batch -> {
            if (calls.incrementAndGet() == 50) {
                throw new IllegalStateException("planted failure");
            }
            delivered.addAll(batch);
        });
        List<List<Item>> accepted = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            accepted.add(new ArrayList<>());
        }
        runConcurrently(writers, w -> {
            for (int i = 0; i < perWriter; i++) {
                Item item = new Item(w, i);
                try {
                    buffer.write(item);
                } catch (FlushFailedException e) {
                    if (e.undelivered().contains(item)) {
                        accepted.get(w).add(item); // this call ran the failing flush after accepting
                    }
                    return;
                }
                accepted.get(w).add(item);
            }
        });
        FlushFailedException onClose = assertThrows(FlushFailedException.class, buffer::close);
        List<Object> accountedFor = new ArrayList<>(delivered);
        accountedFor.addAll(onClose.undelivered());
        List<Item> all = new ArrayList<>();
        accepted.forEach(all::addAll);
        assertEquals(all.size(), accountedFor.size(), "accepted = delivered + undelivered");
        assertEquals(new java.util.HashSet<Object>(all), new java.util.HashSet<>(accountedFor));
        Metrics m = buffer.metrics();
        assertEquals(1, m.failures());
        assertEquals(delivered.size(), m.written());
        assertEquals(onClose.undelivered().size(), m.pending());
    }

    @Test
    void flusherCallingFlushOrClose_onItsOwnBuffer_getsIllegalStateException() {
        AtomicReference<Buffer<Integer>> self = new AtomicReference<>();
        List<Throwable> seen = new ArrayList<>();
        Buffer<Integer> buffer = new Buffer<>(4, batch -> {
            try {
                self.get().flush();
            } catch (IllegalStateException e) {
                seen.add(e);
            }
            try {
                self.get().close();
            } catch (IllegalStateException e) {
                seen.add(e);
            }
        });
        self.set(buffer);
        buffer.write(1);
        buffer.flush();
        buffer.close();
        assertEquals(2, seen.size());
        assertTrue(
                seen.get(0).getMessage().contains("flusher must not"),
                seen.get(0).getMessage());
    }

    @Test
    void flusherWriting_isAcceptedOnlyWhenItNeedsNoWait_otherwiseIllegalStateAndNothingWritten() throws Exception {
        AtomicReference<Buffer<Integer>> self = new AtomicReference<>();
        List<Object> outcomes = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(2, batch -> {
            calls.add(List.copyOf(batch));
            if (batch.get(0) == 1) {
                // Fits in the half being filled, nobody else cutting: accepted.
                self.get().writeV(10, 11);
                // The half is full now: would have to flush or wait for this very call.
                outcomes.add(attempt(() -> self.get().write(12)));
            } else if (batch.get(0) == 20) {
                entered.countDown();
                await(go);
                // Another thread's flush() holds the cut while it waits for this call: refused.
                outcomes.add(attempt(() -> self.get().write(21)));
            }
        });
        self.set(buffer);
        buffer.writeV(1, 2);
        buffer.flush(); // the flusher adds 10, 11 and then tries 12
        assertEquals(1, outcomes.size());
        assertInstanceOf(IllegalStateException.class, outcomes.get(0));
        buffer.flush();
        assertEquals(List.of(List.of(1, 2), List.of(10, 11)), calls, "10, 11 accepted and delivered, 12 not written");

        buffer.write(20);
        Thread first = Thread.ofPlatform().start(buffer::flush);
        assertTrue(entered.await(10, TimeUnit.SECONDS));
        buffer.write(22); // so that the second flush() has a half to cut, and waits holding it
        Thread second = Thread.ofPlatform().start(buffer::flush);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (second.getState() != Thread.State.TIMED_WAITING) { // polls the flush lock (close(Duration))
            assertTrue(System.nanoTime() < end, "second flush() never waited");
            Thread.sleep(1);
        }
        go.countDown();
        first.join(10_000);
        second.join(10_000);
        assertInstanceOf(IllegalStateException.class, outcomes.get(1));
        buffer.close();
        assertEquals(List.of(List.of(1, 2), List.of(10, 11), List.of(20), List.of(22)), calls, "21 was not written");
    }

    private static Object attempt(Runnable r) {
        try {
            r.run();
            return "accepted";
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    void closeWithTimeout_deliversAndReturnsZero_whenNothingIsStuck() {
        Recorder<Integer> rec = new Recorder<>(4);
        Buffer<Integer> buffer = new Buffer<>(4, rec);
        buffer.writeV(1, 2, 3);
        assertEquals(0, buffer.close(java.time.Duration.ofSeconds(10)));
        assertEquals(List.of(1, 2, 3), rec.all());
        buffer.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> buffer.write(4));
    }

    @Test
    void closeWithTimeout_givesUpOnAStuckFlusher_releasesItsWaiters_reportsUndeliveredAndInDoubt() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(1, batch -> {
            calls.add(List.copyOf(batch));
            inFlusher.countDown();
            await(release);
        });
        AtomicReference<Throwable> flusherThread = new AtomicReference<>();
        Thread stuck = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(0);
                buffer.write(1); // cuts [0] and flushes it inline: stuck; 1 is in the new half
            } catch (Throwable t) {
                flusherThread.set(t);
            }
        });
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        AtomicReference<Throwable> waiter = new AtomicReference<>();
        Thread bothHalvesFull = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(2); // must cut [1], so waits for the stuck flush
            } catch (Throwable t) {
                waiter.set(t);
            }
        });
        AtomicReference<Throwable> flusher2 = new AtomicReference<>();
        awaitState(bothHalvesFull, Thread.State.TIMED_WAITING);
        Thread flushing = Thread.ofPlatform().start(() -> {
            try {
                buffer.flush();
            } catch (Throwable t) {
                flusher2.set(t);
            }
        });
        long start = System.nanoTime();
        assertEquals(2, buffer.close(java.time.Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close(Duration) did not give up");
        bothHalvesFull.join(10_000);
        flushing.join(10_000);
        assertFalse(bothHalvesFull.isAlive() || flushing.isAlive(), "waiters for the stuck flush were not released");
        assertInstanceOf(IllegalStateException.class, waiter.get(), "the waiting writer is refused");
        FlushFailedException onFlush = assertInstanceOf(FlushFailedException.class, flusher2.get());
        assertEquals(List.of(1), onFlush.undelivered(), "accepted, never handed to the flusher");
        assertEquals(List.of(0), onFlush.inDoubt(), "inside the stuck flusher call");
        assertInstanceOf(java.util.concurrent.TimeoutException.class, onFlush.getCause());
        FlushFailedException onWrite = assertThrows(FlushFailedException.class, () -> buffer.write(3));
        assertEquals(List.of(1), onWrite.undelivered());
        assertThrows(FlushFailedException.class, buffer::flush);
        assertThrows(FlushFailedException.class, buffer::close);
        assertThrows(FlushFailedException.class, () -> buffer.close(java.time.Duration.ofSeconds(1)));
        release.countDown();
        stuck.join(10_000);
        assertFalse(stuck.isAlive());
        assertEquals(null, flusherThread.get(), "the stuck write returns normally once its flusher call does");
        assertEquals(List.of(List.of(0)), calls, "no flusher call after close(Duration) gave up");
    }

    @Test
    void closeWithTimeout_givingUpWhileAnOversizedGroupWaitsBehindItsCut_reportsTheGroupUndelivered() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<Integer>> calls = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(4, batch -> {
            calls.add(List.copyOf(batch));
            inFlusher.countDown();
            await(release);
        });
        buffer.writeV(0, 1);
        AtomicReference<Throwable> onGroup = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                buffer.writeV(10, 11, 12, 13, 14, 15); // cuts [0, 1] and flushes it inline: stuck
            } catch (Throwable t) {
                onGroup.set(t);
            }
        });
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        assertEquals(2 + 6, buffer.close(java.time.Duration.ofMillis(100)), "the cut in doubt, the group undelivered");
        release.countDown(); // the stuck call returns; the group must not start a call, nor vanish
        writer.join(10_000);
        assertFalse(writer.isAlive());
        List<Integer> group = List.of(10, 11, 12, 13, 14, 15);
        FlushFailedException own = assertInstanceOf(FlushFailedException.class, onGroup.get(), "its group failed");
        assertEquals(group, own.undelivered(), "the writer's accepted group is in its exception");
        assertEquals(List.of(0, 1), own.inDoubt());
        FlushFailedException later = assertThrows(FlushFailedException.class, buffer::flush);
        assertEquals(group, later.undelivered(), "accepted, never handed to the flusher");
        assertEquals(List.of(0, 1), later.inDoubt(), "inside the stuck flusher call");
        assertEquals(List.of(List.of(0, 1)), calls, "no flusher call after close(Duration) gave up");
        Metrics m = buffer.metrics();
        assertEquals(6, m.pending(), "the group counts as pending once (the cut returned: written)");
        assertEquals(m.written() + m.pending(), m.enqueued());
    }

    @Test
    void metricsLag_whileACallRuns_boundsTheOldestItemsWaitByTheCutBeforeItsBatch_thenHoldsTheLastDelay()
            throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long created = System.nanoTime();
        Buffer<Integer> buffer = new Buffer<>(2, batch -> {
            inFlusher.countDown();
            await(release);
        });
        assertEquals(0, buffer.metrics().lagNanos(), "unknown before the first batch");
        Thread.sleep(20);
        buffer.write(0);
        long written0 = System.nanoTime(); // item 0 has waited at least since here
        Thread.sleep(30);
        buffer.write(1);
        Thread cutter = Thread.ofPlatform().start(() -> buffer.write(2)); // cuts [0, 1] 30 ms after 0
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        Thread.sleep(30);
        long before = System.nanoTime();
        long running = buffer.metrics().lagNanos();
        long after = System.nanoTime();
        assertTrue(running >= before - written0, "at least the oldest item's wait so far: " + running);
        assertTrue(running <= after - created, "at most the time since the cut before (here: creation)");
        long released = System.nanoTime();
        release.countDown();
        cutter.join(10_000);
        long returned = System.nanoTime();
        long delivered = buffer.metrics().lagNanos();
        assertTrue(delivered >= released - written0, "the last batch's delay, to its flusher's return");
        assertTrue(delivered <= returned - created);
        Thread.sleep(20);
        assertEquals(delivered, buffer.metrics().lagNanos(), "no call running: the figure stops growing");
    }

    private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != state) {
            assertTrue(System.nanoTime() < end, t + " never reached " + state);
            Thread.sleep(1);
        }
    }

    // --------------------------------------------------------------------------------------
    // Interrupts.

    @Test
    void writerInterruptedWhileWaitingForRoom_throwsUnchecked_restoresFlag_writesNothing() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> delivered = Collections.synchronizedList(new ArrayList<>());
        Buffer<Integer> buffer = new Buffer<>(1, batch -> {
            delivered.addAll(batch);
            inFlusher.countDown();
            await(release);
        });
        Thread flushing = new Thread(() -> {
            buffer.write(1);
            buffer.write(2); // cuts [1] and blocks in the flusher; 2 fills the spare
        });
        flushing.start();
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        Thread waiting = new Thread(() -> {
            try {
                buffer.write(3); // both halves full: waits
            } catch (Throwable t) {
                thrown.set(t);
                flagAfter.set(Thread.currentThread().isInterrupted());
            }
        });
        waiting.start();
        Thread.sleep(100);
        waiting.interrupt();
        waiting.join(10_000);
        assertInstanceOf(CancellationException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertTrue(flagAfter.get(), "interrupt flag restored");
        release.countDown();
        flushing.join(10_000);
        buffer.close();
        assertEquals(List.of(1, 2), delivered, "the interrupted write was not accepted");
    }

    // --------------------------------------------------------------------------------------
    // Helpers.

    interface Body {
        void run(int index) throws Exception;
    }

    static void runConcurrently(int threads, Body body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run(index);
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static void assertExactlyOnceInOrder(List<Item> delivered, int writers, int perWriter) {
        int[] next = new int[writers];
        for (Item item : delivered) {
            assertEquals(
                    next[item.writer()],
                    item.seq(),
                    "writer " + item.writer() + ": lost, duplicated or reordered item");
            next[item.writer()]++;
        }
        for (int w = 0; w < writers; w++) {
            assertEquals(perWriter, next[w], "items delivered for writer " + w);
        }
    }

    static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new AssertionError("latch timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
