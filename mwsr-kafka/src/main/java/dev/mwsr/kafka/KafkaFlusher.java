package dev.mwsr.kafka;

import dev.mwsr.PartialFlushException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * A flusher that sends each batch of an mwsr buffer to Kafka and returns only when Kafka has
 * acknowledged every record of it, so the buffer's {@code flush()} means "in Kafka" (durable as
 * far as the producer's {@code acks} say) and its failure policy applies to what Kafka did not
 * take:
 *
 * <pre>{@code
 * Producer<String, String> producer = new KafkaProducer<>(config);
 * try (producer;
 *         KafkaFlusher<String, String> kafka = KafkaFlusher.of(producer);
 *         AsyncBuffer<ProducerRecord<String, String>> buffer = new AsyncBuffer<>(8192, kafka)) {
 *     buffer.write(new ProducerRecord<>("events", key, value));
 * } // closes the buffer (delivering everything), then the flusher, then the producer
 * }</pre>
 *
 * <p><b>At least once: {@link #of(Producer)}.</b> A call sends the batch's records in order, then
 * calls {@link Producer#flush()} and returns if every record was acknowledged. If one failed it
 * throws {@link PartialFlushException} whose {@link PartialFlushException#durable() durable()} is
 * the number of records at the start of the batch that Kafka acknowledged (the cause is the first
 * failure): the buffer counts those as delivered and retries, or reports as undelivered, only the
 * rest. Records after the first failed one that Kafka did acknowledge are retried too, so under a
 * retrying policy a consumer may see them twice: at least once, never lost. A record that fails
 * inside {@code send()} itself (no metadata within {@code max.block.ms}, a record over {@code
 * max.request.size}) ends the call there: the records after it are not sent. The caller owns the
 * producer: {@link #close()} leaves it open, and it may be shared (note that {@code flush()} then
 * also waits for the other users' records).
 *
 * <p><b>Exactly once for {@code read_committed} consumers: {@link #transactional(Supplier)}.</b>
 * Each batch is one Kafka transaction ({@code beginTransaction}, the sends, {@code
 * commitTransaction}), committed before the call returns. If anything fails the transaction is
 * aborted and the call throws a {@link KafkaException} (the whole batch counts as not delivered),
 * so a retried batch is never seen twice by a {@code read_committed} consumer. A producer that
 * cannot go on (fenced by another instance with the same {@code transactional.id}, or one whose
 * abort failed, for example with the broker down) is closed and replaced by the next from the
 * supplier, whose {@code initTransactions()} fences the old one and aborts its open transaction.
 * The supplier should therefore return producers with one and the same {@code transactional.id}
 * (one id per buffer). A commit that times out ({@code max.block.ms}) is retried, never aborted:
 * its outcome is unknown, and Kafka allows only a retry. The flusher owns the producers it takes
 * from the supplier and closes them in {@link #close()}.
 *
 * <p><b>Order.</b> Records are sent in batch order, so with the producer's default {@code
 * enable.idempotence=true} one thread's records with one key (one partition) arrive in the order
 * written, and a {@code writeV} group, which mwsr delivers in one call, is sent in order within one
 * batch (transactional: committed or aborted together). After a failure the retried records come
 * after those already acknowledged; when one record fails alone (too large, say) while later ones
 * of its partition succeed, its retry lands after them.
 *
 * <p><b>Batching once.</b> Kafka batches per partition ({@code batch.size} bytes, waiting up to
 * {@code linger.ms} for more). mwsr already cut the batch, so the flusher sends all of it and calls
 * {@code flush()}, which ships every partial Kafka batch at once: {@code linger.ms} never delays an
 * mwsr batch, and {@code batch.size} only splits one mwsr batch into requests per partition (a
 * larger value, 64 to 256 KiB, means fewer requests). The batch that forms in the buffer while a
 * call waits for acknowledgements is the only batching that adds latency. (Waiting on each
 * record's future instead, without {@code flush()}, gave the same throughput within noise, but a
 * one-record batch then waited {@code linger.ms}: measured p50 6.3 ms against 0.4 ms.)
 *
 * <p><b>Writers never wait for Kafka</b> when the flusher runs on an {@code AsyncBuffer}'s drainer
 * thread: every blocking producer call (a {@code send} that waits for metadata or for room in
 * {@code buffer.memory}, up to {@code max.block.ms}; a {@code flush} that waits up to {@code
 * delivery.timeout.ms} for an unreachable broker) stalls the drainer only, and writers see the
 * buffer's overflow policy. Recommended producer settings: {@code max.block.ms} and {@code
 * delivery.timeout.ms} of a few seconds to a minute, which bound how long one call waits before it
 * fails (and, with a retrying buffer, is retried); {@code acks=all} and idempotence (the defaults).
 * With a synchronous {@code Buffer} the writer that fills the buffer runs the flusher and waits.
 *
 * <p><b>Threads and interrupts.</b> The buffer calls the flusher from one thread at a time. mwsr
 * never interrupts a flusher call: an {@code AsyncBuffer.close(Duration)} that gives up leaves the
 * call waiting (at most {@code max.block.ms} / {@code delivery.timeout.ms}) and reports its batch
 * as in doubt; closing this flusher and then the producer ends the wait. An interrupt from the
 * user's own code still ends a call's wait: it throws with the interrupt flag set, reporting the
 * acknowledged prefix as usual ({@link #of}); a transactional call interrupted inside a commit
 * cannot know whether the commit happened, closes its producer, and says the batch is in doubt.
 * {@link #close()} may be called from any thread, is idempotent, and makes later calls throw
 * {@link IllegalStateException}.
 *
 * @param <K> the record key type
 * @param <V> the record value type
 */
public final class KafkaFlusher<K, V> implements Consumer<List<? extends ProducerRecord<K, V>>>, AutoCloseable {
    /*
     * Implementation notes.
     *
     * At least once. The futures of one call are kept in a reused list. After the sends and the
     * flush() every future is done (flush() "blocks until all previously sent records have
     * completed"), so the scan for the acknowledged prefix does not wait; with Await.FUTURES
     * (kept for the benchmark that chose FLUSH) it waits on each future in order instead. A
     * record that fails inside send() (its future is already failed: metadata not available
     * within max.block.ms, a record too large) ends the sends, since nothing after it can count as
     * durable; sending on would also wait max.block.ms per record for an unreachable broker. A send()
     * that throws (serialization, a closed producer, an interrupt while waiting for metadata) ends
     * the sends: the prefix is then computed over the futures we have, counting only those done,
     * so an interrupted call never waits again.
     *
     * Transactional. `current` is the producer in use, set only by the calling thread; close()
     * may run on another thread. Both fields are volatile and each side writes its own before
     * reading the other's (the call: current, then closed; close(): closed, then current), so at
     * least one of them sees the other and closes a producer taken concurrently with close().
     * On a failure we try abortTransaction(); if that throws too (a fenced producer, a broker
     * that is down, an interrupt) the producer is closed at once and dropped, and the next call
     * takes a new one from the supplier, whose initTransactions() aborts what was left open.
     * commitTransaction() that throws TimeoutException is called again (Kafka: "it is safe to
     * retry ... it is not possible to attempt a different operation"), until it returns, fails
     * otherwise, or the thread is interrupted or the flusher closed.
     */

    /** How a call waits for acknowledgements: chosen by measurement, see the class javadoc. */
    enum Await {
        /** Send the batch, then {@link Producer#flush()}: partial Kafka batches go at once. */
        FLUSH,
        /** Send the batch, then wait on each record's future: waits up to {@code linger.ms}. */
        FUTURES
    }

    private final Producer<K, V> shared;
    private final Supplier<? extends Producer<K, V>> producers;
    private final Await await;
    private final List<Future<RecordMetadata>> sent = new ArrayList<>();
    private volatile Producer<K, V> current;
    private volatile boolean closed;
    /** Transactional: whether the current call's commit timed out at least once (calling thread only). */
    private boolean commitTimedOut;

    private KafkaFlusher(Producer<K, V> shared, Supplier<? extends Producer<K, V>> producers, Await await) {
        this.shared = shared;
        this.producers = producers;
        this.await = await;
    }

    /**
     * An at-least-once flusher sending through {@code producer}, which the caller keeps owning
     * (closing this flusher does not close it). See the class javadoc for what a call promises.
     *
     * @param producer the producer to send with, not transactional (a producer with a {@code
     *     transactional.id} refuses sends outside a transaction: use {@link #transactional})
     * @param <K> the record key type
     * @param <V> the record value type
     * @return the flusher
     * @throws NullPointerException if {@code producer} is null
     */
    public static <K, V> KafkaFlusher<K, V> of(Producer<K, V> producer) {
        return of(producer, Await.FLUSH);
    }

    static <K, V> KafkaFlusher<K, V> of(Producer<K, V> producer, Await await) {
        return new KafkaFlusher<>(Objects.requireNonNull(producer, "producer"), null, await);
    }

    /**
     * A flusher that sends each batch in one Kafka transaction, with producers taken from {@code
     * producers}: one at the first call, and a new one whenever the one in use had to be closed.
     * Each must have a {@code transactional.id} (the same one each time, so that a new producer
     * fences the old one and aborts its open transaction) and must not have had {@code
     * initTransactions()} called: the flusher calls it. The flusher owns and closes them.
     *
     * @param producers makes a new, not yet initialized, transactional producer on each call
     * @param <K> the record key type
     * @param <V> the record value type
     * @return the flusher
     * @throws NullPointerException if {@code producers} is null
     */
    public static <K, V> KafkaFlusher<K, V> transactional(Supplier<? extends Producer<K, V>> producers) {
        return new KafkaFlusher<>(null, Objects.requireNonNull(producers, "producers"), Await.FLUSH);
    }

    /**
     * Sends {@code batch} and returns once Kafka acknowledged (transactional: committed) all of it.
     *
     * @param batch the records, in the order to send them; not kept after the call
     * @throws PartialFlushException (at least once) if a record failed: the first {@code durable()}
     *     records were acknowledged, the cause is the first failure
     * @throws KafkaException (transactional) if the transaction failed and was aborted, or if the
     *     wait for a commit that timed out was ended by an interrupt or {@link #close()} (then the
     *     batch is in doubt: the commit may yet complete); the cause is the failure
     * @throws IllegalStateException if this flusher is closed, or (transactional) the supplier's
     *     producer has no {@code transactional.id}
     * @throws NullPointerException if the supplier returned null
     */
    @Override
    public void accept(List<? extends ProducerRecord<K, V>> batch) {
        if (closed) {
            throw new IllegalStateException("this KafkaFlusher is closed");
        }
        if (batch.isEmpty()) {
            return;
        }
        if (shared != null) {
            sendAndAwait(batch);
        } else {
            sendInTransaction(batch);
        }
    }

    private void sendAndAwait(List<? extends ProducerRecord<K, V>> batch) {
        List<Future<RecordMetadata>> futures = sent;
        futures.clear();
        Throwable failure = null;
        try {
            for (ProducerRecord<K, V> record : batch) {
                Future<RecordMetadata> future = shared.send(record);
                futures.add(future);
                if (future.isDone() && future.state() == Future.State.FAILED) {
                    break; // failed in send(): the rest is not durable whatever happens to it
                }
            }
            if (await == Await.FLUSH) {
                shared.flush();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        int durable = 0;
        for (Future<RecordMetadata> future : futures) {
            if (failure != null && !future.isDone()) {
                break;
            }
            try {
                future.get();
                durable++;
            } catch (ExecutionException e) {
                failure = e.getCause() == null ? e : e.getCause();
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = e;
                break;
            }
        }
        futures.clear();
        if (failure != null) {
            ProducerRecord<K, V> failed = batch.get(durable);
            throw new PartialFlushException(
                    "Kafka acknowledged " + durable + " of " + batch.size() + " records; record " + durable + " (topic "
                            + failed.topic() + ") failed: " + failure,
                    durable,
                    failure);
        }
    }

    private void sendInTransaction(List<? extends ProducerRecord<K, V>> batch) {
        Producer<K, V> producer = producer();
        commitTimedOut = false;
        try {
            producer.beginTransaction();
            for (ProducerRecord<K, V> record : batch) {
                producer.send(record);
            }
            commit(producer);
        } catch (RuntimeException e) {
            abortOrDiscard(producer);
            String outcome = commitTimedOut
                    ? "gave up on a commit that timed out (in doubt: it may yet complete)"
                    : "failed and was aborted";
            throw new KafkaException(
                    "Kafka transaction of " + batch.size() + " records (first to topic "
                            + batch.get(0).topic() + ") " + outcome + ": " + e,
                    e);
        }
    }

    private Producer<K, V> producer() {
        Producer<K, V> producer = current;
        if (producer != null) {
            return producer;
        }
        producer = Objects.requireNonNull(producers.get(), "the producer supplier returned null");
        try {
            producer.initTransactions();
        } catch (IllegalStateException e) {
            closeNow(producer);
            throw new IllegalStateException(
                    "KafkaFlusher.transactional needs producers with a transactional.id: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeNow(producer);
            throw e;
        }
        current = producer;
        if (closed) {
            discard(producer);
            throw new IllegalStateException("this KafkaFlusher is closed");
        }
        return producer;
    }

    private void commit(Producer<K, V> producer) {
        for (; ; ) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                commitTimedOut = true;
                if (closed || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                // The commit's outcome is unknown: only a retry of the same call is allowed. Each
                // attempt waits max.block.ms; the pause only guards against a spin.
                try {
                    Thread.sleep(10);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void abortOrDiscard(Producer<K, V> producer) {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            discard(producer);
        }
    }

    private void discard(Producer<K, V> producer) {
        if (current == producer) {
            current = null;
        }
        closeNow(producer);
    }

    private static void closeNow(Producer<?, ?> producer) {
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException ignored) {
            // Closing a producer we give up on: its failure was already reported.
        }
    }

    /**
     * Makes later calls throw {@link IllegalStateException}; transactional, also closes the
     * producer in use (waiting as {@link Producer#close()} does). A producer passed to {@link
     * #of(Producer)} stays open: its owner closes it. Close the buffer first, so that it has
     * delivered everything; idempotent.
     */
    @Override
    public void close() {
        closed = true;
        Producer<K, V> producer = current;
        if (producer != null) {
            current = null;
            producer.close();
        }
    }
}
