package dev.mwsr.kafka;

import dev.mwsr.AsyncBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A short, indicative comparison on the in-process broker (not a unit test, not JMH: a broker in
 * the same JVM does not fit JMH's forks): 100-byte records from 4 threads to a 1-partition topic,
 * mwsr ({@code AsyncBuffer} + {@link KafkaFlusher}, both ways of waiting) against every thread
 * calling {@code KafkaProducer.send} directly. Prints throughput per round (end to end: until
 * every record is acknowledged) and the writers' per-call latency at a paced load below
 * saturation, and with the broker stopped (mwsr: DROP_NEWEST and the retrying policy, so
 * writers never wait; direct: every send waits up to max.block.ms for metadata). Arguments:
 * records per throughput run (default 400000), rounds (default 2; 0 skips the throughput runs).
 */
public final class KafkaComparison {
    private static final int THREADS = 4;
    private static final String VALUE = "v".repeat(100);

    private KafkaComparison() {}

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        try (TestBroker broker = TestBroker.start()) {
            System.out.printf("throughput: %d records of 100 bytes, %d threads, 1 partition%n", records, THREADS);
            for (int round = 1; round <= rounds; round++) {
                // The order rotates so that no side always runs first (warm-up) or last.
                double[] rate = new double[3];
                for (int k = 0; k < 3; k++) {
                    int side = (round + k) % 3;
                    rate[side] = switch (side) {
                        case 0 -> throughputDirect(broker, records);
                        case 1 -> throughputMwsr(broker, records, KafkaFlusher.Await.FLUSH);
                        default -> throughputMwsr(broker, records, KafkaFlusher.Await.FUTURES);
                    };
                }
                System.out.printf(
                        "round %d: direct send %.0f rec/s, mwsr+flush() %.0f rec/s (%.2fx), mwsr+futures %.0f rec/s"
                                + " (%.2fx)%n",
                        round, rate[0], rate[1], rate[1] / rate[0], rate[2], rate[2] / rate[0]);
            }
            for (KafkaFlusher.Await await : KafkaFlusher.Await.values()) {
                roundTrip(broker, await);
            }
            String topic = topic(broker);
            int rate = 5_000;
            try (Producer<String, String> forMwsr = producer(broker);
                    Producer<String, String> direct = producer(broker);
                    KafkaFlusher<String, String> flusher = KafkaFlusher.of(forMwsr)) {
                AsyncBuffer<ProducerRecord<String, String>> buffer =
                        AsyncBuffer.<ProducerRecord<String, String>>builder(flusher)
                                .capacity(8192)
                                .overflow(AsyncBuffer.OverflowPolicy.DROP_NEWEST)
                                .retryFailedBatches(Duration.ofMillis(100))
                                .build();
                print("paced " + THREADS + "x" + rate + "/s, broker up: mwsr write()", paced(rate, 3, r -> {
                    buffer.write(new ProducerRecord<>(topic, r));
                }));
                print("paced " + THREADS + "x" + rate + "/s, broker up: direct send()", paced(rate, 3, r -> {
                    direct.send(new ProducerRecord<>(topic, r));
                }));
                broker.stop();
                try {
                    print("paced, broker DOWN: mwsr write() (DROP_NEWEST)", paced(rate, 3, r -> {
                        buffer.write(new ProducerRecord<>(topic, r));
                    }));
                    print("paced, broker DOWN: direct send()", paced(rate, 3, r -> {
                        direct.send(new ProducerRecord<>(topic, r));
                    }));
                    System.out.println("mwsr metrics with the broker down: " + buffer.metrics());
                    System.out.println(
                            "mwsr close(1 s) gave up on " + buffer.close(Duration.ofSeconds(1)) + " records");
                } finally {
                    forMwsr.close(Duration.ZERO);
                    direct.close(Duration.ZERO);
                }
            }
        }
    }

    /** One record then flush(), 200 times: what one small mwsr batch waits for in each mode. */
    private static void roundTrip(TestBroker broker, KafkaFlusher.Await await) throws Exception {
        String topic = topic(broker);
        try (Producer<String, String> producer = producer(broker);
                KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer, await)) {
            AsyncBuffer<ProducerRecord<String, String>> buffer = new AsyncBuffer<>(1024, flusher);
            long[] took = new long[200];
            for (int i = 0; i < took.length; i++) {
                long t0 = System.nanoTime();
                buffer.write(new ProducerRecord<>(topic, VALUE));
                buffer.flush();
                took[i] = System.nanoTime() - t0;
            }
            buffer.close();
            Arrays.sort(took);
            print("write+flush() of one record, wait by " + await, took);
        }
    }

    private static String topic(TestBroker broker) throws Exception {
        String topic = "bench-" + System.nanoTime();
        broker.createTopic(topic, 1);
        return topic;
    }

    /** The same settings for both sides; buffer.memory small so that an outage fills it quickly. */
    private static Producer<String, String> producer(TestBroker broker) {
        Map<String, Object> config = broker.producerConfig();
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 4 * 1024 * 1024);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(config);
    }

    private static double throughputDirect(TestBroker broker, int records) throws Exception {
        String topic = topic(broker);
        try (Producer<String, String> producer = producer(broker)) {
            long t0 = System.nanoTime();
            runThreads(records / THREADS, i -> producer.send(new ProducerRecord<>(topic, VALUE)));
            producer.flush();
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static double throughputMwsr(TestBroker broker, int records, KafkaFlusher.Await await) throws Exception {
        String topic = topic(broker);
        try (Producer<String, String> producer = producer(broker);
                KafkaFlusher<String, String> flusher = KafkaFlusher.of(producer, await)) {
            AsyncBuffer<ProducerRecord<String, String>> buffer = AsyncBuffer.<ProducerRecord<String, String>>builder(
                            flusher)
                    .capacity(8192)
                    .build();
            long t0 = System.nanoTime();
            runThreads(records / THREADS, i -> buffer.write(new ProducerRecord<>(topic, VALUE)));
            buffer.close();
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private interface Call {
        void run(String value) throws Exception;
    }

    private interface Indexed {
        void run(int i) throws Exception;
    }

    private static void runThreads(int perThread, Indexed call) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        call.run(i);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Each thread calls at {@code rate}/s for {@code seconds}; returns every call's latency (ns). */
    private static long[] paced(int rate, int seconds, Call call) throws InterruptedException {
        int perThread = rate * seconds;
        long[][] latencies = new long[THREADS][perThread];
        int[] done = new int[THREADS];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.add(Thread.ofPlatform().start(() -> {
                long period = 1_000_000_000L / rate;
                long start = System.nanoTime();
                long end = start + seconds * 1_000_000_000L;
                for (int i = 0; i < perThread && System.nanoTime() < end; i++) {
                    long due = start + i * period;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    long t0 = System.nanoTime();
                    try {
                        call.run(VALUE);
                    } catch (Exception e) {
                        // a failed call still took its time: counted below
                    }
                    latencies[thread][i] = System.nanoTime() - t0;
                    done[thread] = i + 1;
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all = new long[Arrays.stream(done).sum()];
        int at = 0;
        for (int t = 0; t < THREADS; t++) {
            System.arraycopy(latencies[t], 0, all, at, done[t]);
            at += done[t];
        }
        Arrays.sort(all);
        return all;
    }

    private static void print(String what, long[] sorted) {
        if (sorted.length == 0) {
            System.out.println(what + ": no calls");
            return;
        }
        System.out.printf(
                "%s: %d calls, p50 %.1f us, p99 %.1f us, max %.1f ms%n",
                what,
                sorted.length,
                sorted[sorted.length / 2] / 1e3,
                sorted[(int) (sorted.length * 0.99)] / 1e3,
                sorted[sorted.length - 1] / 1e6);
    }
}
