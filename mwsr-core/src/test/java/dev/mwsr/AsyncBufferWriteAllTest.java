package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer.Mode;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.AsyncBufferTest.Gate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link AsyncBuffer#writeAll}: many independent items with one admission. */
@Timeout(60)
class AsyncBufferWriteAllTest {

    private static Integer[] range(int from, int to) {
        return IntStream.range(from, to).boxed().toArray(Integer[]::new);
    }

    private static List<Integer> list(int from, int to) {
        return IntStream.range(from, to).boxed().toList();
    }

    private static void awaitBlocked(Thread t) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < end, t.getName() + " never waited");
            Thread.sleep(1);
        }
    }

    @Test
    void writeAll_deliversTheRangeInOrder_asIndependentItems_splitAcrossBatches() {
        Recorder<Integer> rec = new Recorder<>(4);
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(16)
                .maxBatch(4)
                .mode(Mode.MANUAL)
                .build()) {
            buffer.write(-1);
            assertEquals(7, buffer.writeAll(range(0, 10), 2, 9));
            buffer.write(-2);
            buffer.flush();
            assertEquals(new Metrics(9, 9, 0, 0, 3, 0), buffer.metrics());
        }
        assertEquals(List.of(List.of(-1, 2, 3, 4), List.of(5, 6, 7, 8), List.of(-2)), rec.calls());
        rec.assertSound();
    }

    @Test
    void writeAll_splitsUnderMaxBatchBytes_too() {
        Recorder<String> rec = new Recorder<>(64);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .mode(Mode.MANUAL)
                .maxBatchBytes(4, String::length)
                .build()) {
            buffer.writeAll(new String[] {"aa", "bb", "cc", "dddd", "e"}, 0, 5);
            buffer.flush();
        }
        assertEquals(List.of(List.of("aa", "bb"), List.of("cc"), List.of("dddd"), List.of("e")), rec.calls());
    }

    @Test
    void writeAll_badBounds_throwIndexOutOfBounds_andWriteNothing() {
        Recorder<Integer> rec = new Recorder<>(8);
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(8, rec)) {
            Integer[] items = range(0, 4);
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.writeAll(items, -1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.writeAll(items, 3, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.writeAll(items, 0, 5));
            assertThrows(NullPointerException.class, () -> buffer.writeAll(null, 0, 0));
            buffer.flush();
            assertEquals(0, buffer.metrics().enqueued());
        }
        assertEquals(List.of(), rec.calls());
    }

    @Test
    void writeAll_aNullItem_throwsNamingIt_andWritesNothing_evenBeyondTheFirstChunk() {
        Recorder<Integer> rec = new Recorder<>(4);
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, rec);
        Integer[] items = range(0, 10);
        items[8] = null; // in the third chunk of 4
        NullPointerException e = assertThrows(NullPointerException.class, () -> buffer.writeAll(items, 0, 10));
        assertTrue(e.getMessage().contains("items[8]"), e.getMessage());
        assertEquals(
                0, buffer.metrics().enqueued(), "nothing written"); // before close(), which a stray place would hang
        assertEquals(0, buffer.writeAll(items, 3, 3), "an empty range writes nothing");
        assertEquals(2, buffer.writeAll(items, 6, 8), "the null is outside this range");
        buffer.close();
        assertEquals(2, buffer.metrics().enqueued());
        assertEquals(List.of(6, 7), rec.items());
    }

    @Test
    void writeAll_onAClosedBuffer_throwsIllegalState_evenForAnEmptyRange() {
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, batch -> {});
        buffer.close();
        assertThrows(IllegalStateException.class, () -> buffer.writeAll(range(0, 2), 0, 2));
        assertThrows(IllegalStateException.class, () -> buffer.writeAll(range(0, 2), 1, 1));
        assertEquals(0, buffer.metrics().enqueued());
    }

    @Test
    void writeAll_dropNewestAndWarn_dropTheWholeRangeThatDoesNotFit_andReturnTheAcceptedCount() throws Exception {
        for (OverflowPolicy policy : List.of(OverflowPolicy.DROP_NEWEST, OverflowPolicy.WARN)) {
            Gate gate = new Gate();
            Recorder<Integer> rec = new Recorder<>(8);
            rec.then = batch -> gate.await();
            AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                    .capacity(8)
                    .overflow(policy)
                    .logger(new AsyncBufferTest.Log())
                    .build();
            buffer.write(0);
            gate.awaitEntered(); // the queue is empty, 8 places free
            assertEquals(5, buffer.writeAll(range(1, 6), 0, 5));
            assertEquals(0, buffer.writeAll(range(6, 10), 0, 4), policy + ": 4 do not fit in 3: none is written");
            assertEquals(3, buffer.writeAll(range(10, 13), 0, 3));
            gate.open();
            buffer.flush();
            Gate second = new Gate();
            rec.then = batch -> second.await();
            buffer.write(50);
            second.awaitEntered(); // the queue is empty again
            assertEquals(8, buffer.writeAll(range(100, 120), 0, 20), policy + ": chunks of 8; only the first fits");
            second.open();
            buffer.close();
            List<Integer> expected = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 10, 11, 12, 50));
            expected.addAll(list(100, 108));
            assertEquals(expected, rec.items());
            assertEquals(4 + 12, buffer.metrics().dropped());
        }
    }

    @Test
    void writeAll_dropOldest_dropsTheOldestQueuedItemsUntilTheRangeFits() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.writeAll(range(1, 4), 0, 3); // [1 2 3]
        assertEquals(3, buffer.writeAll(range(4, 7), 0, 3)); // drops 1, 2 -> [3 4 5 6]
        assertEquals(10, buffer.writeAll(range(7, 17), 0, 10)); // chunks 7-10, 11-14, 15-16, each dropping older items
        gate.open();
        buffer.close();
        assertEquals(List.of(0, 13, 14, 15, 16), rec.items());
        assertEquals(new Metrics(17, 5, 12, 0, 2, 0), buffer.metrics());
    }

    @Test
    void writeAll_block_moreItemsThanCapacity_deliversEveryItemInOrder() {
        for (Mode mode : List.of(Mode.TRIGGER, Mode.MANUAL)) {
            Recorder<Integer> rec = new Recorder<>(4);
            try (AsyncBuffer<Integer> buffer =
                    AsyncBuffer.<Integer>builder(rec).capacity(4).mode(mode).build()) {
                assertEquals(103, buffer.writeAll(range(0, 105), 1, 104));
                buffer.flush();
                assertEquals(list(1, 104), rec.items(), mode.toString());
            }
            rec.assertSound();
        }
    }

    @Test
    void writeAll_grow_acceptsEverything() {
        Recorder<Integer> rec = new Recorder<>(1000);
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .maxBatch(1000)
                .overflow(OverflowPolicy.GROW)
                .mode(Mode.MANUAL)
                .build()) {
            assertEquals(1000, buffer.writeAll(range(0, 1000), 0, 1000));
            buffer.flush();
        }
        assertEquals(list(0, 1000), rec.items());
    }

    @Test
    void writeAll_block_interruptedWhileWaiting_throwsCancellation_earlierChunksStay_waitingChunkNotWritten()
            throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, rec);
        buffer.write(-1);
        gate.awaitEntered();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread writer = new Thread(
                () -> {
                    try {
                        buffer.writeAll(range(0, 10), 0, 10); // 0-3 fit; 4-7 wait
                    } catch (Throwable t) {
                        thrown.set(t);
                        flag.set(Thread.currentThread().isInterrupted());
                    }
                },
                "writer");
        writer.start();
        awaitBlocked(writer);
        writer.interrupt();
        writer.join();
        assertTrue(thrown.get() instanceof CancellationException, String.valueOf(thrown.get()));
        assertTrue(flag.get(), "the interrupt flag is restored");
        gate.open();
        buffer.close();
        assertEquals(List.of(-1, 0, 1, 2, 3), rec.items());
        assertEquals(5, buffer.metrics().enqueued());
    }

    @Test
    void writeAll_fromSeveralThreads_deliversEachItemOnce_inPerThreadOrder() throws Exception {
        int threads = 4;
        int perThread = 20_000;
        Recorder<Long> rec = new Recorder<>(32);
        try (AsyncBuffer<Long> buffer =
                AsyncBuffer.<Long>builder(rec).capacity(64).maxBatch(32).build()) {
            BatchBufferContractTest.onThreads(threads, t -> {
                Long[] mine = new Long[perThread];
                for (int i = 0; i < perThread; i++) {
                    mine[i] = ((long) t << 32) | i;
                }
                for (int from = 0; from < perThread; ) {
                    int to = Math.min(perThread, from + 1 + (from % 150)); // 1..150 items: some over capacity
                    assertEquals(to - from, buffer.writeAll(mine, from, to));
                    from = to;
                }
            });
            buffer.flush();
            assertEquals(threads * (long) perThread, buffer.metrics().written());
        }
        rec.assertSound();
        int[] next = new int[threads];
        for (long x : rec.items()) {
            int t = (int) (x >>> 32);
            assertEquals(next[t], (int) x, "thread " + t + ": out of order, lost or repeated");
            next[t]++;
        }
        for (int t = 0; t < threads; t++) {
            assertEquals(perThread, next[t]);
        }
    }

    @Test
    void writeAll_fromInsideTheFlusher_whenItWouldWait_throwsIllegalState() {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        List<Integer> seen = new ArrayList<>();
        AtomicReference<AsyncBuffer<Integer>> self = new AtomicReference<>();
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(2, batch -> {
            seen.addAll(batch);
            if (batch.contains(0)) {
                try {
                    self.get().writeAll(range(10, 15), 0, 5); // 5 > capacity 2: would wait
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }
        })) {
            self.set(buffer);
            buffer.write(0);
            buffer.flush();
        }
        assertTrue(thrown.get() instanceof IllegalStateException, String.valueOf(thrown.get()));
        assertFalse(seen.contains(12));
    }

    @Test
    void writeAll_allocatesNothingInSteadyState() {
        Integer[] items = range(0, 1000);
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(1024, batch -> {})) {
            long allocated = 0;
            for (int round = 0; round < 400; round++) {
                long before = ThreadAllocation.bytes();
                for (int i = 0; i < 1000; i += 50) {
                    buffer.writeAll(items, i, i + 50);
                }
                long after = ThreadAllocation.bytes();
                if (round >= 200) {
                    allocated += after - before;
                }
                buffer.flush();
            }
            assertEquals(400_000, buffer.metrics().written());
            assertTrue(allocated < 100_000, allocated + " bytes allocated by 4,000 writeAll calls");
        }
    }
}
