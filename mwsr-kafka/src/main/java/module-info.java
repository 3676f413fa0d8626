/**
 * mwsr-kafka: a flusher that ships mwsr batches to Kafka, at least once or in one transaction per
 * batch. See {@link dev.mwsr.kafka.KafkaFlusher}.
 */
// kafka-clients ships no module descriptor: it is the automatic module "kafka.clients" (named after
// its jar). Its types are in our API (Producer, ProducerRecord), hence "transitive".
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.mwsr.kafka {
    requires transitive dev.mwsr.core;
    requires transitive kafka.clients;

    exports dev.mwsr.kafka;
}
