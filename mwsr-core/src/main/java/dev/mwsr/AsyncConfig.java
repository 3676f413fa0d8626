package dev.mwsr;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * An {@link AsyncBuffer}'s options, checked together by its builder and translated into what the
 * engine parts ask: the record their constructors receive. When the drainer delivers: {@code loop}
 * (rest {@code intervalNanos} between cuts), {@code manual} (only on request), else at once. What
 * a writer that does not fit does: {@code grow} (never refused), {@code block} (waits),
 * {@code dropOldest}, else drops its own items ({@code warnOnDrop}: and logs). {@code maxBackoff}
 * null means fail fast; {@code giveUpAfter} null means retry forever. {@code sizer} null means
 * batches are bounded by {@code maxBatch} items only, else also by {@code maxBatchBytes}.
 *
 * @param <T> the item type
 */
record AsyncConfig<T>(
        Consumer<? super List<T>> flusher,
        int capacity,
        int maxBatch,
        long maxBatchBytes,
        ToLongFunction<? super T> sizer,
        boolean loop,
        boolean manual,
        long intervalNanos,
        boolean earlyFlush,
        boolean grow,
        boolean block,
        boolean dropOldest,
        boolean warnOnDrop,
        Duration maxBackoff,
        Duration giveUpAfter,
        Consumer<? super List<T>> deadLetter,
        System.Logger logger) {

    /** A writer whose reservation brings the queue's count to this wakes a sleeping drainer. */
    long wakeAt() {
        if (manual) {
            return Long.MAX_VALUE;
        }
        return loop ? (earlyFlush ? maxBatch : Long.MAX_VALUE) : 1;
    }
}
