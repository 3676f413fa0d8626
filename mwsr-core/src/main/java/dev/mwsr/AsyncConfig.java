package dev.mwsr;

import dev.mwsr.AsyncBuffer.Mode;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * An {@link AsyncBuffer}'s options, checked together: what {@link AsyncBuffer.Builder#build()}
 * hands to the engine parts' constructors. {@code maxBackoff} null means fail fast;
 * {@code giveUpAfter} null means retry forever.
 *
 * @param <T> the item type
 */
record AsyncConfig<T>(
        Consumer<? super List<T>> flusher,
        int capacity,
        int maxBatch,
        Mode mode,
        long intervalNanos,
        boolean earlyFlush,
        OverflowPolicy overflow,
        Duration maxBackoff,
        Duration giveUpAfter,
        Consumer<? super List<T>> deadLetter,
        System.Logger logger) {

    AsyncConfig {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("capacity must be between 1 and 2^30, was " + capacity);
        }
        if (maxBatch > capacity && overflow != OverflowPolicy.GROW) {
            throw new IllegalArgumentException("maxBatch (" + maxBatch + ") must not exceed capacity (" + capacity
                    + "): a batch never holds more than the queue; raise capacity or use GROW");
        }
        if (mode == Mode.LOOP && intervalNanos == 0) {
            throw new IllegalArgumentException("LOOP mode needs interval(Duration): the rest after each batch");
        }
        if (mode != Mode.LOOP && (intervalNanos != 0 || earlyFlush)) {
            throw new IllegalArgumentException("interval and earlyFlush apply to LOOP mode only, mode is " + mode);
        }
    }

    /** A writer whose reservation brings the queue's count to this wakes a sleeping drainer. */
    long wakeAt() {
        return switch (mode) {
            case TRIGGER -> 1;
            case LOOP -> earlyFlush ? maxBatch : Long.MAX_VALUE;
            case MANUAL -> Long.MAX_VALUE;
        };
    }
}
