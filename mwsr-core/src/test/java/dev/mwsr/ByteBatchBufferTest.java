package dev.mwsr;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ByteBatchBufferTest {

    /**
     * A flusher that copies every batch and checks the per-call promises: one call at a time,
     * never empty, at most {@code capacity} bytes unless an oversized write was allowed, a
     * read-only view of exactly the batch at position 0, direct or heap as asked.
     */
    static final class Recorder implements Consumer<ByteBuffer> {
        final int capacity;
        final boolean direct;
        final List<byte[]> batches = new ArrayList<>();
        final List<String> violations = new ArrayList<>();
        final AtomicInteger active = new AtomicInteger();
        volatile boolean allowOversized;

        Recorder(int capacity, boolean direct) {
            this.capacity = capacity;
            this.direct = direct;
        }

        @Override
        public void accept(ByteBuffer batch) {
            if (active.incrementAndGet() != 1) {
                violations.add("concurrent flusher calls");
            }
            try {
                if (!batch.isReadOnly()) {
                    violations.add("writable view");
                }
                if (batch.position() != 0) {
                    violations.add("view position " + batch.position());
                }
                if (!batch.hasRemaining()) {
                    violations.add("empty batch");
                }
                if (batch.remaining() > capacity && !allowOversized) {
                    violations.add("batch of " + batch.remaining() + " > capacity " + capacity);
                }
                if (batch.remaining() <= capacity && batch.isDirect() != direct) {
                    violations.add("direct=" + batch.isDirect());
                }
                byte[] copy = new byte[batch.remaining()];
                batch.get(copy); // moves the view's position, as a channel write would
                Thread.yield(); // widen the window for a concurrent call
                synchronized (this) {
                    batches.add(copy);
                }
            } finally {
                active.decrementAndGet();
            }
        }

        synchronized List<byte[]> batches() {
            return new ArrayList<>(batches);
        }

        synchronized byte[] all() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            batches.forEach(out::writeBytes);
            return out.toByteArray();
        }

        void assertNoViolations() {
            synchronized (this) {
                assertEquals(List.of(), violations);
            }
        }
    }

    // A record: [thread:int][seq:int][len:int][len payload bytes], payload a function of all three.
    static byte[] record(int thread, int seq) {
        int len = (thread * 31 + seq * 7) % 45;
        ByteBuffer b = ByteBuffer.allocate(12 + len).putInt(thread).putInt(seq).putInt(len);
        for (int i = 0; i < len; i++) {
            b.put(payload(thread, seq, i));
        }
        return b.array();
    }

    static byte payload(int thread, int seq, int i) {
        return (byte) (thread * 131 + seq * 17 + i);
    }

    /** Parses whole records from {@code batch}, checking contents and per-thread order; returns the count. */
    static int parse(byte[] batch, int[] nextSeq) {
        ByteBuffer b = ByteBuffer.wrap(batch);
        int count = 0;
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 12, "a record split across batches");
            int thread = b.getInt();
            int seq = b.getInt();
            int len = b.getInt();
            assertEquals(nextSeq[thread], seq, "thread " + thread + ": order or exactly-once broken");
            nextSeq[thread]++;
            assertTrue(b.remaining() >= len, "a record's payload split across batches");
            for (int i = 0; i < len; i++) {
                assertEquals(payload(thread, seq, i), b.get(), "payload byte of thread " + thread + " seq " + seq);
            }
            count++;
        }
        return count;
    }

    static void runThreads(int threads, ThrowingIntConsumer body) throws Exception {
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            all.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    body.accept(id);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : all) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a writer failed", failure.get());
        }
    }

    interface ThrowingIntConsumer {
        void accept(int id) throws Exception;
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void manyWriters_everyRecordExactlyOnceWholeAndInOrderPerThread(boolean direct) throws Exception {
        int threads = 4;
        int perThread = 4000;
        Recorder recorder = new Recorder(256, direct);
        ByteBatchBuffer buffer = new ByteBatchBuffer(256, direct, recorder);
        runThreads(threads, id -> {
            ByteBuffer scratch = direct ? ByteBuffer.allocateDirect(64) : ByteBuffer.allocate(64);
            for (int seq = 0; seq < perThread; seq++) {
                byte[] r = record(id, seq);
                switch (seq % 3) {
                    case 0 -> buffer.write(r);
                    case 1 -> {
                        byte[] padded = new byte[r.length + 5];
                        System.arraycopy(r, 0, padded, 3, r.length);
                        buffer.write(padded, 3, r.length);
                    }
                    default -> {
                        scratch.clear().put(r).flip();
                        assertEquals(r.length, buffer.write(scratch));
                        assertFalse(scratch.hasRemaining(), "write(ByteBuffer) advances the position");
                    }
                }
            }
        });
        buffer.flush();
        recorder.assertNoViolations();
        int[] nextSeq = new int[threads];
        int records = 0;
        long bytes = 0;
        for (byte[] batch : recorder.batches()) {
            records += parse(batch, nextSeq);
            bytes += batch.length;
        }
        assertEquals(threads * perThread, records);
        Metrics m = buffer.metrics();
        assertEquals(bytes, m.enqueued(), "metrics count bytes");
        assertEquals(bytes, m.written());
        assertEquals(0, m.pending());
        assertEquals(recorder.batches().size(), m.batches());
        assertTrue(m.batches() > 100, "the test should cut many batches, cut " + m.batches());
        buffer.close();
    }

    @Test
    void writeVOfArrays_asABatchBuffer_arrivesContiguousInOneCall_andANullArrayWritesNothing() {
        List<byte[]> calls = new ArrayList<>();
        BatchBuffer<byte[]> buffer = new ByteBatchBuffer(8, batch -> {
            byte[] copy = new byte[batch.remaining()];
            batch.get(copy);
            calls.add(copy);
        });
        buffer.write(new byte[] {1});
        buffer.writeV(List.of(new byte[] {2, 3}, new byte[] {4, 5, 6}));
        List<byte[]> withNull = new ArrayList<>();
        withNull.add(new byte[] {7});
        withNull.add(null);
        assertThrows(NullPointerException.class, () -> buffer.writeV(withNull));
        buffer.writeV(List.of(new byte[] {10, 11, 12, 13, 14, 15, 16, 17, 18})); // larger than capacity: alone
        buffer.close();
        assertEquals(2, calls.size());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, calls.get(0), "nothing of the group with a null");
        assertArrayEquals(new byte[] {10, 11, 12, 13, 14, 15, 16, 17, 18}, calls.get(1));
        assertEquals(new Metrics(15, 15, 0, 0, 2, 0), buffer.metrics(), "units are bytes");
    }

    @Test
    void writeV_staysContiguousUnderContention() throws Exception {
        int threads = 4;
        int perThread = 3000;
        Recorder recorder = new Recorder(200, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(200, recorder);
        runThreads(threads, id -> {
            ByteBuffer header = ByteBuffer.allocateDirect(12);
            for (int seq = 0; seq < perThread; seq++) {
                byte[] r = record(id, seq);
                header.clear().put(r, 0, 12).flip();
                ByteBuffer first = ByteBuffer.wrap(r, 12, (r.length - 12) / 2);
                ByteBuffer rest = ByteBuffer.wrap(r, 12 + first.remaining(), r.length - 12 - first.remaining());
                if (seq % 2 == 0) {
                    buffer.writeV(header, first, rest);
                } else {
                    buffer.writeV(header, ByteBuffer.allocate(0), first, ByteBuffer.allocateDirect(0), rest);
                }
                assertFalse(
                        header.hasRemaining() || first.hasRemaining() || rest.hasRemaining(),
                        "writeV advances every position");
            }
        });
        buffer.close();
        recorder.assertNoViolations();
        int[] nextSeq = new int[threads];
        int records = 0;
        for (byte[] batch : recorder.batches()) {
            records += parse(batch, nextSeq);
        }
        assertEquals(threads * perThread, records);
    }

    @Test
    void oversizedWrite_arrivesAsItsOwnCallAfterEarlierBytes() {
        Recorder recorder = new Recorder(16, true);
        recorder.allowOversized = true;
        ByteBatchBuffer buffer = new ByteBatchBuffer(16, recorder);
        byte[] big = bytes(40, 1);
        buffer.write(bytes(5, 100));
        buffer.write(big);
        buffer.write(bytes(3, 50));
        ByteBuffer bigBuffer = ByteBuffer.wrap(bytes(20, 7));
        assertEquals(20, buffer.write(bigBuffer));
        assertFalse(bigBuffer.hasRemaining());
        buffer.writeV(ByteBuffer.wrap(bytes(10, 3)), ByteBuffer.allocateDirect(0), ByteBuffer.wrap(bytes(10, 13)));
        buffer.flush();
        recorder.assertNoViolations();
        List<byte[]> batches = recorder.batches();
        assertEquals(5, batches.size());
        assertArrayEquals(bytes(5, 100), batches.get(0));
        assertArrayEquals(big, batches.get(1));
        assertArrayEquals(bytes(3, 50), batches.get(2));
        assertArrayEquals(bytes(20, 7), batches.get(3));
        assertArrayEquals(bytes(20, 3), batches.get(4), "an oversized writeV is one contiguous call");
        assertEquals(88, buffer.metrics().written());
    }

    @Test
    void capacityExactlyFilled_isOneBatchAndNextWriteStartsTheNext() {
        Recorder recorder = new Recorder(8, false);
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, false, recorder);
        buffer.write(bytes(8, 0));
        assertEquals(0, recorder.batches().size(), "a full half is cut by the next write, not before");
        buffer.write(bytes(1, 8));
        assertEquals(1, recorder.batches().size());
        assertArrayEquals(bytes(8, 0), recorder.batches().get(0));
        buffer.write(bytes(7, 9)); // fits exactly behind the first byte
        buffer.write(bytes(2, 16));
        buffer.close();
        recorder.assertNoViolations();
        assertArrayEquals(bytes(18, 0), recorder.all());
        assertEquals(
                List.of(8, 8, 2), recorder.batches().stream().map(b -> b.length).toList());
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void flusherView_isReadOnlyAndExactlyTheWrittenBytes(boolean direct) {
        List<String> seen = new ArrayList<>();
        ByteBatchBuffer buffer = new ByteBatchBuffer(32, direct, batch -> {
            assertTrue(batch.isReadOnly());
            assertEquals(direct, batch.isDirect());
            assertEquals(0, batch.position());
            assertEquals(5, batch.remaining());
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> batch.put(0, (byte) 1));
            byte[] got = new byte[5];
            batch.get(got);
            seen.add(new String(got, UTF_8));
        });
        buffer.write("hello".getBytes(UTF_8));
        buffer.flush();
        buffer.write("HELLO".getBytes(UTF_8));
        buffer.flush(); // the view the first call consumed is reset for the next call
        assertEquals(List.of("hello", "HELLO"), seen);
    }

    @Test
    void readOnlySources_heapAndDirect_areCopied() {
        for (boolean direct : new boolean[] {true, false}) {
            Recorder recorder = new Recorder(16, direct);
            ByteBatchBuffer buffer = new ByteBatchBuffer(16, direct, recorder);
            ByteBuffer heap = ByteBuffer.wrap(bytes(6, 0)).asReadOnlyBuffer();
            ByteBuffer offHeap =
                    ByteBuffer.allocateDirect(6).put(bytes(6, 6)).flip().asReadOnlyBuffer();
            assertEquals(6, buffer.write(heap));
            buffer.writeV(offHeap, ByteBuffer.wrap(bytes(2, 12)).asReadOnlyBuffer());
            buffer.close();
            recorder.assertNoViolations();
            assertArrayEquals(bytes(14, 0), recorder.all());
            assertFalse(heap.hasRemaining() || offHeap.hasRemaining());
        }
    }

    @Test
    void flushWithNothingWritten_callsNoFlusher_andEmptyWritesWriteNothing() {
        Recorder recorder = new Recorder(8, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, recorder);
        buffer.flush();
        buffer.write(new byte[0]);
        buffer.write(new byte[3], 3, 0);
        assertEquals(0, buffer.write(ByteBuffer.allocate(0)));
        buffer.writeV();
        buffer.writeV(ByteBuffer.allocate(0), ByteBuffer.allocateDirect(0));
        buffer.close();
        assertEquals(0, recorder.batches().size());
        assertEquals(new Metrics(0, 0, 0, 0, 0, 0), buffer.metrics());
    }

    @Test
    void badInput_throwsEarlyAndWritesNothing() {
        Recorder recorder = new Recorder(8, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, recorder);
        assertThrows(NullPointerException.class, () -> buffer.write((byte[]) null));
        assertThrows(NullPointerException.class, () -> buffer.write(null, 0, 0));
        assertThrows(NullPointerException.class, () -> buffer.write((ByteBuffer) null));
        assertThrows(NullPointerException.class, () -> buffer.writeV((ByteBuffer[]) null));
        ByteBuffer a = ByteBuffer.wrap(bytes(3, 0));
        assertThrows(NullPointerException.class, () -> buffer.writeV(a, null));
        assertEquals(0, a.position(), "a refused writeV moves no position");
        byte[] three = new byte[3];
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(three, -1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(three, 0, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(three, 2, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(three, 1, Integer.MAX_VALUE));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.write(new byte[30], 29, 2), "oversized too");
        ByteBuffer mib = ByteBuffer.allocate(1 << 20);
        ByteBuffer[] tooMuch = new ByteBuffer[2048]; // 2 GiB in one group
        Arrays.fill(tooMuch, mib);
        assertThrows(IllegalArgumentException.class, () -> buffer.writeV(tooMuch));
        assertEquals(0, mib.position());
        buffer.close();
        assertEquals(0, recorder.batches().size(), "nothing was written");
        assertEquals(0, buffer.metrics().enqueued());

        assertThrows(IllegalArgumentException.class, () -> new ByteBatchBuffer(0, recorder));
        assertThrows(IllegalArgumentException.class, () -> new ByteBatchBuffer(-1, false, recorder));
        assertThrows(NullPointerException.class, () -> new ByteBatchBuffer(8, null));
    }

    @Test
    void write_afterClose_throwsIllegalStateAndIsNeverDelivered() {
        Recorder recorder = new Recorder(8, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, recorder);
        buffer.write(bytes(3, 0));
        assertTrue(buffer.isOpen());
        buffer.close();
        assertFalse(buffer.isOpen());
        ByteBuffer src = ByteBuffer.wrap(bytes(2, 0));
        assertThrows(IllegalStateException.class, () -> buffer.write(bytes(2, 0)));
        assertThrows(IllegalStateException.class, () -> buffer.write(src));
        assertEquals(0, src.position(), "a refused write moves no position");
        assertThrows(IllegalStateException.class, () -> buffer.writeV(ByteBuffer.allocate(1)));
        assertThrows(IllegalStateException.class, () -> buffer.write(bytes(20, 0)), "oversized too");
        assertThrows(IllegalStateException.class, () -> buffer.asOutputStream().write(1));
        buffer.flush(); // nothing left to deliver
        buffer.close(); // idempotent
        recorder.assertNoViolations();
        assertEquals(1, recorder.batches().size());
        assertArrayEquals(bytes(3, 0), recorder.all());
    }

    @Test
    void flusherFailure_failsFastWithEveryUndeliveredByteReachable() {
        RuntimeException boom = new RuntimeException("disk on fire");
        AtomicInteger calls = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, batch -> {
            calls.incrementAndGet();
            batch.get(new byte[3]); // consumed part of the view before failing
            throw boom;
        });
        buffer.write(bytes(8, 0));
        FlushFailedException e = assertThrows(
                FlushFailedException.class,
                () -> buffer.write(bytes(2, 8)),
                "the writer that ran the failing flush sees it");
        assertSame(boom, e.getCause());
        assertArrayEquals(bytes(10, 0), concat(e.undelivered()), "failed batch in full, then this writer's bytes");
        assertFalse(buffer.isOpen());

        for (Runnable later : List.<Runnable>of(
                () -> buffer.write(bytes(1, 0)),
                buffer::flush,
                buffer::close,
                () -> buffer.write(bytes(30, 0)),
                () -> buffer.writeV(ByteBuffer.allocate(1)))) {
            FlushFailedException again = assertThrows(FlushFailedException.class, later::run);
            assertSame(boom, again.getCause());
            assertArrayEquals(bytes(10, 0), concat(again.undelivered()), "nothing later was accepted");
        }
        assertEquals(1, calls.get(), "a failed buffer calls the flusher no more");
        Metrics m = buffer.metrics();
        assertEquals(1, m.failures());
        assertEquals(0, m.written());
        assertEquals(10, m.pending());
    }

    @Test
    void oversizedWriteFailure_keepsItsBytesAndWhatCameBefore() {
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, false, batch -> {
            throw new IllegalStateException("full");
        });
        buffer.write(bytes(3, 0));
        FlushFailedException e = assertThrows(FlushFailedException.class, () -> buffer.write(bytes(9, 3)));
        assertArrayEquals(bytes(12, 0), concat(e.undelivered()));
        assertEquals(1, buffer.metrics().failures());
    }

    @Test
    void failureObservedByFlush_listsBytesWrittenAfterTheCut() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            inFlusher.countDown();
            await(release);
            throw new RuntimeException("late failure");
        });
        buffer.write(bytes(4, 0));
        AtomicReference<Throwable> cutterSaw = new AtomicReference<>();
        Thread cutter = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(bytes(1, 4));
            } catch (Throwable t) {
                cutterSaw.set(t);
            }
        });
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        buffer.write(bytes(2, 5)); // into the spare half while the flusher runs
        release.countDown();
        cutter.join();
        assertInstanceOf(FlushFailedException.class, cutterSaw.get());
        assertArrayEquals(bytes(7, 0), concat(((FlushFailedException) cutterSaw.get()).undelivered()));
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::flush);
        assertArrayEquals(bytes(7, 0), concat(e.undelivered()));
    }

    @Test
    void interruptedWhileBlocked_throwsCancellationAndWritesNothing() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder(4, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            inFlusher.countDown();
            await(release);
            recorder.accept(batch);
        });
        buffer.write(bytes(4, 0));
        Thread flushing = Thread.ofPlatform().start(() -> buffer.write(bytes(2, 4)));
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        buffer.write(bytes(2, 6)); // fills the spare half: now both halves are full
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flagAfter = new AtomicReference<>();
        Thread blocked = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(bytes(1, 99));
            } catch (Throwable t) {
                thrown.set(t);
            }
            flagAfter.set(Thread.currentThread().isInterrupted());
        });
        awaitWaiting(blocked);
        blocked.interrupt();
        blocked.join(10_000);
        assertInstanceOf(CancellationException.class, thrown.get());
        assertInstanceOf(InterruptedException.class, thrown.get().getCause());
        assertTrue(flagAfter.get(), "the interrupt flag is restored");
        release.countDown();
        flushing.join();
        buffer.close();
        assertArrayEquals(bytes(8, 0), recorder.all(), "the interrupted writer's byte was not accepted");
    }

    @Test
    void close_refusesWritersWaitingForRoom_andDeliversEverythingAccepted() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Recorder recorder = new Recorder(4, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            inFlusher.countDown();
            await(release);
            recorder.accept(batch);
        });
        buffer.write(bytes(4, 0));
        Thread flushing = Thread.ofPlatform().start(() -> buffer.write(bytes(1, 4)));
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        buffer.write(bytes(3, 5)); // both halves full now
        List<AtomicReference<Throwable>> outcomes = new ArrayList<>();
        List<Thread> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) { // the first waits for the flush in progress, the second for the first
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            outcomes.add(outcome);
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    buffer.write(bytes(1, 99));
                } catch (Throwable e) {
                    outcome.set(e);
                }
            });
            awaitWaiting(t);
            waiting.add(t);
        }
        Thread closer = Thread.ofPlatform().start(buffer::close);
        awaitWaiting(closer);
        assertFalse(buffer.isOpen());
        release.countDown();
        closer.join(10_000);
        flushing.join(10_000);
        for (int i = 0; i < 2; i++) {
            waiting.get(i).join(10_000);
            assertInstanceOf(IllegalStateException.class, outcomes.get(i).get(), "waiting writer " + i);
            assertFalse(outcomes.get(i).get() instanceof FlushFailedException);
        }
        recorder.assertNoViolations();
        assertArrayEquals(bytes(8, 0), recorder.all(), "everything accepted, nothing refused");
    }

    @Test
    void flusherCallingFlushOrClose_getsIllegalStateInsteadOfDeadlock() {
        AtomicReference<Throwable> inner = new AtomicReference<>();
        ByteBatchBuffer[] self = new ByteBatchBuffer[1];
        self[0] = new ByteBatchBuffer(4, batch -> {
            try {
                self[0].flush();
            } catch (IllegalStateException e) {
                inner.set(e);
            }
        });
        self[0].write(bytes(2, 0));
        self[0].flush();
        assertInstanceOf(IllegalStateException.class, inner.get());
        self[0].close();
    }

    @Test
    void writeFromInsideFlusher_acceptedWhileItFits_elseIllegalState() {
        List<Throwable> inner = new ArrayList<>();
        Recorder recorder = new Recorder(4, true);
        ByteBatchBuffer[] self = new ByteBatchBuffer[1];
        self[0] = new ByteBatchBuffer(4, batch -> {
            recorder.accept(batch);
            if (recorder.batches().size() == 1) {
                self[0].write(bytes(2, 5)); // fits behind the 1 byte that cut this batch
                for (byte[] refused : List.of(bytes(2, 90), bytes(9, 90))) { // half full; oversized
                    try {
                        self[0].write(refused);
                    } catch (Throwable e) {
                        inner.add(e);
                    }
                }
            }
        });
        self[0].write(bytes(4, 0));
        self[0].write(bytes(1, 4));
        self[0].close();
        assertEquals(2, inner.size());
        inner.forEach(e -> assertInstanceOf(IllegalStateException.class, e));
        assertFalse(inner.get(0) instanceof FlushFailedException);
        recorder.assertNoViolations();
        assertArrayEquals(bytes(7, 0), recorder.all());
    }

    @Test
    void interruptedCaller_flushAndCloseDeliverThroughAFileChannel_andKeepTheFlag(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path path = dir.resolve("bytes");
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(
                path, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
                try {
                    while (batch.hasRemaining()) {
                        channel.write(batch);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.currentThread().interrupt();
            try {
                buffer.write(bytes(3, 0));
                buffer.write(bytes(3, 3)); // cuts the first 3 bytes and flushes them inline
                buffer.flush();
                assertTrue(Thread.currentThread().isInterrupted(), "flush() must leave the flag set");
                buffer.write(bytes(2, 6));
                buffer.close();
                assertTrue(Thread.currentThread().isInterrupted(), "close() must leave the flag set");
            } finally {
                Thread.interrupted();
            }
            assertTrue(channel.isOpen(), "the flusher ran with the caller's interrupt flag set");
        }
        assertArrayEquals(bytes(8, 0), java.nio.file.Files.readAllBytes(path));
    }

    @Test
    void virtualMachineError_isRethrownAsItself_andTheBufferFailsWithTheBytesReachable() {
        OutOfMemoryError error = new OutOfMemoryError("flusher heap");
        AtomicInteger calls = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            calls.incrementAndGet();
            throw error;
        });
        buffer.write(bytes(3, 0));
        assertSame(error, assertThrows(OutOfMemoryError.class, buffer::flush));
        assertFalse(buffer.isOpen(), "the buffer failed at once");
        FlushFailedException later = assertThrows(FlushFailedException.class, () -> buffer.write(bytes(1, 9)));
        assertSame(error, later.getCause());
        assertArrayEquals(bytes(3, 0), concat(later.undelivered()));
        assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(1, calls.get());
    }

    @Test
    void partialFlush_theDurableBytesCountAsWritten_onlyTheRestIsUndelivered() {
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, batch -> {
            throw new PartialFlushException("disk half way", 3, new java.io.IOException("no space"));
        });
        buffer.write(bytes(5, 0));
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertInstanceOf(PartialFlushException.class, f.getCause());
        byte[] rest = concat(f.undelivered());
        assertArrayEquals(Arrays.copyOfRange(bytes(5, 0), 3, 5), rest);
        assertEquals(3, buffer.metrics().written());
        assertEquals(2, buffer.metrics().pending());
    }

    @Test
    void closeWithTimeout_givesUpOnAStuckFlusher_reportsUndeliveredAndInDoubtBytes_laterCallsThrow() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            calls.incrementAndGet();
            inFlusher.countDown();
            await(release);
        });
        AtomicReference<Throwable> stuckWrite = new AtomicReference<>();
        Thread stuck = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(bytes(3, 0));
                buffer.write(bytes(3, 3)); // cuts bytes 0..2, flushes them inline: stuck; 3..5 in the new half
            } catch (Throwable t) {
                stuckWrite.set(t);
            }
        });
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        assertEquals(6, buffer.close(java.time.Duration.ofMillis(100)));
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertArrayEquals(bytes(3, 3), concat(f.undelivered()), "accepted, never handed to the flusher");
        assertArrayEquals(bytes(3, 0), concat(f.inDoubt()), "inside the stuck flusher call");
        assertInstanceOf(java.util.concurrent.TimeoutException.class, f.getCause());
        assertThrows(FlushFailedException.class, () -> buffer.write(bytes(1, 9)));
        assertThrows(FlushFailedException.class, buffer::close);
        release.countDown();
        stuck.join(10_000);
        assertEquals(null, stuckWrite.get(), "the stuck write returns normally once its flusher call does");
        assertEquals(1, calls.get(), "no flusher call after close(Duration) gave up");
    }

    @Test
    void closeWithTimeout_givingUpWhileAnOversizedWriteWaitsBehindItsCut_reportsItsBytesUndelivered() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            calls.incrementAndGet();
            inFlusher.countDown();
            await(release);
        });
        buffer.write(bytes(2, 0));
        AtomicReference<Throwable> onWrite = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().start(() -> {
            try {
                buffer.write(bytes(6, 10)); // cuts bytes 0..1 and flushes them inline: stuck
            } catch (Throwable t) {
                onWrite.set(t);
            }
        });
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        assertEquals(2 + 6, buffer.close(java.time.Duration.ofMillis(100)), "the cut in doubt, the write undelivered");
        release.countDown();
        writer.join(10_000);
        assertFalse(writer.isAlive());
        FlushFailedException own = assertInstanceOf(FlushFailedException.class, onWrite.get(), "its write failed");
        assertArrayEquals(bytes(6, 10), concat(own.undelivered()), "the writer's accepted bytes are in its exception");
        FlushFailedException later = assertThrows(FlushFailedException.class, buffer::flush);
        assertArrayEquals(bytes(6, 10), concat(later.undelivered()), "accepted, never handed to the flusher");
        assertArrayEquals(bytes(2, 0), concat(later.inDoubt()), "inside the stuck flusher call");
        assertEquals(1, calls.get(), "no flusher call after close(Duration) gave up");
        assertEquals(6, buffer.metrics().pending());
    }

    @Test
    void metricsLag_ofAnOversizedWrite_countsFromItsAcceptance_andOfACutFromTheCutBefore() throws Exception {
        CountDownLatch inFlusher = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Long> entered = new AtomicReference<>();
        long created = System.nanoTime();
        ByteBatchBuffer buffer = new ByteBatchBuffer(4, batch -> {
            if (batch.remaining() == 6) {
                entered.set(System.nanoTime());
                inFlusher.countDown();
                await(release);
            }
        });
        Thread.sleep(30);
        long writeStarted = System.nanoTime();
        Thread writer = Thread.ofPlatform().start(() -> buffer.write(bytes(6, 0))); // delivered alone
        assertTrue(inFlusher.await(10, TimeUnit.SECONDS));
        Thread.sleep(20);
        long before = System.nanoTime();
        long running = buffer.metrics().lagNanos();
        long after = System.nanoTime();
        assertTrue(running >= before - entered.get(), "accepted before its call began: " + running);
        assertTrue(running <= after - writeStarted, "counted from its acceptance, not from creation: " + running);
        release.countDown();
        writer.join(10_000);
        buffer.write(bytes(1, 0));
        long written = System.nanoTime();
        Thread.sleep(20);
        buffer.flush(); // cuts [0]; the cut before it was creation (the oversized write cut nothing)
        long flushed = System.nanoTime();
        long last = buffer.metrics().lagNanos();
        assertTrue(last >= written - writeStarted + 20_000_000L, "dated by the cut before its own: " + last);
        assertTrue(last <= flushed - created);
    }

    @Test
    void closeWithTimeout_deliversAndReturnsZero_whenNothingIsStuck() {
        Recorder recorder = new Recorder(8, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(8, recorder);
        buffer.write(bytes(5, 0));
        assertEquals(0, buffer.close(java.time.Duration.ofSeconds(10)));
        assertArrayEquals(bytes(5, 0), recorder.all());
    }

    @Test
    void outputStreamFace_mapsWritesFlushAndClose() throws Exception {
        Recorder recorder = new Recorder(16, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(16, recorder);
        OutputStream out = buffer.asOutputStream();
        assertSame(out, buffer.asOutputStream());
        out.write(0);
        out.write(257); // the low byte, as OutputStream.write(int) promises
        out.write(bytes(6, 2));
        out.write(bytes(10, 0), 8, 2);
        out.flush();
        assertEquals(1, recorder.batches().size(), "flush() is the buffer's flush");
        recorder.allowOversized = true;
        out.write(bytes(20, 0)); // oversized through the stream too
        out.close();
        assertFalse(buffer.isOpen(), "close() is the buffer's close");
        byte[] expected = new byte[30];
        System.arraycopy(bytes(10, 0), 0, expected, 0, 10);
        expected[1] = 1;
        System.arraycopy(bytes(20, 0), 0, expected, 10, 20);
        recorder.assertNoViolations();
        assertArrayEquals(expected, recorder.all());
        assertThrows(IndexOutOfBoundsException.class, () -> out.write(new byte[2], 1, 2));
    }

    @Test
    void printStreamOnTop_roundTripsText() {
        Recorder recorder = new Recorder(64, false);
        ByteBatchBuffer buffer = new ByteBatchBuffer(64, false, recorder);
        StringBuilder expected = new StringBuilder();
        try (PrintStream print = new PrintStream(buffer.asOutputStream(), false, UTF_8)) {
            for (int i = 0; i < 200; i++) {
                String line = "line " + i + " \u00e9\u00e8 \u2603 " + "x".repeat(i % 90);
                print.println(line);
                expected.append(line).append(System.lineSeparator());
            }
        }
        assertFalse(buffer.isOpen());
        assertEquals(expected.toString(), new String(recorder.all(), UTF_8));
    }

    @Test
    void channelFace_writeReturnsCountAndChannelsWriterRoundTrips() throws Exception {
        Recorder recorder = new Recorder(32, true);
        ByteBatchBuffer buffer = new ByteBatchBuffer(32, recorder);
        ByteBuffer src = ByteBuffer.wrap(bytes(10, 0)).position(4).limit(9);
        assertEquals(5, buffer.write(src));
        assertEquals(9, src.position());
        assertEquals(9, src.limit());
        try (Writer writer = Channels.newWriter(buffer, UTF_8)) {
            writer.write("h\u00e9llo, channel");
        }
        assertFalse(buffer.isOpen());
        byte[] text = "h\u00e9llo, channel".getBytes(UTF_8);
        byte[] expected = new byte[5 + text.length];
        System.arraycopy(bytes(10, 0), 4, expected, 0, 5);
        System.arraycopy(text, 0, expected, 5, text.length);
        assertArrayEquals(expected, recorder.all());
    }

    @Test
    void flush_returnsAfterTheFlusherReturnedForEarlierWrites() throws Exception {
        AtomicInteger flushed = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(1024, batch -> flushed.addAndGet(batch.remaining()));
        runThreads(3, id -> {
            for (int i = 0; i < 500; i++) {
                buffer.write(bytes(3, i));
                if (i % 50 == 0) {
                    int before = i * 3 + 3;
                    buffer.flush();
                    assertTrue(flushed.get() >= before, "flush() returned before this thread's bytes were flushed");
                }
            }
        });
        buffer.close();
        assertEquals(3 * 500 * 3, flushed.get());
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void steadyStateWrites_allocateNothingPerWrite(boolean direct) throws Exception {
        // com.sun.management.ThreadMXBean by reflection: the test module does not read jdk.management.
        Object threads = Class.forName("java.lang.management.ManagementFactory")
                .getMethod("getThreadMXBean")
                .invoke(null);
        java.lang.reflect.Method allocated =
                Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        AtomicInteger sink = new AtomicInteger();
        ByteBatchBuffer buffer = new ByteBatchBuffer(1 << 16, direct, batch -> sink.addAndGet(batch.remaining()));
        byte[] record = bytes(24, 0);
        ByteBuffer source = ByteBuffer.allocateDirect(24);
        ByteBuffer[] group = {ByteBuffer.allocate(8), ByteBuffer.allocateDirect(16)};
        OutputStream out = buffer.asOutputStream();
        int writes = 200_000;
        int rounds = 0;
        List<Long> perWrite = new ArrayList<>();
        // The first round lets the JIT settle; a later one-off (class loading, deoptimization) is
        // forgiven by taking the best later round, a per-write allocation shows in every round.
        while (rounds < 2 || (perWrite.get(perWrite.size() - 1) != 0 && rounds < 5)) {
            rounds++;
            long before = (long) allocated.invoke(threads);
            for (int i = 0; i < writes; i++) {
                switch (i & 3) {
                    case 0 -> buffer.write(record);
                    case 1 -> buffer.write(source.clear());
                    case 2 -> {
                        group[0].clear();
                        group[1].clear();
                        buffer.writeV(group);
                    }
                    default -> out.write(i);
                }
            }
            perWrite.add(((long) allocated.invoke(threads) - before) / writes);
        }
        assertEquals(
                0L,
                perWrite.get(perWrite.size() - 1),
                "bytes allocated per write in rounds " + perWrite + " (flusher calls may allocate per batch)");
        buffer.close();
        assertEquals(rounds * (writes / 4) * (24 + 24 + 24 + 1), sink.get());
    }

    // ---------------------------------------------------------------------------------------

    static byte[] bytes(int n, int from) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    static byte[] concat(List<?> buffers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : buffers) {
            ByteBuffer b = ((ByteBuffer) o).duplicate();
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.writeBytes(chunk);
        }
        return out.toByteArray();
    }

    static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static void awaitWaiting(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "thread never blocked");
            Thread.sleep(1);
        }
        assertNotNull(t);
    }
}
