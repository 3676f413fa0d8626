/**
 * Kafka for mwsr buffers: {@link dev.mwsr.kafka.KafkaFlusher} is a flusher whose call returns only
 * once Kafka acknowledged every record of the batch, so a buffer's {@code flush()} means "in Kafka"
 * and its failure policy (fail-fast with {@code undelivered()}, or retry) applies to records Kafka
 * did not take. The buffers' own contract (order, exactly-once hand-over, failures) is stated in
 * the {@code dev.mwsr} package of mwsr-core.
 */
package dev.mwsr.kafka;
