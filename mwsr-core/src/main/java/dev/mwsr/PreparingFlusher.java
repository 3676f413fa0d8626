package dev.mwsr;

import java.util.List;
import java.util.function.Consumer;

/**
 * A flusher that does its per-item work (typically encoding) on the writing threads, in parallel,
 * so that the one thread calling the flusher only moves the results. mwsr-io's text file flushers
 * are such flushers; a buffer given one uses it with no change to the caller's code.
 *
 * <p>An {@link AsyncBuffer} given a {@code PreparingFlusher} calls {@link #prepare} on the thread
 * that writes each item, before the item is admitted, holds what it returns in place of the item,
 * and hands batches of prepared forms to {@link #acceptPrepared}, under the same contract as
 * {@link #accept} (one call at a time, each happening-before the next; a throw is handled by the
 * buffer's failure policy; {@link PartialFlushException} counts a durable prefix). It does so
 * only where it never has to give items back or measure them: with a dead-letter handler
 * ({@code retryFailedBatches(maxBackoff, giveUpAfter, deadLetter)} with a non-null handler) or
 * {@code maxBatchBytes}, it calls {@link #accept} with the items as written, as for any flusher.
 * {@link Buffer} always calls {@link #accept}.
 *
 * <p>{@link #prepare} is called from many threads at once and must be thread-safe. An exception it
 * throws reaches the writer, and nothing of that call is written ({@code writeV}: nothing of the
 * group).
 *
 * @param <T> the item type
 * @param <P> the prepared form
 */
public interface PreparingFlusher<T, P> extends Consumer<List<? extends T>> {
    /**
     * Prepares one item on the writing thread.
     *
     * @param item the item, never null
     * @return its prepared form, never null; the buffer keeps it until {@link #acceptPrepared}
     *     returned for it
     */
    P prepare(T item);

    /**
     * Writes one batch of prepared forms, in the order their items were admitted; the same
     * contract as {@link #accept} for the items they came from.
     *
     * @param batch the prepared forms; not kept after the call
     */
    void acceptPrepared(List<? extends P> batch);
}
