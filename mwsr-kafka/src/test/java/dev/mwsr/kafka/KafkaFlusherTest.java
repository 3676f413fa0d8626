package dev.mwsr.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.FlushFailedException;
import dev.mwsr.PartialFlushException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * KafkaFlusher against one real in-process KRaft broker (127.0.0.1) for the whole class; each test
 * has its own topic. Tests that stop the broker start it again before they end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class KafkaFlusherTest {
    /** A value over the test producers' max.request.size: its send fails, the others' do not. */
    private static final int MAX_REQUEST = 16 * 1024;

    private static final String HUGE = "x".repeat(2 * MAX_REQUEST);

    private TestBroker broker;
    private final AtomicInteger topics = new AtomicInteger();

    @BeforeAll
    void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private String newTopic(int partitions) throws Exception {
        String topic = "t" + topics.incrementAndGet();
        broker.createTopic(topic, partitions);
        return topic;
    }

    private static AsyncBuffer<ProducerRecord<String, String>> buffer(KafkaFlusher<String, String> flusher) {
        return AsyncBuffer.<ProducerRecord<String, String>>builder(flusher)
                .capacity(8192)
                .build();
    }

    private static String value(int writer, int seq) {
        return writer + ":" + seq;
    }

    private static String key(int seq) {
        return "k" + (seq % 3);
    }

    /**
     * Writers 0..writers-1 each wrote records 0..perWriter-1 with {@link #key}/{@link #value}:
     * checks every one arrived, exactly once if {@code exactlyOnce} (else at least once), and that
     * each writer's records with one key arrived in the order written (first arrivals).
     */
    private static void assertDelivered(
            List<ConsumerRecord<String, String>> records, int writers, int perWriter, boolean exactlyOnce) {
        Set<String> seen = new HashSet<>();
        Map<String, Integer> lastSeq = new HashMap<>();
        int duplicates = 0;
        for (ConsumerRecord<String, String> r : records) {
            if (!seen.add(r.value())) {
                duplicates++;
                continue;
            }
            int colon = r.value().indexOf(':');
            int seq = Integer.parseInt(r.value().substring(colon + 1));
            assertEquals(key(seq), r.key(), "key of " + r.value());
            String stream = r.value().substring(0, colon) + "/" + r.key();
            Integer last = lastSeq.put(stream, seq);
            if (last != null && last >= seq) {
                fail("writer/key " + stream + ": record " + seq + " arrived after " + last);
            }
        }
        if (exactlyOnce) {
            assertEquals(0, duplicates, "records seen twice");
        }
        for (int w = 0; w < writers; w++) {
            for (int s = 0; s < perWriter; s++) {
                if (!seen.contains(value(w, s))) {
                    fail("record " + value(w, s) + " missing (" + seen.size() + " distinct arrived)");
                }
            }
        }
        assertEquals(writers * perWriter, seen.size(), "distinct records");
    }

    /** Runs {@code writers} threads from {@code virtual}/platform builders, each writing perWriter records. */
    private static long writeAll(
            AsyncBuffer<ProducerRecord<String, String>> buffer,
            String topic,
            int writers,
            int perWriter,
            boolean virtual,
            int fromSeq)
            throws InterruptedException {
        AtomicLong slowest = new AtomicLong();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        Thread.Builder builder = virtual ? Thread.ofVirtual() : Thread.ofPlatform();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            threads.add(builder.start(() -> {
                try {
                    for (int s = fromSeq; s < fromSeq + perWriter; s++) {
                        long t0 = System.nanoTime();
                        buffer.write(new ProducerRecord<>(topic, key(s), value(writer, s)));
                        slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("a writer failed", errors.get(0));
        }
        return slowest.get();
    }

    @Test
    void of_rejectsNullProducer() {
        assertThrows(NullPointerException.class, () -> KafkaFlusher.of(null));
    }

    @Test
    void transactional_rejectsNullSupplier() {
        assertThrows(NullPointerException.class, () -> KafkaFlusher.transactional(null));
    }

    /** {@link KafkaFlusher#of}: at least once, the producer owned by the caller. */
    @Nested
    class AtLeastOnce {
        @Test
        void platformWriters_everyRecordArrivesOnce_inOrderPerKey() throws Exception {
            String topic = newTopic(4);
            try (Producer<String, String> producer = broker.producer();
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer = buffer(flusher);
                writeAll(buffer, topic, 4, 25_000, false, 0);
                buffer.close();
                assertEquals(100_000, buffer.metrics().written());
            }
            assertDelivered(broker.readAll(topic, false), 4, 25_000, true);
        }

        @Test
        void virtualWriters_everyRecordArrivesOnce_inOrderPerKey() throws Exception {
            String topic = newTopic(4);
            try (Producer<String, String> producer = broker.producer();
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer = buffer(flusher);
                writeAll(buffer, topic, 10_000, 6, true, 0);
                buffer.close();
            }
            assertDelivered(broker.readAll(topic, false), 10_000, 6, true);
        }

        @Test
        void writeV_groupArrivesContiguousAndInOrder() throws Exception {
            String topic = newTopic(1);
            int groups = 2_000;
            try (Producer<String, String> producer = broker.producer();
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer = buffer(flusher);
                List<Thread> threads = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    int writer = w;
                    threads.add(Thread.ofPlatform().start(() -> {
                        for (int g = 0; g < groups; g++) {
                            List<ProducerRecord<String, String>> group = new ArrayList<>();
                            for (int i = 0; i < 5; i++) {
                                group.add(new ProducerRecord<>(topic, "g", writer + ":" + g + ":" + i));
                            }
                            buffer.writeV(group);
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                buffer.close();
            }
            List<ConsumerRecord<String, String>> records = broker.readAll(topic, false);
            assertEquals(4 * groups * 5, records.size());
            for (int at = 0; at < records.size(); at += 5) {
                String head = records.get(at).value();
                String prefix = head.substring(0, head.lastIndexOf(':') + 1);
                for (int i = 0; i < 5; i++) {
                    assertEquals(prefix + i, records.get(at + i).value(), "group member at offset " + (at + i));
                }
            }
        }

        @Test
        void failedRecord_reportsAcknowledgedPrefixAsDurable() throws Exception {
            String topic = newTopic(1);
            Map<String, Object> config = broker.producerConfig();
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST);
            List<ProducerRecord<String, String>> batch = List.of(
                    new ProducerRecord<>(topic, "a", "0"),
                    new ProducerRecord<>(topic, "a", "1"),
                    new ProducerRecord<>(topic, "a", "2"),
                    new ProducerRecord<>(topic, "a", HUGE),
                    new ProducerRecord<>(topic, "a", "4"));
            try (Producer<String, String> producer = new KafkaProducer<>(config);
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                PartialFlushException e = assertThrows(PartialFlushException.class, () -> flusher.accept(batch));
                assertEquals(3, e.durable(), e.getMessage());
                assertInstanceOf(RecordTooLargeException.class, e.getCause());
                assertTrue(e.getMessage().contains(topic), e.getMessage());
            }
            // The acknowledged prefix really is in Kafka; the record after the one that failed in
            // send() was not sent at all (it could not count as durable).
            List<String> values = broker.readAll(topic, false).stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertEquals(List.of("0", "1", "2"), values);
        }

        @Test
        void brokerUnreachable_writersNotBlocked_failureReachesFlushWithEveryRecordUndelivered() throws Exception {
            String topic = "unreachable";
            int records = 1_000;
            Map<String, Object> config = TestBroker.producerConfig("127.0.0.1:" + TestBroker.closedPort());
            try (Producer<String, String> producer = new KafkaProducer<>(config);
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer = buffer(flusher);
                long slowest = writeAll(buffer, topic, 1, records, false, 0);
                // The drainer waits max.block.ms (3 s) for metadata; a writer must not.
                assertTrue(slowest < Duration.ofSeconds(1).toNanos(), "a write took " + slowest / 1_000_000 + " ms");
                FlushFailedException failed = assertThrows(FlushFailedException.class, buffer::flush);
                assertInstanceOf(PartialFlushException.class, failed.getCause());
                assertEquals(0, ((PartialFlushException) failed.getCause()).durable());
                Set<Object> undelivered = new HashSet<>();
                for (Object r : failed.undelivered()) {
                    undelivered.add(((ProducerRecord<?, ?>) r).value());
                }
                assertEquals(records, undelivered.size(), "every accepted record is reported undelivered");
                assertThrows(FlushFailedException.class, buffer::close);
            }
        }

        @Test
        void brokerStoppedMidRun_withRetry_everyRecordArrivesWhenItIsBack() throws Exception {
            String topic = newTopic(2);
            int writers = 4;
            try (Producer<String, String> producer = broker.producer();
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer =
                        AsyncBuffer.<ProducerRecord<String, String>>builder(flusher)
                                .capacity(100_000)
                                .retryFailedBatches(Duration.ofMillis(200))
                                .build();
                writeAll(buffer, topic, writers, 1_000, false, 0);
                buffer.flush();
                broker.stop();
                try {
                    long slowest = writeAll(buffer, topic, writers, 2_000, false, 1_000);
                    assertTrue(
                            slowest < Duration.ofSeconds(1).toNanos(),
                            "a write took " + slowest / 1_000_000 + " ms with the broker down");
                    Thread.sleep(1_000); // let the drainer fail and retry while the broker is down
                } finally {
                    broker.restart();
                }
                assertEquals(0, buffer.close(Duration.ofSeconds(60)), "records given up on");
                assertTrue(buffer.metrics().failures() > 0, "the broker outage was seen: " + buffer.metrics());
            }
            assertDelivered(broker.readAll(topic, false), writers, 3_000, false);
        }

        @Test
        void closeWithTimeout_brokerUnreachable_givesUpReportsTheRecords_andTheWaitEnds() throws Exception {
            Map<String, Object> config = TestBroker.producerConfig("127.0.0.1:" + TestBroker.closedPort());
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
            Producer<String, String> producer = new KafkaProducer<>(config);
            KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer);
            List<Thread> drainer = new CopyOnWriteArrayList<>();
            AsyncBuffer<ProducerRecord<String, String>> buffer = AsyncBuffer.<ProducerRecord<String, String>>builder(
                            flusher)
                    .retryFailedBatches(Duration.ofMillis(100))
                    .threadFactory(r -> {
                        Thread t = Thread.ofPlatform().unstarted(r);
                        drainer.add(t);
                        return t;
                    })
                    .build();
            writeAll(buffer, "nowhere", 1, 100, false, 0);
            assertEquals(100, buffer.close(Duration.ofSeconds(1)));
            // mwsr never interrupts a flusher call: the drainer is still inside it, waiting for
            // metadata (up to max.block.ms = 60 s), and the records are reported, none lost.
            assertTrue(drainer.get(0).isAlive(), "close(Duration) must not interrupt the flusher call");
            FlushFailedException failed = assertThrows(FlushFailedException.class, buffer::flush);
            assertEquals(100, failed.inDoubt().size() + failed.undelivered().size(), "every record reported");
            // Closing the flusher and then the producer ends the wait, so the drainer ends too.
            flusher.close();
            producer.close(Duration.ofSeconds(5));
            drainer.get(0).join(Duration.ofSeconds(15));
            assertTrue(!drainer.get(0).isAlive(), "the drainer still waits for Kafka after the producer closed");
        }

        @Test
        void close_leavesTheCallersProducerOpen_andRefusesLaterBatches() throws Exception {
            String topic = newTopic(1);
            try (Producer<String, String> producer = broker.producer()) {
                KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer);
                flusher.accept(List.of(new ProducerRecord<>(topic, "a", "before")));
                flusher.close();
                flusher.close();
                assertThrows(
                        IllegalStateException.class,
                        () -> flusher.accept(List.of(new ProducerRecord<>(topic, "a", "after"))));
                producer.send(new ProducerRecord<>(topic, "a", "producer")).get();
            }
            List<String> values = broker.readAll(topic, false).stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertEquals(List.of("before", "producer"), values);
        }
    }

    /** {@link KafkaFlusher#transactional}: one transaction per batch, producers from a supplier. */
    @Nested
    class Transactional {
        private final AtomicInteger ids = new AtomicInteger();

        /** Counts the producers it made; all with one transactional.id. */
        private final class Producers implements Supplier<Producer<String, String>> {
            final String id = "txn-" + ids.incrementAndGet();
            final List<Producer<String, String>> made = new CopyOnWriteArrayList<>();
            final Map<String, Object> config;

            Producers(Map<String, Object> config) {
                this.config = new HashMap<>(config);
                this.config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
            }

            Producers() {
                this(broker.producerConfig());
            }

            @Override
            public Producer<String, String> get() {
                Producer<String, String> p = new KafkaProducer<>(config);
                made.add(p);
                return p;
            }
        }

        @Test
        void platformWriters_everyRecordSeenOnceByReadCommitted_inOrderPerKey() throws Exception {
            String topic = newTopic(4);
            Producers producers = new Producers();
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(producers)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer = buffer(flusher);
                writeAll(buffer, topic, 4, 10_000, false, 0);
                buffer.close();
            }
            assertDelivered(broker.readAll(topic, true), 4, 10_000, true);
            assertEquals(1, producers.made.size());
        }

        @Test
        void batchFailingForGood_isAborted_readCommittedSeesNoneOfIt() throws Exception {
            String topic = newTopic(1);
            Map<String, Object> config = broker.producerConfig();
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST);
            Producers producers = new Producers(config);
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(producers)) {
                flusher.accept(List.of(new ProducerRecord<>(topic, "a", "committed-1")));
                List<ProducerRecord<String, String>> doomed = List.of(
                        new ProducerRecord<>(topic, "a", "doomed-0"),
                        new ProducerRecord<>(topic, "a", HUGE),
                        new ProducerRecord<>(topic, "a", "doomed-2"));
                KafkaException e = assertThrows(KafkaException.class, () -> flusher.accept(doomed));
                assertTrue(e.getMessage().contains("aborted"), e.getMessage());
                flusher.accept(List.of(new ProducerRecord<>(topic, "a", "committed-2")));
            }
            List<String> committed = broker.readAll(topic, true).stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertEquals(List.of("committed-1", "committed-2"), committed);
        }

        @Test
        void brokerStoppedThenStarted_batchRetried_eachRecordSeenOnce() throws Exception {
            String topic = newTopic(2);
            Producers producers = new Producers();
            int writers = 4;
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(producers)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer =
                        AsyncBuffer.<ProducerRecord<String, String>>builder(flusher)
                                .capacity(100_000)
                                .retryFailedBatches(Duration.ofMillis(200))
                                .build();
                writeAll(buffer, topic, writers, 1_000, false, 0);
                buffer.flush();
                broker.stop();
                try {
                    long slowest = writeAll(buffer, topic, writers, 2_000, false, 1_000);
                    assertTrue(
                            slowest < Duration.ofSeconds(1).toNanos(),
                            "a write took " + slowest / 1_000_000 + " ms with the broker down");
                    Thread.sleep(1_000);
                } finally {
                    broker.restart();
                }
                assertEquals(0, buffer.close(Duration.ofSeconds(60)), "records given up on");
                assertTrue(buffer.metrics().failures() > 0, "the broker outage was seen: " + buffer.metrics());
            }
            assertDelivered(broker.readAll(topic, true), writers, 3_000, true);
        }

        @Test
        @Timeout(30) // a fenced producer kept in use would make the retrying buffer spin forever
        void fencedProducer_isReplacedFromTheSupplier_andNothingIsSeenTwice() throws Exception {
            String topic = newTopic(1);
            Producers producers = new Producers();
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(producers)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer =
                        AsyncBuffer.<ProducerRecord<String, String>>builder(flusher)
                                .retryFailedBatches(Duration.ofMillis(50))
                                .build();
                buffer.write(new ProducerRecord<>(topic, "a", "first"));
                buffer.flush();
                // Another instance with the same transactional.id fences ours.
                try (Producer<String, String> usurper = producers.get()) {
                    usurper.initTransactions();
                }
                buffer.write(new ProducerRecord<>(topic, "a", "second"));
                assertEquals(0, buffer.close(Duration.ofSeconds(20)), "records given up on");
                assertTrue(buffer.metrics().failures() > 0, "the fenced producer failed a call");
            }
            List<String> committed = broker.readAll(topic, true).stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertEquals(List.of("first", "second"), committed);
            assertEquals(3, producers.made.size(), "ours, the usurper, and our replacement");
        }

        @Test
        void commitThatTimesOut_isRetriedNotAborted_batchSeenOnce() throws Exception {
            String topic = newTopic(1);
            Producers real = new Producers();
            List<BrokerDownAtCommit> made = new CopyOnWriteArrayList<>();
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(() -> {
                BrokerDownAtCommit p = new BrokerDownAtCommit(real.get());
                made.add(p);
                return p;
            })) {
                flusher.accept(List.of(
                        new ProducerRecord<>(topic, "a", "r0"),
                        new ProducerRecord<>(topic, "a", "r1"),
                        new ProducerRecord<>(topic, "a", "r2")));
            } finally {
                for (BrokerDownAtCommit p : made) {
                    p.restarted.join();
                }
            }
            assertEquals(1, made.size(), "the producer was kept");
            BrokerDownAtCommit producer = made.get(0);
            assertTrue(producer.commits.get() > 1, "the commit timed out and was retried: " + producer.commits);
            assertEquals(0, producer.aborts.get(), "a commit in doubt must not be aborted");
            List<String> committed = broker.readAll(topic, true).stream()
                    .map(ConsumerRecord::value)
                    .toList();
            assertEquals(List.of("r0", "r1", "r2"), committed);
        }

        @Test
        void producerWithoutTransactionalId_isAClearError() throws Exception {
            try (KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(broker::producer)) {
                IllegalStateException e = assertThrows(
                        IllegalStateException.class,
                        () -> flusher.accept(List.of(new ProducerRecord<>("none", "a", "b"))));
                assertTrue(e.getMessage().contains("transactional.id"), e.getMessage());
            }
        }

        @Test
        void close_closesTheProducerItTook() throws Exception {
            String topic = newTopic(1);
            Producers producers = new Producers();
            KafkaFlusher<String, String> flusher = KafkaFlusher.transactional(producers);
            flusher.accept(List.of(new ProducerRecord<>(topic, "a", "b")));
            flusher.close();
            Producer<String, String> taken = producers.made.get(0);
            IllegalStateException e = assertThrows(IllegalStateException.class, taken::beginTransaction);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertThrows(
                    IllegalStateException.class, () -> flusher.accept(List.of(new ProducerRecord<>(topic, "a", "c"))));
        }

        /**
         * A real transactional producer whose first commit finds the broker stopped: once its
         * records are acknowledged, the broker is stopped, then started again 4 s later (longer
         * than max.block.ms, 3 s), so that the first commitTransaction() times out.
         */
        private final class BrokerDownAtCommit extends DelegatingProducer {
            final AtomicInteger commits = new AtomicInteger();
            final AtomicInteger aborts = new AtomicInteger();
            volatile Thread restarted = Thread.ofPlatform().unstarted(() -> {});

            BrokerDownAtCommit(Producer<String, String> producer) {
                super(producer);
            }

            @Override
            public void commitTransaction() {
                if (commits.getAndIncrement() == 0) {
                    delegate.flush();
                    broker.stop();
                    restarted = Thread.ofPlatform().start(() -> {
                        try {
                            Thread.sleep(4_000);
                            broker.restart();
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    });
                }
                delegate.commitTransaction();
            }

            @Override
            public void abortTransaction() {
                aborts.incrementAndGet();
                delegate.abortTransaction();
            }
        }
    }
}
