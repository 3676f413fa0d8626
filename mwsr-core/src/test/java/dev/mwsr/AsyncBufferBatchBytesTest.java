package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer.Mode;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.AsyncBufferTest.Gate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link AsyncBuffer.Builder#maxBatchBytes}: flusher calls bounded by bytes as well as items.
 * Items are strings whose size is their length.
 */
@Timeout(60)
class AsyncBufferBatchBytesTest {

    private static final ToLongFunction<String> LENGTH = String::length;

    private static long bytes(List<String> call) {
        long sum = 0;
        for (String s : call) {
            sum += s.length();
        }
        return sum;
    }

    /** Every call holds at most {@code max} bytes, unless it is exactly one oversized item or listed group. */
    private static void assertBounded(List<List<String>> calls, long max, List<List<String>> oversizedGroups) {
        for (List<String> call : calls) {
            boolean alone = (call.size() == 1 && call.get(0).length() > max) || oversizedGroups.contains(call);
            assertTrue(bytes(call) <= max || alone, "call of " + bytes(call) + " bytes over " + max + ": " + call);
        }
    }

    private static String sized(int length, char c) {
        return String.valueOf(c).repeat(length);
    }

    private static AsyncBuffer.Builder<String> manual(Recorder<String> rec, int capacity, long maxBytes) {
        return AsyncBuffer.<String>builder(rec)
                .capacity(capacity)
                .mode(Mode.MANUAL)
                .maxBatchBytes(maxBytes, LENGTH);
    }

    @Test
    void batches_endAtMaxBytes_exactlyFullIsOneCall_andAnOversizedItemGoesAlone() {
        Recorder<String> rec = new Recorder<>(64);
        List<String> written = List.of(
                "aa",
                "bb",
                "cc",
                "dd",
                "ee", // 10 bytes: exactly full, one call
                "fff",
                "ggggggg", // 10
                "h", // would make 11 with the next: ends here
                "iiiiiiiiii", // 10
                "jjjjjjjjjjjjjjj", // 15, oversized: alone
                "k",
                "l");
        try (AsyncBuffer<String> buffer = manual(rec, 64, 10).build()) {
            for (String s : written) {
                buffer.write(s);
            }
            buffer.flush();
        }
        assertEquals(
                List.of(
                        List.of("aa", "bb", "cc", "dd", "ee"),
                        List.of("fff", "ggggggg"),
                        List.of("h"),
                        List.of("iiiiiiiiii"),
                        List.of("jjjjjjjjjjjjjjj"),
                        List.of("k", "l")),
                rec.calls());
        rec.assertSound();
    }

    @Test
    void batches_areFilledGreedily_neverOverMaxBytes_everyItemOnceInOrder() {
        Recorder<String> rec = new Recorder<>(1000);
        List<String> written = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 1000; i++) {
            written.add(i + ":" + sized(random.nextInt(0, 40), 'x')); // 2..45 bytes; some over 32
        }
        try (AsyncBuffer<String> buffer = manual(rec, 1000, 32).build()) {
            written.forEach(buffer::write);
            buffer.flush();
        }
        List<List<String>> calls = rec.calls();
        assertEquals(written, rec.items());
        assertBounded(calls, 32, List.of());
        for (int c = 0; c + 1 < calls.size(); c++) {
            long next = calls.get(c + 1).get(0).length();
            assertTrue(bytes(calls.get(c)) + next > 32, "call " + c + " ended early: the next item fitted");
        }
    }

    @Test
    void writeVGroup_staysWhole_sizedAsItsItemsSum_andAnOversizedGroupGoesAlone() {
        Recorder<String> rec = new Recorder<>(64);
        try (AsyncBuffer<String> buffer = manual(rec, 64, 10).build()) {
            buffer.write("aaaa"); // 4
            buffer.writeV("bbb", "ccc"); // 6: fits, 10
            buffer.writeV("dd", "ee", "ff"); // 6
            buffer.writeV("gg", "hh"); // 4 more would be 10: fits
            buffer.write("i"); // 11: next call
            buffer.writeV("jjjj", "kkkk", "llll"); // 12 over 10: next call, alone
            buffer.write("m");
            buffer.flush();
        }
        List<List<String>> oversized = List.of(List.of("jjjj", "kkkk", "llll"));
        assertEquals(
                List.of(
                        List.of("aaaa", "bbb", "ccc"),
                        List.of("dd", "ee", "ff", "gg", "hh"),
                        List.of("i"),
                        List.of("jjjj", "kkkk", "llll"),
                        List.of("m")),
                rec.calls());
        assertBounded(rec.calls(), 10, oversized);
    }

    @Test
    void maxBatch_stillBoundsItems_whicheverComesFirst() {
        Recorder<String> rec = new Recorder<>(3);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .maxBatch(3)
                .mode(Mode.MANUAL)
                .maxBatchBytes(6, LENGTH)
                .build()) {
            for (String s : List.of("", "", "", "", "a", "b", "c", "d", "eeee", "ff", "g")) {
                buffer.write(s);
            }
            buffer.writeV("1", "2", "3", "4"); // more than maxBatch items: alone, not measured
            buffer.flush();
        }
        assertEquals(
                List.of(
                        List.of("", "", ""), // zero bytes: maxBatch ends it
                        List.of("", "a", "b"),
                        List.of("c", "d", "eeee"), // 6 bytes and 3 items
                        List.of("ff", "g"),
                        List.of("1", "2", "3", "4")),
                rec.calls());
        rec.assertSound(List.of(List.of("1", "2", "3", "4")));
    }

    @Test
    void concurrentWriters_everyItemOnce_inPerThreadOrder_groupsWhole_underTheByteBound() throws Exception {
        Recorder<String> rec = new Recorder<>(16);
        int perThread = 5_000;
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .maxBatch(16)
                .maxBatchBytes(40, LENGTH)
                .build()) {
            BatchBufferContractTest.onThreads(4, t -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < perThread; i += 2) {
                    String a = t + ":" + i + ":" + sized(random.nextInt(8), 'p');
                    String b = t + ":" + (i + 1) + ":" + sized(random.nextInt(8), 'p');
                    if (i % 4 == 0) {
                        buffer.writeV(a, b);
                    } else {
                        buffer.write(a);
                        buffer.write(b);
                    }
                }
            });
            buffer.flush();
            rec.assertSound();
            assertBounded(rec.calls(), 40, List.of());
            int[] next = new int[4];
            for (List<String> call : rec.calls()) {
                for (int j = 0; j < call.size(); j++) {
                    String[] parts = call.get(j).split(":");
                    int t = Integer.parseInt(parts[0]);
                    int i = Integer.parseInt(parts[1]);
                    assertEquals(next[t], i, "thread " + t + "'s items out of order, lost or repeated");
                    next[t]++;
                    if (i % 4 == 0) { // first of a group: its partner follows in the same call
                        assertTrue(j + 1 < call.size(), "group split across calls: " + call.get(j));
                        assertTrue(call.get(j + 1).startsWith(t + ":" + (i + 1) + ":"));
                    }
                }
            }
            for (int t = 0; t < 4; t++) {
                assertEquals(perThread, next[t]);
            }
            assertEquals(4L * perThread, buffer.metrics().written(), "metrics count items, not bytes");
        }
    }

    @Test
    void flushAndClose_deliverEverything_inByteBoundedCalls_inEveryMode() {
        for (Mode mode : Mode.values()) {
            Recorder<String> rec = new Recorder<>(100);
            AsyncBuffer.Builder<String> b =
                    AsyncBuffer.<String>builder(rec).capacity(100).mode(mode).maxBatchBytes(5, LENGTH);
            if (mode == Mode.LOOP) {
                b.interval(Duration.ofHours(1)).earlyFlush(true); // earlyFlush counts items: 100 never reached
            }
            List<String> written = new ArrayList<>();
            try (AsyncBuffer<String> buffer = b.build()) {
                for (int i = 0; i < 50; i++) {
                    written.add("ab");
                    buffer.write("ab");
                }
                buffer.flush();
                assertEquals(50, rec.itemCount(), mode + ": flush() delivered everything");
                for (int i = 0; i < 30; i++) {
                    written.add("xyz");
                    buffer.write("xyz");
                }
            }
            assertEquals(written, rec.items(), mode + ": close() delivered everything, in order");
            assertBounded(rec.calls(), 5, List.of());
            assertTrue(rec.calls().size() >= 25 + 30, mode + ": " + rec.calls().size() + " calls");
        }
    }

    @Test
    void sizer_runsOnTheDrainerThread_atMostOncePerItem() {
        Set<String> sizedOn = ConcurrentHashMap.newKeySet();
        Map<String, Integer> times = new IdentityHashMap<>();
        List<String> written = new ArrayList<>();
        Recorder<String> rec = new Recorder<>(64);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .mode(Mode.MANUAL)
                .threadFactory(r -> Thread.ofPlatform().name("the-drainer").unstarted(r))
                .maxBatchBytes(10, s -> {
                    sizedOn.add(Thread.currentThread().getName());
                    synchronized (times) {
                        times.merge(s, 1, Integer::sum);
                    }
                    return s.length();
                })
                .build()) {
            for (int i = 0; i < 40; i++) {
                String s = new String(sized(1 + i % 7, 'q')); // distinct objects
                written.add(s);
                buffer.write(s);
            }
            buffer.writeV(new String("gg"), new String("hhhh"));
            buffer.flush();
        }
        assertEquals(Set.of("the-drainer"), sizedOn);
        assertTrue(
                rec.calls().size() > 10, "items ended batches: " + rec.calls().size() + " calls");
        synchronized (times) {
            assertEquals(42, times.size());
            times.forEach((s, n) -> assertEquals(1, n, "'" + s + "' measured " + n + " times"));
        }
    }

    @Test
    void sizerThatThrows_failsTheBufferAtOnce_everyAcceptedItemUndeliveredInOrder_evenUnderRetry() {
        IllegalArgumentException boom = new IllegalArgumentException("cannot measure");
        Recorder<String> rec = new Recorder<>(64);
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(1)) // a sizer bug is not retried
                .maxBatchBytes(100, s -> {
                    if (s.equals("bad")) {
                        throw boom;
                    }
                    return s.length();
                })
                .build();
        buffer.write("a");
        buffer.writeV("b", "c");
        buffer.write("bad");
        buffer.write("d");
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("sizer"), e.getCause().getMessage());
        assertSame(boom, e.getCause().getCause());
        assertTrue(e.getMessage().contains("sizer"), e.getMessage());
        assertEquals(List.of("a", "b", "c", "bad", "d"), e.undelivered());
        assertEquals(List.of(), rec.calls(), "no flusher call");
        assertEquals(new Metrics(5, 0, 0, 5, 0, 0), buffer.metrics(), "pending, and no flusher failure counted");
        assertThrows(FlushFailedException.class, () -> buffer.write("e"));
        FlushFailedException onClose = assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(e.undelivered(), onClose.undelivered());
    }

    @Test
    void sizerReturningANegativeSize_failsTheBuffer_withTheHeadAndRestUndelivered() {
        Recorder<String> rec = new Recorder<>(64);
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .maxBatchBytes(100, s -> s.equals("neg") ? -1 : s.length())
                .build();
        Gate gate = new Gate();
        rec.then = batch -> gate.await();
        buffer.write("first"); // delivered alone while the rest queues
        try {
            gate.awaitEntered();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        buffer.write("x");
        buffer.write("neg");
        buffer.write("y");
        gate.open();
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::close);
        assertTrue(
                e.getCause().getMessage().contains("returned -1"), e.getCause().getMessage());
        assertEquals(List.of("x", "neg", "y"), e.undelivered());
        assertEquals(List.of(List.of("first")), rec.calls());
    }

    @Test
    void retriedBatch_keepsItsItems_andADeadLetterGetsTheSameBatch() {
        List<List<String>> attempts = new CopyOnWriteArrayList<>();
        List<List<String>> dead = new CopyOnWriteArrayList<>();
        AtomicInteger failuresLeft = new AtomicInteger(2);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(batch -> {
                    attempts.add(List.copyOf(batch));
                    if (batch.contains("doomed")) {
                        throw new IllegalStateException("sink refuses it");
                    }
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("sink down");
                    }
                })
                .capacity(64)
                .mode(Mode.MANUAL)
                .maxBatchBytes(6, LENGTH)
                .retryFailedBatches(Duration.ofMillis(1), Duration.ofMillis(500), dead::add)
                .logger(new AsyncBufferTest.Log())
                .build()) {
            for (String s : List.of("aa", "bb", "cc", "dd")) {
                buffer.write(s);
            }
            buffer.flush();
            assertEquals(
                    List.of(
                            List.of("aa", "bb", "cc"),
                            List.of("aa", "bb", "cc"),
                            List.of("aa", "bb", "cc"),
                            List.of("dd")),
                    attempts);
            buffer.write("doomed");
            buffer.write("zz");
            buffer.flush();
        }
        assertEquals(List.of(List.of("doomed")), dead, "the batch given up on, as it was cut");
        assertEquals(List.of("zz"), attempts.get(attempts.size() - 1));
    }

    @Test
    void closeWithTimeout_stuckByteBoundedCallInDoubt_restUndelivered() throws Exception {
        Gate gate = new Gate();
        Recorder<String> rec = new Recorder<>(64);
        rec.then = batch -> gate.await();
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(64)
                .mode(Mode.MANUAL)
                .maxBatchBytes(4, LENGTH)
                .build();
        for (String s : List.of("aa", "bb", "cc", "dd", "ee")) {
            buffer.write(s);
        }
        Thread flusher = Thread.ofVirtual().start(() -> assertThrows(FlushFailedException.class, buffer::flush));
        gate.awaitEntered();
        assertEquals(5, buffer.close(Duration.ofMillis(50)));
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
        assertEquals(List.of("aa", "bb"), e.inDoubt());
        assertEquals(List.of("cc", "dd", "ee"), e.undelivered());
        gate.open();
        flusher.join();
    }

    @Test
    void dropOldest_underContention_deliversOrDropsEachItemExactlyOnce_underTheByteBound() throws Exception {
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        List<Long> over = new CopyOnWriteArrayList<>();
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(batch -> {
                    if (bytes(batch) > 30) {
                        over.add(bytes(batch));
                    }
                    for (String x : batch) {
                        if (!delivered.add(x)) {
                            duplicates.incrementAndGet();
                        }
                    }
                })
                .capacity(16)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .maxBatchBytes(30, LENGTH)
                .build();
        BatchBufferContractTest.onThreads(4, t -> {
            for (int g = 0; g < 5_000; g++) {
                String x = t + ":" + g; // 3..6 bytes
                if (g % 2 == 0) {
                    buffer.writeV(x + "a", x + "b");
                } else {
                    buffer.write(x + "a");
                    buffer.write(x + "b");
                }
            }
        });
        buffer.close();
        Metrics m = buffer.metrics();
        assertEquals(0, duplicates.get());
        assertEquals(List.of(), over);
        assertEquals(40_000, m.enqueued());
        assertEquals(delivered.size(), m.written());
        assertEquals(40_000 - delivered.size(), m.dropped());
        assertEquals(0, m.pending());
    }

    @Test
    void badArguments_throwEarly_sayingWhatToDo() {
        AsyncBuffer.Builder<String> b = AsyncBuffer.builder(batch -> {});
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> b.maxBatchBytes(0, LENGTH));
        assertTrue(zero.getMessage().contains("at least 1"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.maxBatchBytes(-5, LENGTH));
        NullPointerException nul = assertThrows(NullPointerException.class, () -> b.maxBatchBytes(10, null));
        assertTrue(nul.getMessage().contains("sizer"), nul.getMessage());
        try (AsyncBuffer<String> ok = b.maxBatchBytes(1, LENGTH).build()) {
            ok.write("any size goes, alone");
        }
    }

    @Test
    void write_allocatesNothingInSteadyState_withMaxBatchBytes() {
        String[] items = new String[1000];
        for (int i = 0; i < items.length; i++) {
            items[i] = "item " + i;
        }
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(batch -> {})
                .capacity(1024)
                .maxBatchBytes(100, LENGTH)
                .build()) {
            long allocated = 0;
            for (int round = 0; round < 400; round++) {
                long before = ThreadAllocation.bytes();
                for (String item : items) {
                    buffer.write(item);
                }
                long after = ThreadAllocation.bytes();
                if (round >= 200) {
                    allocated += after - before;
                }
                buffer.flush();
            }
            assertEquals(400_000, buffer.metrics().written());
            assertTrue(allocated < 100_000, allocated + " bytes allocated by 200,000 accepted writes");
        }
    }
}
