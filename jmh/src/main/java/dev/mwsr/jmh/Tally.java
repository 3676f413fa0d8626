package dev.mwsr.jmh;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Counts what the writer threads wrote without a shared counter on the hot path: each writer
 * counts in its own {@link Writer} and registers it here once per trial. Summed after the trial,
 * when the writers have stopped (JMH's end-of-trial barrier orders their last counts before it).
 */
final class Tally {
    private final ConcurrentLinkedQueue<Writer> writers = new ConcurrentLinkedQueue<>();

    void register(Writer writer) {
        writers.add(writer);
    }

    long items() {
        long sum = 0;
        for (Writer writer : writers) {
            sum += writer.items;
        }
        return sum;
    }
}
