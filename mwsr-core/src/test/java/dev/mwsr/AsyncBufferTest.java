package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.AsyncBuffer.Mode;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** AsyncBuffer's own promises: its thread, modes, overflow policies and failure policies. */
@Timeout(60)
class AsyncBufferTest {

    /** A flusher gate: calls block in {@link #await} until {@link #open}; interrupts are ignored. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch opened = new CountDownLatch(1);

        void await() {
            entered.countDown();
            boolean interrupted = false;
            while (true) {
                try {
                    opened.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void awaitEntered() throws InterruptedException {
            assertTrue(entered.await(10, TimeUnit.SECONDS), "the flusher was never called");
        }

        void open() {
            opened.countDown();
        }
    }

    /** A System.Logger that keeps the formatted messages. */
    static final class Log implements System.Logger {
        final List<String> messages = Collections.synchronizedList(new ArrayList<>());
        /** The throwable of each message, or null; same order as {@link #messages}. */
        final List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());

        @Override
        public String getName() {
            return "test";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public synchronized void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            messages.add(msg);
            this.thrown.add(thrown);
        }

        @Override
        public synchronized void log(Level level, ResourceBundle bundle, String format, Object... params) {
            messages.add(params == null ? format : java.text.MessageFormat.format(format, params));
            thrown.add(null);
        }
    }

    private static void awaitTrue(Supplier<Boolean> condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.get()) {
            assertTrue(System.nanoTime() < end, "timed out waiting until " + what);
            Thread.sleep(1);
        }
    }

    private static void awaitBlocked(Thread t) throws InterruptedException {
        awaitTrue(
                () -> t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING,
                t.getName() + " waits (parked, not spinning)");
    }

    // --- threads and order ---------------------------------------------------------------

    @Test
    void write_from65536VirtualThreads_deliversEachItemExactlyOnce() throws Exception {
        int writers = 65_536;
        AtomicInteger calls = new AtomicInteger();
        boolean[] seen = new boolean[writers];
        AtomicReference<String> problem = new AtomicReference<>();
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(1024, batch -> {
            calls.incrementAndGet();
            for (int x : batch) {
                if (seen[x]) {
                    problem.set("item " + x + " delivered twice");
                }
                seen[x] = true;
            }
        })) {
            List<Thread> threads = new ArrayList<>(writers);
            for (int i = 0; i < writers; i++) {
                int x = i;
                threads.add(Thread.ofVirtual().start(() -> buffer.write(x)));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        assertEquals(null, problem.get());
        for (int i = 0; i < writers; i++) {
            assertTrue(seen[i], "item " + i + " lost");
        }
        assertTrue(calls.get() < writers, "batches must form (" + calls.get() + " calls)");
    }

    @Test
    void write_fromPlatformThreads_keepsPerThreadOrder_withGroupsMixedIn() throws Exception {
        int threads = 4;
        int perThread = 30_000;
        Recorder<Long> rec = new Recorder<>(100);
        try (AsyncBuffer<Long> buffer =
                AsyncBuffer.<Long>builder(rec).capacity(256).maxBatch(100).build()) {
            BatchBufferContractTest.onThreads(threads, t -> {
                for (int i = 0; i < perThread; i += 3) {
                    long base = ((long) t << 32) | i;
                    if (i % 2 == 0) {
                        buffer.writeV(base, base + 1, base + 2);
                    } else {
                        buffer.write(base);
                        buffer.write(base + 1);
                        buffer.write(base + 2);
                    }
                }
            });
        }
        rec.assertSound();
        int[] next = new int[threads];
        for (long x : rec.items()) {
            int t = (int) (x >>> 32);
            assertEquals(next[t]++, (int) x, "thread " + t + " out of order");
        }
        for (int n : next) {
            assertEquals(perThread, n);
        }
    }

    @Test
    void drainerThread_isVirtual_parksWhenIdle_andIsGoneAfterClose() throws Exception {
        AtomicReference<Thread> drainer = new AtomicReference<>();
        AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> drainer.set(Thread.currentThread()));
        buffer.write("x");
        buffer.flush();
        Thread t = drainer.get();
        assertTrue(t.isVirtual());
        awaitBlocked(t); // idle: parked, not spinning
        buffer.close();
        assertFalse(t.isAlive(), "the drainer outlived close()");
    }

    @Test
    void unclosedBuffer_onceCollected_isClosedByItsDrainer_deliveringEverything() throws Exception {
        Recorder<Integer> rec = new Recorder<>(8);
        AtomicReference<Thread> drainer = new AtomicReference<>();
        java.lang.ref.WeakReference<AsyncBuffer<Integer>> ref = startWriteAndForget(rec, drainer);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (drainer.get().isAlive()) {
            assertTrue(System.nanoTime() < end, "the drainer kept an unclosed buffer (or itself) alive");
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(null, ref.get());
        assertEquals(List.of(1, 2, 3), rec.items(), "an unclosed buffer's items are delivered once it is collected");
    }

    /** A MANUAL buffer with items pending, and no strong reference left to it. */
    private static java.lang.ref.WeakReference<AsyncBuffer<Integer>> startWriteAndForget(
            Recorder<Integer> rec, AtomicReference<Thread> drainer) {
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .threadFactory(r -> {
                    Thread t = Thread.ofVirtual().unstarted(r);
                    drainer.set(t);
                    return t;
                })
                .build();
        buffer.writeV(1, 2, 3);
        return new java.lang.ref.WeakReference<>(buffer);
    }

    @Test
    void threadFactory_choosesTheDrainerThread() {
        AtomicReference<Thread> drainer = new AtomicReference<>();
        AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(batch -> drainer.set(Thread.currentThread()))
                .threadFactory(r -> Thread.ofPlatform().name("my-drainer").unstarted(r))
                .build();
        buffer.write("x");
        buffer.close();
        assertEquals("my-drainer", drainer.get().getName());
        assertFalse(drainer.get().isVirtual());
        assertFalse(drainer.get().isAlive());
    }

    @Test
    void flush_waitsUntilTheFlusherReturned() {
        AtomicBoolean returned = new AtomicBoolean();
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> {
            sleep(200);
            returned.set(true);
        })) {
            buffer.write("slow");
            buffer.flush();
            assertTrue(returned.get(), "flush() returned before the flusher did");
        }
    }

    @Test
    void writers_unparkTheDrainerOnlyWhenItSleeps_notPerWrite() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(batch -> {
                    calls.incrementAndGet();
                    sleep(20);
                })
                .capacity(100_000)
                .build()) {
            awaitBlocked(buffer.drainer().thread()); // asleep: the first write must wake it
            for (int i = 0; i < 50_000; i++) {
                buffer.write(i);
            }
            buffer.flush();
            long wakeUps = buffer.drainer().wakeUps();
            assertTrue(wakeUps <= calls.get() + 1, wakeUps + " unparks for " + calls.get() + " flusher calls");
            assertTrue(wakeUps >= 1, "the first write must wake the idle drainer");
        }
    }

    @Test
    void idleDrainer_isWokenByTheWrite_notByItsIdleBound() throws Exception {
        // The write that finds the drainer asleep unparks it (Sleeper.wake). Without that unpark
        // the item would still arrive, but only when the bounded idle park ends (up to
        // Drainer.IDLE_PARK_NANOS): a generous half of that bound tells the two apart.
        long boundMillis = TimeUnit.NANOSECONDS.toMillis(Drainer.IDLE_PARK_NANOS) / 2;
        AtomicInteger delivered = new AtomicInteger();
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, batch -> delivered.addAndGet(batch.size()))) {
            for (int i = 1; i <= 3; i++) {
                awaitBlocked(buffer.drainer().thread()); // asleep, its idle park just begun
                long start = System.nanoTime();
                buffer.write(i);
                int expected = i;
                awaitTrue(() -> delivered.get() == expected, "item " + i + " delivered");
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(
                        millis < boundMillis,
                        "write " + i + " was delivered after " + millis + " ms: the"
                                + " sleeping drainer was not woken, only its idle park ended");
            }
            assertTrue(buffer.drainer().wakeUps() >= 3, "each write into the idle buffer unparks the drainer");
        }
    }

    @Test
    void flushAndClose_waitThroughInterrupts_andKeepTheFlag() {
        AtomicInteger delivered = new AtomicInteger();
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(8, batch -> {
            sleep(50);
            delivered.addAndGet(batch.size());
        });
        buffer.write(1);
        Thread.currentThread().interrupt();
        buffer.flush();
        assertEquals(1, delivered.get());
        buffer.write(2);
        buffer.close();
        assertTrue(Thread.interrupted(), "the interrupt flag must stay set");
        assertEquals(2, delivered.get());
    }

    @Test
    void flusher_mayNotFlushOrCloseItsOwnBuffer() {
        List<Throwable> thrown = new ArrayList<>();
        AtomicReference<AsyncBuffer<String>> self = new AtomicReference<>();
        AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> {
            for (Runnable r :
                    List.<Runnable>of(() -> self.get().flush(), () -> self.get().close())) {
                try {
                    r.run();
                } catch (IllegalStateException e) {
                    thrown.add(e);
                }
            }
        });
        self.set(buffer);
        buffer.write("x");
        buffer.close();
        assertEquals(2, thrown.size());
    }

    // --- modes ---------------------------------------------------------------------------

    @Test
    void trigger_deliversWithoutFlush() throws Exception {
        CountDownLatch delivered = new CountDownLatch(3);
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, batch -> batch.forEach(x -> delivered.countDown()))) {
            buffer.write("a");
            sleep(20); // the drainer is asleep by now: this write must wake it
            buffer.write("b");
            buffer.write("c");
            assertTrue(delivered.await(10, TimeUnit.SECONDS), "TRIGGER did not deliver on its own");
        }
    }

    @Test
    void loop_restsAtLeastTheIntervalAfterEachFlusherReturn_withASlowFlusher() throws Exception {
        long interval = TimeUnit.MILLISECONDS.toNanos(60);
        List<long[]> spans = Collections.synchronizedList(new ArrayList<>());
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(batch -> {
                    long start = System.nanoTime();
                    sleep(90); // slower than the interval
                    spans.add(new long[] {start, System.nanoTime()});
                })
                .mode(Mode.LOOP)
                .interval(Duration.ofNanos(interval))
                .build();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(700);
        for (int i = 0; System.nanoTime() < end; i++) {
            buffer.write(i);
            Thread.sleep(1);
        }
        buffer.close();
        assertTrue(spans.size() >= 3, "too few calls to measure: " + spans.size());
        assertTrue(spans.size() <= 8, "LOOP called too often: " + spans.size());
        for (int k = 1; k < spans.size(); k++) {
            long rest = spans.get(k)[0] - spans.get(k - 1)[1];
            if (k < spans.size() - 1) { // the last call may be close() cutting the rest short
                assertTrue(rest >= interval, "call " + k + " came " + rest / 1_000 + " us after the previous return");
            }
        }
    }

    @Test
    void loop_emptyPeriodsMakeNoCall_andFlushCutsTheRestShort() throws Exception {
        Recorder<String> rec = new Recorder<>(8);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(rec)
                .capacity(8)
                .mode(Mode.LOOP)
                .interval(Duration.ofMillis(5))
                .build()) {
            sleep(100);
            assertEquals(0, rec.calls().size(), "an empty period made a call");
            assertEquals(0, buffer.metrics().batches());
        }
        Recorder<String> slow = new Recorder<>(8);
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(slow)
                .capacity(8)
                .mode(Mode.LOOP)
                .interval(Duration.ofHours(1))
                .build()) {
            buffer.write("a");
            sleep(50);
            assertEquals(0, slow.calls().size(), "LOOP delivered before its interval");
            buffer.flush();
            assertEquals(List.of("a"), slow.items());
            buffer.write("b");
        }
        assertEquals(List.of("a", "b"), slow.items(), "close() must cut the rest short and deliver");
    }

    @Test
    void loop_earlyFlushOnlyWhenAsked() throws Exception {
        Recorder<Integer> plain = new Recorder<>(4);
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(plain)
                .capacity(8)
                .maxBatch(4)
                .mode(Mode.LOOP)
                .interval(Duration.ofHours(1))
                .build()) {
            for (int i = 0; i < 6; i++) {
                buffer.write(i);
            }
            sleep(100);
            assertEquals(0, plain.calls().size(), "a full batch cut the rest short without earlyFlush");
        }
        Recorder<Integer> early = new Recorder<>(4);
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(early)
                .capacity(8)
                .maxBatch(4)
                .mode(Mode.LOOP)
                .interval(Duration.ofHours(1))
                .earlyFlush(true)
                .build()) {
            for (int i = 0; i < 4; i++) {
                buffer.write(i);
            }
            awaitTrue(() -> early.calls().size() == 1, "earlyFlush delivers a full batch");
            assertEquals(List.of(0, 1, 2, 3), early.items());
        }
    }

    @Test
    void loop_needsAnInterval_andIntervalNeedsLoop() {
        assertThrows(
                IllegalArgumentException.class,
                () -> AsyncBuffer.<String>builder(b -> {}).mode(Mode.LOOP).build());
        assertThrows(IllegalArgumentException.class, () -> AsyncBuffer.<String>builder(b -> {})
                .interval(Duration.ofSeconds(1))
                .build());
        assertThrows(IllegalArgumentException.class, () -> AsyncBuffer.<String>builder(b -> {})
                .interval(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> AsyncBuffer.<String>builder(b -> {})
                .capacity(4)
                .maxBatch(5)
                .build());
        assertThrows(IllegalArgumentException.class, () -> AsyncBuffer.<String>builder(b -> {})
                .capacity((1 << 30) + 1)
                .build());
        assertThrows(IllegalArgumentException.class, () -> AsyncBuffer.<String>builder(b -> {})
                .maxBatch(0));
    }

    @Test
    void manual_deliversOnlyOnFlushAndClose() throws Exception {
        Recorder<Integer> rec = new Recorder<>(64);
        AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(64).mode(Mode.MANUAL).build();
        for (int i = 0; i < 10; i++) {
            buffer.write(i);
        }
        sleep(100);
        assertEquals(0, rec.calls().size(), "MANUAL delivered on its own");
        buffer.flush();
        assertEquals(10, rec.itemCount());
        buffer.write(10);
        sleep(50);
        assertEquals(10, rec.itemCount());
        buffer.close();
        assertEquals(11, rec.itemCount());
    }

    @Test
    void manual_withBlock_aWriterThatMustWaitGetsTheQueueDelivered() {
        Recorder<Integer> rec = new Recorder<>(4);
        try (AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(4).mode(Mode.MANUAL).build()) {
            for (int i = 0; i < 10; i++) {
                buffer.write(i); // would wait forever if no one delivered
            }
            assertTrue(rec.itemCount() >= 4);
        }
        assertEquals(10, rec.itemCount());
    }

    @Test
    void manual_withBlock_neverStrandsAWaiter_whenOthersFillTheQueueAfterItWaits() throws Exception {
        // Liveness stress. A waiter that only asked for "what is queued now" could be stranded:
        // items reserved (not yet offered) when it asked, then offered, fill the queue, and
        // nobody asks again; the oversized group below then waits forever.
        List<Integer> big = List.of(-1, -2, -3, -4, -5);
        for (int round = 0; round < 30; round++) {
            Recorder<Integer> rec = new Recorder<>(4);
            try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                    .capacity(4)
                    .mode(Mode.MANUAL)
                    .build()) {
                BatchBufferContractTest.onThreads(4, t -> {
                    for (int i = 0; i < 200; i++) {
                        if (t == 0) {
                            buffer.writeV(big);
                        } else {
                            buffer.write(t * 10_000 + i);
                        }
                    }
                });
            }
            rec.assertSound(List.of(big));
            assertEquals(200 * 5 + 600, rec.itemCount());
        }
    }

    // --- overflow policies ---------------------------------------------------------------

    @Test
    void block_withStuckFlusher_writerParksUntilRoom() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        try (AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(4).build()) {
            buffer.write(0);
            gate.awaitEntered(); // item 0 is in the flusher, the queue is empty
            for (int i = 1; i <= 4; i++) {
                buffer.write(i);
            }
            Thread writer = Thread.ofPlatform().start(() -> buffer.write(5));
            awaitBlocked(writer);
            assertEquals(new Metrics(5, 0, 0, 5, 0, 0), buffer.metrics());
            gate.open();
            writer.join();
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5), rec.items());
    }

    @Test
    void block_interruptedWriter_throwsCancellation_restoresFlag_writesNothing() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(2);
        rec.then = batch -> gate.await();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flagAfter = new AtomicBoolean();
        try (AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(2).build()) {
            buffer.write(0);
            gate.awaitEntered();
            buffer.writeV(1, 2);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    buffer.writeV(3, 4);
                } catch (Throwable t) {
                    thrown.set(t);
                    flagAfter.set(Thread.currentThread().isInterrupted());
                }
            });
            awaitBlocked(writer);
            writer.interrupt();
            writer.join();
            gate.open();
        }
        CancellationException c = assertInstanceOf(CancellationException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, c.getCause());
        assertTrue(flagAfter.get(), "the interrupt flag must be set again");
        assertEquals(List.of(0, 1, 2), rec.items());
    }

    @Test
    void block_writerWaitingWhenCloseStarts_getsIllegalState() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(1);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(1).build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.write(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                buffer.write(2);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitBlocked(writer);
        Thread closer = Thread.ofVirtual().start(buffer::close);
        writer.join();
        assertInstanceOf(IllegalStateException.class, thrown.get());
        gate.open();
        closer.join();
        assertEquals(List.of(0, 1), rec.items());
    }

    @Test
    void dropNewest_dropsIncomingWholeGroups_andCountsThem() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .overflow(OverflowPolicy.DROP_NEWEST)
                .build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.writeV(1, 2, 3);
        buffer.writeV(4, 5); // does not fit whole: dropped whole
        buffer.write(6); // fits
        buffer.write(7); // dropped
        buffer.writeV(8, 9, 10, 11, 12); // oversized, queue not empty: dropped
        assertEquals(new Metrics(5, 0, 8, 5, 0, 0), buffer.metrics());
        gate.open();
        buffer.close();
        assertEquals(List.of(0, 1, 2, 3, 6), rec.items());
        assertEquals(new Metrics(5, 5, 8, 0, 2, 0), buffer.metrics());
    }

    @Test
    void dropOldest_discardsTheOldestWholeGroups_andCountsThem() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .build();
        buffer.write(0);
        gate.awaitEntered(); // 0 is in flight and cannot be dropped
        for (int i = 1; i <= 4; i++) {
            buffer.write(i);
        }
        buffer.write(5); // drops 1
        buffer.writeV(6, 7, 8); // drops 2, 3, 4 -> [5, (6 7 8)]
        buffer.writeV(9, 10); // drops 5, then the whole group 6 7 8 -> [(9 10)]
        buffer.writeV(11, 12, 13, 14, 15); // oversized: drops (9 10), then goes in alone
        assertEquals(new Metrics(16, 0, 10, 6, 0, 0), buffer.metrics());
        gate.open();
        buffer.close();
        assertEquals(List.of(List.of(0), List.of(11, 12, 13, 14, 15)), rec.calls());
        assertEquals(new Metrics(16, 6, 10, 0, 2, 0), buffer.metrics());
    }

    @Test
    void dropOldest_underContention_deliversOrDropsEachItemExactlyOnce() throws Exception {
        Set<Long> delivered = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        AsyncBuffer<Long> buffer = AsyncBuffer.<Long>builder(batch -> {
                    for (Long x : batch) {
                        if (!delivered.add(x)) {
                            duplicates.incrementAndGet();
                        }
                    }
                    Thread.onSpinWait();
                })
                .capacity(16)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .build();
        BatchBufferContractTest.onThreads(4, t -> {
            for (int g = 0; g < 10_000; g++) {
                long x = ((long) t << 32) | (2L * g);
                if (g % 2 == 0) {
                    buffer.writeV(x, x + 1);
                } else {
                    buffer.write(x);
                    buffer.write(x + 1);
                }
            }
        });
        buffer.close();
        Metrics m = buffer.metrics();
        assertEquals(0, duplicates.get());
        assertEquals(80_000, m.enqueued());
        assertEquals(delivered.size(), m.written());
        assertEquals(80_000 - delivered.size(), m.dropped());
        assertEquals(0, m.pending());
    }

    @Test
    void warn_dropsIncoming_andLogsAtMostOncePerSecondWithTheCount() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(2);
        rec.then = batch -> gate.await();
        Log log = new Log();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(2)
                .overflow(OverflowPolicy.WARN)
                .logger(log)
                .build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.writeV(1, 2);
        for (int i = 0; i < 100; i++) {
            buffer.write(100 + i);
        }
        assertEquals(1, log.messages.size(), "more than one warning within a second: " + log.messages);
        assertTrue(log.messages.get(0).contains("dropped 1 "), log.messages.get(0));
        sleep(1_100);
        buffer.write(999);
        assertEquals(2, log.messages.size());
        assertTrue(log.messages.get(1).contains("dropped 100 "), log.messages.get(1));
        assertEquals(101, buffer.metrics().dropped());
        gate.open();
        buffer.close();
        assertEquals(List.of(0, 1, 2), rec.items());
    }

    @Test
    void tryWrite_neverWaits_andOfferWaitsAtMostItsTimeout_bothReturnFalseWithNothingWritten() throws Exception {
        for (OverflowPolicy policy :
                List.of(OverflowPolicy.BLOCK, OverflowPolicy.DROP_NEWEST, OverflowPolicy.DROP_OLDEST)) {
            Gate gate = new Gate();
            Recorder<Integer> rec = new Recorder<>(2);
            rec.then = batch -> gate.await();
            AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                    .capacity(2)
                    .overflow(policy)
                    .logger(new Log())
                    .build();
            buffer.write(0);
            gate.awaitEntered(); // 0 is in the flusher
            assertTrue(buffer.tryWrite(1));
            assertTrue(buffer.offer(2, Duration.ofSeconds(10)));
            long start = System.nanoTime();
            assertFalse(buffer.tryWrite(3), policy + ": the queue is full");
            assertFalse(buffer.offer(4, Duration.ofMillis(50)), policy + ": no room came in time");
            assertFalse(buffer.offer(5, Duration.ZERO));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "a bounded write did not give up");
            assertEquals(
                    new Metrics(3, 0, 0, 3, 0, 0), buffer.metrics(), policy + ": nothing written, nothing dropped");
            AtomicBoolean accepted = new AtomicBoolean();
            Thread waiter = Thread.ofPlatform().start(() -> accepted.set(buffer.offer(6, Duration.ofSeconds(30))));
            awaitBlocked(waiter);
            gate.open(); // room comes: the waiting offer gets in
            waiter.join(10_000);
            assertTrue(accepted.get(), policy + ": room came within the timeout");
            buffer.close();
            assertEquals(List.of(0, 1, 2, 6), rec.items(), policy.toString());
        }
    }

    @Test
    void offerAndTryWrite_badInputAndClosedBuffer_throwEarly_andWriteNothing() throws Exception {
        Recorder<Integer> rec = new Recorder<>(4);
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, rec);
        assertThrows(NullPointerException.class, () -> buffer.tryWrite(null));
        assertThrows(NullPointerException.class, () -> buffer.offer(null, Duration.ofSeconds(1)));
        assertThrows(NullPointerException.class, () -> buffer.offer(1, null));
        buffer.close();
        assertThrows(IllegalStateException.class, () -> buffer.tryWrite(2));
        assertThrows(IllegalStateException.class, () -> buffer.offer(3, Duration.ofSeconds(1)));
        assertEquals(List.of(), rec.items());
    }

    @Test
    void offer_interruptedWhileWaiting_throwsCancellation_restoresFlag_writesNothing() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(1);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(1).build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.write(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean flag = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                buffer.offer(2, Duration.ofSeconds(30));
            } catch (Throwable t) {
                thrown.set(t);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        awaitBlocked(waiter);
        waiter.interrupt();
        waiter.join(10_000);
        assertInstanceOf(CancellationException.class, thrown.get());
        assertTrue(flag.get(), "the interrupt flag is set again");
        gate.open();
        buffer.close();
        assertEquals(List.of(0, 1), rec.items());
    }

    @Test
    void grow_neverBlocksNorDrops() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .overflow(OverflowPolicy.GROW)
                .build();
        buffer.write(0);
        gate.awaitEntered();
        for (int i = 1; i < 10_000; i++) {
            buffer.write(i);
        }
        assertEquals(10_000, buffer.metrics().pending());
        gate.open();
        buffer.close();
        assertEquals(10_000, rec.itemCount());
        assertEquals(0, buffer.metrics().dropped());
        rec.assertSound();
    }

    @Test
    void block_oversizedGroup_waitsForAnEmptyQueue_thenArrivesAlone() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(3);
        rec.then = batch -> gate.await();
        List<Integer> big = List.of(10, 11, 12, 13, 14);
        try (AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(3).build()) {
            buffer.write(0);
            gate.awaitEntered();
            buffer.write(1);
            Thread writer = Thread.ofPlatform().start(() -> buffer.writeV(big));
            awaitBlocked(writer);
            gate.open();
            writer.join();
        }
        assertEquals(List.of(List.of(0), List.of(1), big), rec.calls());
        rec.assertSound(List.of(big));
    }

    // --- close ---------------------------------------------------------------------------

    @Test
    void writeRacingClose_everyAcceptedItemDelivered_everyRefusedOneNot() throws Exception {
        for (int round = 0; round < 5; round++) {
            Set<Long> delivered = ConcurrentHashMap.newKeySet();
            Set<Long> accepted = ConcurrentHashMap.newKeySet();
            Set<Long> refused = ConcurrentHashMap.newKeySet();
            AsyncBuffer<Long> buffer =
                    AsyncBuffer.<Long>builder(delivered::addAll).capacity(32).build();
            CountDownLatch started = new CountDownLatch(4);
            List<Thread> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long base = (long) t << 32;
                writers.add(Thread.ofPlatform().start(() -> {
                    started.countDown();
                    for (long i = base; ; i++) {
                        try {
                            buffer.write(i);
                            accepted.add(i);
                        } catch (IllegalStateException e) {
                            refused.add(i);
                            return;
                        }
                    }
                }));
            }
            started.await();
            sleep(5);
            buffer.close();
            for (Thread w : writers) {
                w.join();
            }
            assertEquals(accepted, delivered, "accepted and delivered differ");
            assertEquals(4, refused.size());
            for (Long r : refused) {
                assertFalse(delivered.contains(r), "a refused item was delivered");
            }
            assertEquals(accepted.size(), buffer.metrics().written());
        }
    }

    @Test
    void closeWithTimeout_returnsZeroWhenEverythingWasDelivered() {
        Recorder<Integer> rec = new Recorder<>(8);
        AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(8).build();
        buffer.writeV(1, 2, 3);
        assertEquals(0, buffer.close(Duration.ofSeconds(10)));
        assertEquals(3, rec.itemCount());
    }

    @Test
    void closeWithTimeout_givesUpOnAStuckFlusher_itemsReachable_stuckBatchInDoubt_laterCallsThrow() throws Exception {
        Gate gate = new Gate();
        Recorder<Integer> rec = new Recorder<>(4);
        rec.then = batch -> gate.await();
        AtomicReference<Thread> drainer = new AtomicReference<>();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(4)
                .threadFactory(r -> {
                    Thread t = Thread.ofVirtual().unstarted(r);
                    drainer.set(t);
                    return t;
                })
                .build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.writeV(1, 2, 3);
        long start = System.nanoTime();
        assertEquals(4, buffer.close(Duration.ofMillis(100)));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close(Duration) did not give up");
        FlushFailedException onFlush = assertThrows(FlushFailedException.class, buffer::flush);
        assertEquals(List.of(1, 2, 3), onFlush.undelivered(), "never handed to the flusher");
        assertEquals(List.of(0), onFlush.inDoubt(), "inside the stuck flusher call");
        assertInstanceOf(java.util.concurrent.TimeoutException.class, onFlush.getCause());
        FlushFailedException onWrite = assertThrows(FlushFailedException.class, () -> buffer.write(4));
        assertEquals(List.of(1, 2, 3), onWrite.undelivered());
        assertThrows(FlushFailedException.class, buffer::close);
        assertThrows(FlushFailedException.class, () -> buffer.close(Duration.ofSeconds(1)));
        gate.open();
        drainer.get().join(10_000);
        assertFalse(drainer.get().isAlive(), "the drainer kept running after its flusher call returned");
        assertEquals(List.of(List.of(0)), rec.calls(), "the flusher was called after close(Duration) gave up");
    }

    @Test
    void closeWithTimeout_aStuckCallThatReturnsLate_countsItsBatchOnce_asWritten() throws Exception {
        Gate gate = new Gate();
        AtomicReference<Thread> drainer = new AtomicReference<>();
        Recorder<Integer> rec = new Recorder<>(16);
        rec.then = batch -> {
            drainer.set(Thread.currentThread());
            gate.await();
        };
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(16, rec);
        buffer.write(0);
        gate.awaitEntered();
        for (int i = 1; i < 10; i++) {
            buffer.write(i);
        }
        assertEquals(10, buffer.close(Duration.ofMillis(100)));
        assertEquals(new Metrics(10, 0, 0, 10, 0, 0), buffer.metrics(), "abandoned: all ten pending, once");
        gate.open();
        drainer.get().join(10_000);
        assertFalse(drainer.get().isAlive());
        assertEquals(
                new Metrics(10, 1, 0, 9, 1, 0),
                buffer.metrics(),
                "the late normal return wrote the in-doubt item: written, no longer pending, not counted twice");
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertEquals(List.of(0), f.inDoubt(), "the report made at close(Duration) stays as it was");
    }

    @Test
    void closeWithTimeout_neverInterruptsTheFlusherCall(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path path = dir.resolve("items");
        Gate gate = new Gate();
        try (BatchBufferFaultTest.LongFile file = new BatchBufferFaultTest.LongFile(path)) {
            AtomicReference<Thread> drainer = new AtomicReference<>();
            AsyncBuffer<Long> buffer = AsyncBuffer.<Long>builder(batch -> {
                        drainer.set(Thread.currentThread());
                        gate.await();
                        file.accept(batch); // a FileChannel closes itself if this thread was interrupted
                    })
                    .capacity(4)
                    .build();
            buffer.write(7L);
            gate.awaitEntered();
            assertEquals(1, buffer.close(Duration.ofMillis(50)));
            gate.open();
            drainer.get().join(10_000);
            assertTrue(file.channel.isOpen(), "close(Duration) interrupted the flusher call");
        }
        assertEquals(List.of(7L), BatchBufferFaultTest.LongFile.read(path), "the in-doubt batch was written");
    }

    @Test
    void idleDrainer_aLostWakeUpCostsADelay_neverAHang() throws Exception {
        Recorder<Integer> rec = new Recorder<>(4);
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, rec)) {
            awaitBlocked(buffer.drainer().thread());
            // An item queued without the writer's wake-up, as an unpark lost in the JDK would leave it.
            Room room = buffer.room();
            long end = room.reserve(1);
            assertTrue(end > 0);
            room.offer(1, end);
            awaitTrue(() -> rec.itemCount() == 1, "the parked drainer finds the item by itself");
        }
    }

    // --- failures ------------------------------------------------------------------------

    @Test
    void failFast_blockedWritersGetTheFailure_andUndeliveredIsComplete() throws Exception {
        Gate gate = new Gate();
        RuntimeException boom = new RuntimeException("boom");
        Recorder<Integer> rec = new Recorder<>(2);
        rec.then = batch -> {
            gate.await();
            throw boom;
        };
        AsyncBuffer<Integer> buffer =
                AsyncBuffer.<Integer>builder(rec).capacity(2).build();
        buffer.write(0);
        gate.awaitEntered();
        buffer.writeV(1, 2);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                buffer.write(3);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        awaitBlocked(writer);
        gate.open();
        writer.join();
        FlushFailedException f = assertInstanceOf(FlushFailedException.class, thrown.get());
        assertSame(boom, f.getCause());
        assertEquals(List.of(0, 1, 2), f.undelivered());
        FlushFailedException onClose = assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(List.of(0, 1, 2), onClose.undelivered());
        assertThrows(FlushFailedException.class, () -> buffer.close(Duration.ofSeconds(1)));
        assertEquals(new Metrics(3, 0, 0, 3, 0, 1), buffer.metrics());
    }

    @Test
    void retry_keepsTheBatchAndRetriesUntilTheFlusherSucceeds() {
        AtomicInteger attempts = new AtomicInteger();
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new IllegalStateException("transient " + attempts.get());
            }
        };
        Log log = new Log();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(4))
                .logger(log)
                .build();
        buffer.writeV(1, 2, 3);
        buffer.flush(); // waits through the retries
        assertEquals(List.of(List.of(1, 2, 3), List.of(1, 2, 3), List.of(1, 2, 3), List.of(1, 2, 3)), rec.calls());
        assertEquals(2, log.messages.size(), "the first failure, then the recovery with the count: " + log.messages);
        assertInstanceOf(IllegalStateException.class, log.thrown.get(0));
        assertTrue(log.messages.get(1).contains("3 failed attempts"), log.messages.get(1));
        buffer.write(4);
        buffer.close();
        assertEquals(new Metrics(4, 4, 0, 0, 2, 3), buffer.metrics());
    }

    @Test
    void retry_closeWithTimeout_givesUpOnAFlusherThatKeepsFailing_andTheItemsAreReachable() throws Exception {
        AtomicReference<Thread> drainer = new AtomicReference<>();
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(batch -> {
                    drainer.set(Thread.currentThread());
                    throw new IllegalStateException("down");
                })
                .capacity(8)
                .retryFailedBatches(Duration.ofMillis(20))
                .logger(new Log())
                .build();
        buffer.writeV(1, 2, 3);
        buffer.write(4);
        assertEquals(4, buffer.close(Duration.ofMillis(200)));
        drainer.get().join(10_000);
        assertFalse(drainer.get().isAlive());
        assertTrue(buffer.metrics().failures() >= 2, "retried: " + buffer.metrics());
        assertEquals(0, buffer.metrics().written());
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        List<Object> all = new ArrayList<>(f.undelivered());
        all.addAll(f.inDoubt());
        assertEquals(
                Set.of(1, 2, 3, 4),
                Set.copyOf(all),
                "every accepted item, once: " + f.undelivered() + " " + f.inDoubt());
        assertEquals(4, all.size());
    }

    @Test
    void retry_logsTheFirstFailureWithItsTrace_thenACountAtMostOncePerSecond() {
        AtomicInteger attempts = new AtomicInteger();
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            if (attempts.incrementAndGet() <= 40) {
                throw new IllegalStateException("transient " + attempts.get());
            }
        };
        Log log = new Log();
        long start = System.nanoTime();
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .retryFailedBatches(Duration.ofMillis(1))
                .logger(log)
                .build()) {
            buffer.write(1);
            buffer.flush();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        List<Throwable> thrown = new ArrayList<>(log.thrown);
        assertTrue(thrown.get(0) instanceof IllegalStateException, "the first failure has its trace: " + log.messages);
        for (int i = 1; i < thrown.size(); i++) {
            assertEquals(null, thrown.get(i), "only the first failure carries a trace: " + log.messages);
        }
        assertTrue(thrown.size() <= seconds + 3, thrown.size() + " messages in " + seconds + " s: " + log.messages);
        String all = String.join("\n", log.messages);
        assertTrue(all.contains("40"), "the count of failures is reported: " + log.messages);
    }

    @Test
    void boundedRetry_givesUpOnABatch_handsItToTheDeadLetter_andGoesOn() throws Exception {
        List<List<Integer>> dead = Collections.synchronizedList(new ArrayList<>());
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            if (batch.contains(13)) {
                throw new IllegalStateException("poison");
            }
        };
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(5), Duration.ofMillis(100), dead::add)
                .logger(new Log())
                .build()) {
            buffer.writeV(12, 13);
            buffer.flush();
            assertEquals(List.of(List.of(12, 13)), dead);
            buffer.write(14);
            buffer.flush();
            Metrics m = buffer.metrics();
            assertEquals(1, m.written());
            assertEquals(0, m.dropped(), "a dead-lettered batch is not dropped");
            assertEquals(0, m.pending());
        }
        assertEquals(List.of(14), rec.calls().get(rec.calls().size() - 1));
    }

    @Test
    void boundedRetry_underBlock_writersWaitingForADeadSink_getInOnceTheBatchIsGivenUp() throws Exception {
        AtomicBoolean down = new AtomicBoolean(true);
        List<Integer> dead = Collections.synchronizedList(new ArrayList<>());
        List<Integer> delivered = Collections.synchronizedList(new ArrayList<>());
        Recorder<Integer> rec = new Recorder<>(2);
        rec.then = batch -> {
            if (down.get()) {
                throw new IllegalStateException("disk full");
            }
            delivered.addAll(batch);
        };
        AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(2)
                .retryFailedBatches(Duration.ofMillis(5), Duration.ofMillis(100), dead::addAll)
                .logger(new Log())
                .build();
        // With retryFailedBatches(Duration) alone these writers would wait as long as the sink is down.
        Thread writers = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 10; i++) {
                buffer.write(i);
            }
        });
        writers.join(20_000);
        if (writers.isAlive()) {
            buffer.close(Duration.ofMillis(100)); // give up, so that the test ends rather than hangs
            writers.join(10_000);
            throw new AssertionError("BLOCK writers hung behind a dead sink");
        }
        down.set(false); // the sink recovers
        buffer.write(10);
        buffer.close();
        assertTrue(delivered.contains(10), "the buffer recovered with the sink");
        List<Integer> all = new ArrayList<>(dead);
        all.addAll(delivered);
        all.sort(null);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10), all, "each item dead-lettered or delivered, once");
    }

    @Test
    void boundedRetry_withoutDeadLetter_dropsCountsAndWarns() {
        AtomicBoolean down = new AtomicBoolean(true);
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            if (down.get()) {
                throw new IllegalStateException("disk full");
            }
        };
        Log log = new Log();
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(5), Duration.ofMillis(50), null)
                .logger(log)
                .build()) {
            buffer.writeV(1, 2, 3);
            buffer.flush();
            assertEquals(3, buffer.metrics().dropped());
            assertTrue(
                    log.messages.stream().anyMatch(m -> m.contains("dropped") && m.contains("3")),
                    "a drop is never silent: " + log.messages);
            down.set(false); // the sink recovers
            buffer.write(4);
            buffer.flush();
            assertEquals(1, buffer.metrics().written());
        }
        assertEquals(List.of(4), rec.calls().get(rec.calls().size() - 1));
    }

    @Test
    void boundedRetry_aThrowingDeadLetter_failsTheBuffer_withTheItemsReachable() {
        RuntimeException handlerBug = new RuntimeException("dead letter handler bug");
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(batch -> {
                    throw new IllegalStateException("down");
                })
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(2), Duration.ofMillis(20), batch -> {
                    throw handlerBug;
                })
                .logger(new Log())
                .build()) {
            buffer.writeV(1, 2);
            FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
            assertSame(handlerBug, f.getCause());
            assertEquals(List.of(1, 2), f.undelivered());
            assertThrows(FlushFailedException.class, () -> buffer.write(3));
            assertThrows(FlushFailedException.class, buffer::close);
        } catch (FlushFailedException closing) {
            // try-with-resources' close() rethrows the failure, as promised
        }
    }

    @Test
    void boundedRetry_badArguments_throwEarly() {
        AsyncBuffer.Builder<Integer> b = AsyncBuffer.builder(batch -> {});
        assertThrows(NullPointerException.class, () -> b.retryFailedBatches(Duration.ofMillis(1), null, x -> {}));
        assertThrows(NullPointerException.class, () -> b.retryFailedBatches(null, Duration.ofMillis(1), x -> {}));
        assertThrows(
                IllegalArgumentException.class,
                () -> b.retryFailedBatches(Duration.ofMillis(1), Duration.ZERO, x -> {}));
        assertThrows(
                IllegalArgumentException.class,
                () -> b.retryFailedBatches(Duration.ZERO, Duration.ofMillis(1), x -> {}));
    }

    @Test
    void retry_partialFlush_retriesOnlyTheNonDurableRest() {
        AtomicInteger attempts = new AtomicInteger();
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            if (attempts.incrementAndGet() == 1) {
                throw new PartialFlushException("half way", 2, new IllegalStateException("sink"));
            }
        };
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(2))
                .logger(new Log())
                .build()) {
            buffer.writeV(1, 2, 3, 4);
            buffer.flush();
            assertEquals(new Metrics(4, 4, 0, 0, 1, 1), buffer.metrics());
        }
        assertEquals(List.of(List.of(1, 2, 3, 4), List.of(3, 4)), rec.calls());
    }

    @Test
    void boundedRetry_partialFlush_deadLettersOnlyTheNonDurableRest() {
        List<List<Integer>> dead = Collections.synchronizedList(new ArrayList<>());
        Recorder<Integer> rec = new Recorder<>(8);
        rec.then = batch -> {
            throw new PartialFlushException("half way", batch.size() > 2 ? 1 : 0, new IllegalStateException("sink"));
        };
        try (AsyncBuffer<Integer> buffer = AsyncBuffer.<Integer>builder(rec)
                .capacity(8)
                .mode(Mode.MANUAL)
                .retryFailedBatches(Duration.ofMillis(2), Duration.ofMillis(30), dead::add)
                .logger(new Log())
                .build()) {
            buffer.writeV(1, 2, 3, 4);
            buffer.flush();
            assertEquals(2, buffer.metrics().written(), "1 and 2 were durable, one per attempt");
            assertEquals(0, buffer.metrics().pending());
        }
        assertEquals(List.of(List.of(3, 4)), dead);
        // How many attempts fit in the 30 ms before giving up depends on the machine's load: the
        // first two each made one more item durable, every later one saw only the rest.
        List<List<Integer>> calls = rec.calls();
        assertEquals(List.of(List.of(1, 2, 3, 4), List.of(2, 3, 4)), calls.subList(0, 2));
        for (List<Integer> later : calls.subList(2, calls.size())) {
            assertEquals(List.of(3, 4), later, "a retry after the durable prefix: " + calls);
        }
    }

    @Test
    void virtualMachineError_isNotRetried_evenUnderTheRetryPolicy() {
        OutOfMemoryError error = new OutOfMemoryError("flusher heap");
        Recorder<Long> rec = new Recorder<>(4);
        rec.then = batch -> {
            throw error;
        };
        AsyncBuffer<Long> buffer = AsyncBuffer.<Long>builder(rec)
                .capacity(4)
                .retryFailedBatches(Duration.ofMillis(1), Duration.ofSeconds(1), null)
                .logger(new Log())
                .build();
        buffer.write(1L);
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertSame(error, f.getCause());
        assertEquals(List.of(1L), f.undelivered());
        assertEquals(1, buffer.metrics().failures());
        assertEquals(1, rec.calls().size());
    }

    @Test
    void flusherError_isNotSwallowedByTheDrainer() {
        Error oops = new AssertionError("flusher bug");
        AsyncBuffer<Integer> buffer = new AsyncBuffer<>(4, batch -> {
            throw oops;
        });
        buffer.write(1);
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertSame(oops, f.getCause());
        assertEquals(List.of(1), f.undelivered());
        assertThrows(FlushFailedException.class, buffer::close);
    }

    // --- allocation ----------------------------------------------------------------------

    @Test
    void write_allocatesNothingInSteadyState() {
        Integer[] items = new Integer[1000];
        for (int i = 0; i < items.length; i++) {
            items[i] = i;
        }
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(1024, batch -> {})) {
            long allocated = 0;
            for (int round = 0; round < 400; round++) {
                long before = ThreadAllocation.bytes();
                for (int i = 0; i < 1000; i++) { // always fits: the queue is empty after each flush
                    buffer.write(items[i]);
                }
                long after = ThreadAllocation.bytes();
                if (round >= 200) { // the first rounds warm up the JIT
                    allocated += after - before;
                }
                buffer.flush();
            }
            assertEquals(200_000, buffer.metrics().written() - 200_000);
            assertTrue(allocated < 100_000, allocated + " bytes allocated by 200,000 accepted writes");
        }
    }

    @Test
    void writeV_allocatesNothingInSteadyState_groupsAreRecycled() {
        Integer[] pair = {1, 2};
        Integer[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
        List<Integer> listOfEight = new ArrayList<>(List.of(eight));
        List<Integer> seen = new ArrayList<>();
        try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(1024, batch -> seen.add(batch.size()))) {
            long allocated = 0;
            for (int round = 0; round < 400; round++) {
                long before = ThreadAllocation.bytes();
                for (int i = 0; i < 40; i++) { // 40 * (2 + 8 + 8) = 720 places: always fits
                    buffer.writeV(pair);
                    buffer.writeV(eight);
                    buffer.writeV(listOfEight);
                }
                long after = ThreadAllocation.bytes();
                if (round >= 200) { // the first rounds warm up the JIT and fill the pool
                    allocated += after - before;
                }
                buffer.flush();
            }
            assertEquals(400L * 40 * 18, buffer.metrics().written());
            assertTrue(allocated < 100_000, allocated + " bytes allocated by 24,000 accepted writeV calls");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
