package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PreparingFlusherTest {
    /** Prepares "x" as "<x>" and records where; "bad" cannot be prepared. */
    static final class Brackets implements PreparingFlusher<CharSequence, String> {
        final Set<String> preparedOn = ConcurrentHashMap.newKeySet();
        final List<Object> prepared = new CopyOnWriteArrayList<>();
        final List<Object> plain = new CopyOnWriteArrayList<>();
        final List<List<Object>> plainCalls = new CopyOnWriteArrayList<>();
        volatile boolean failNext;

        @Override
        public String prepare(CharSequence item) {
            if (item.toString().equals("bad")) {
                throw new IllegalArgumentException("cannot prepare 'bad'");
            }
            if (item.toString().equals("null")) {
                return null;
            }
            preparedOn.add(Thread.currentThread().getName());
            return "<" + item + ">";
        }

        @Override
        public void acceptPrepared(List<? extends String> batch) {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("sink down");
            }
            prepared.addAll(batch);
        }

        @Override
        public void accept(List<? extends CharSequence> batch) {
            plain.addAll(batch);
            plainCalls.add(List.copyOf(batch));
        }
    }

    @Test
    void asyncBuffer_preparesOnTheWritingThreads_andHandsOnThePreparedForms() throws Exception {
        Brackets flusher = new Brackets();
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(64, flusher)) {
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int id = w;
                writers.add(new Thread(
                        () -> {
                            for (int i = 0; i < 100; i++) {
                                buffer.write(id + ":" + i);
                            }
                            buffer.writeV(id + ":g1", id + ":g2");
                            assertTrue(buffer.offer(id + ":t", Duration.ofSeconds(10)));
                        },
                        "writer-" + w));
            }
            writers.forEach(Thread::start);
            for (Thread t : writers) {
                t.join();
            }
            buffer.flush();
            assertEquals(Set.of("writer-0", "writer-1", "writer-2"), flusher.preparedOn);
            assertEquals(List.of(), flusher.plain);
            assertEquals(buffer.metrics().written(), flusher.prepared.size());
            for (int w = 0; w < 3; w++) {
                int g1 = flusher.prepared.indexOf("<" + w + ":g1>");
                assertEquals("<" + w + ":g2>", flusher.prepared.get(g1 + 1), "a group stays contiguous");
                for (int i = 0; i < 100; i++) {
                    assertTrue(flusher.prepared.contains("<" + w + ":" + i + ">"));
                }
            }
        }
    }

    @Test
    void prepareThrows_theWriterSeesIt_andNothingOfTheCallIsWritten() {
        Brackets flusher = new Brackets();
        try (AsyncBuffer<String> buffer = new AsyncBuffer<>(8, flusher)) {
            assertThrows(IllegalArgumentException.class, () -> buffer.write("bad"));
            assertThrows(IllegalArgumentException.class, () -> buffer.writeV("a", "bad", "c"));
            assertThrows(IllegalArgumentException.class, () -> buffer.offer("bad", Duration.ofSeconds(1)));
            assertThrows(NullPointerException.class, () -> buffer.write("null"));
            buffer.writeV("d", "e"); // the group holder went back to its pool
            buffer.flush();
            assertEquals(List.of("<d>", "<e>"), flusher.prepared);
            assertEquals(2, buffer.metrics().enqueued());
        }
    }

    @Test
    void failedBuffer_undeliveredHoldsThePreparedForms() {
        Brackets flusher = new Brackets();
        flusher.failNext = true;
        AsyncBuffer<String> buffer = new AsyncBuffer<>(8, flusher);
        buffer.write("a");
        FlushFailedException e = assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(List.of("<a>"), e.undelivered());
    }

    @Test
    void withADeadLetterHandler_theItemsThemselvesGoToAccept() {
        Brackets flusher = new Brackets();
        List<List<String>> dead = new CopyOnWriteArrayList<>();
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(flusher)
                .retryFailedBatches(Duration.ofMillis(1), Duration.ofSeconds(1), dead::add)
                .build()) {
            buffer.write("bad"); // never prepared: accept receives it as written
            buffer.flush();
        }
        assertEquals(List.of("bad"), flusher.plain);
        assertEquals(List.of(), flusher.prepared);
        assertEquals(Set.of(), flusher.preparedOn);
    }

    @Test
    void withMaxBatchBytes_theItemsThemselvesGoToAccept_measuredByTheSizer() {
        Brackets flusher = new Brackets();
        try (AsyncBuffer<CharSequence> buffer = AsyncBuffer.<CharSequence>builder(flusher)
                .mode(AsyncBuffer.Mode.MANUAL)
                .maxBatchBytes(4, CharSequence::length)
                .build()) {
            buffer.write("bad"); // never prepared: prepare would throw
            buffer.writeAll(new CharSequence[] {"ab", "cd", "e"}, 0, 3);
            buffer.writeV("f", "g");
            buffer.flush();
        }
        assertEquals(List.of(List.of("bad"), List.of("ab", "cd"), List.of("e", "f", "g")), flusher.plainCalls);
        assertEquals(List.of(), flusher.prepared);
        assertEquals(Set.of(), flusher.preparedOn);
    }

    @Test
    void writeAll_preparesEveryItemOnTheCallingThread_beforeAdmission_aThrowWritesNothing() throws Exception {
        Brackets flusher = new Brackets();
        try (AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(flusher)
                .capacity(2)
                .mode(AsyncBuffer.Mode.MANUAL)
                .build()) {
            assertThrows(
                    IllegalArgumentException.class, () -> buffer.writeAll(new String[] {"a", "b", "c", "bad"}, 0, 4));
            assertEquals(0, buffer.metrics().enqueued(), "nothing of the call, not even its first chunk");
            flusher.preparedOn.clear();
            Thread writer =
                    new Thread(() -> buffer.writeAll(new String[] {"x", "a", "b", "c", "d"}, 1, 5), "writer-all");
            writer.start();
            writer.join();
            buffer.flush();
        }
        assertEquals(List.of("<a>", "<b>", "<c>", "<d>"), flusher.prepared);
        assertEquals(Set.of("writer-all"), flusher.preparedOn);
        assertEquals(List.of(), flusher.plain);
    }

    @Test
    void buffer_callsAccept() {
        Brackets flusher = new Brackets();
        try (Buffer<String> buffer = new Buffer<>(8, flusher)) {
            buffer.write("a");
            buffer.flush();
        }
        assertEquals(List.of("a"), flusher.plain);
        assertEquals(List.of(), flusher.prepared);
    }
}
