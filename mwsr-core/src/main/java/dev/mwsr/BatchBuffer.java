package dev.mwsr;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * A multi-writer, single-reader buffer that hands what writers put in to one flusher in batches:
 * the per-method contract of {@link Buffer}, {@link AsyncBuffer} and {@link ByteBatchBuffer}. The
 * promises all calls share (threads, happens-before, the flusher's view, exactly once, interrupts)
 * are in the {@linkplain dev.mwsr package documentation}.
 *
 * <p>A <em>unit</em> is what {@link #capacity()} and {@link #metrics()} count: an item for
 * {@code Buffer} and {@code AsyncBuffer}; a byte for {@code ByteBatchBuffer}, which is a
 * {@code BatchBuffer<byte[]>} whose item is one array written atomically.
 *
 * @param <T> the item type
 */
public interface BatchBuffer<T> extends AutoCloseable {

    /**
     * Writes one item. A closed buffer accepts nothing; a failed one throws its failure.
     *
     * @param item the item, not null
     * @throws NullPointerException if {@code item} is null; nothing is written
     * @throws IllegalStateException if the buffer is closed, or if a write from inside the flusher
     *     would have to wait
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     *     (its own item is then among {@link FlushFailedException#undelivered()})
     * @throws CancellationException if interrupted while waiting for room; nothing is written
     */
    void write(T item);

    /**
     * Writes a group atomically: its items arrive contiguous, in order, in one flusher call, with
     * no other writer's units between them. A group larger than the batch limit arrives alone, as
     * one call of exactly its items. An empty group writes nothing (but still throws if the buffer
     * is closed or failed). The list is read once, before anything is claimed, and may be reused
     * after the call.
     *
     * @param items the items, none null
     * @throws NullPointerException if the list or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room; nothing is written
     */
    void writeV(List<? extends T> items);

    /**
     * Delivers everything written before this call and returns once the flusher has returned for
     * it; units written by other threads meanwhile may be delivered too. After {@link #close()}
     * this returns at once. Waits regardless of interrupts (the flag stays set).
     *
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    void flush();

    /**
     * Refuses new writes, delivers everything accepted, then returns. Writes that start after this
     * call, and writers still waiting for room, throw {@link IllegalStateException} and are never
     * delivered. Idempotent: a later call waits for the same end and returns, or throws the same
     * failure. Waits as long as the flusher takes; {@link #close(Duration)} bounds that.
     *
     * @throws FlushFailedException if the buffer failed, now or before (on every call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    void close();

    /**
     * As {@link #close()}, but abandons a flusher call that has not returned within
     * {@code timeout}. Abandoning: the call is left alone (never interrupted: an interruptible
     * channel would close itself) and may yet reach the sink; no flusher call starts any more;
     * threads waiting for it stop waiting; and the buffer fails, so every later {@code write},
     * {@code writeV}, {@code flush} and {@code close} throws a {@link FlushFailedException} (cause:
     * a {@link java.util.concurrent.TimeoutException}) whose
     * {@link FlushFailedException#undelivered()} holds the accepted units never handed to the
     * flusher and whose {@link FlushFailedException#inDoubt()} holds those of the abandoned call.
     * If that call later returns normally, its units count as written in {@link #metrics()} (and
     * no longer as pending); the exceptions keep the report made when it was abandoned.
     *
     * @param timeout how long to wait for delivery
     * @return 0 if everything accepted was delivered; otherwise the units abandoned, undelivered
     *     and in doubt together
     * @throws FlushFailedException if the buffer failed, now or before (also after an earlier
     *     {@code close(Duration)} abandoned a call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     * @throws NullPointerException if {@code timeout} is null
     */
    long close(Duration timeout);

    /**
     * A snapshot of the counters, in units: estimates while writers and flushers run (read without
     * locks, for monitoring, not for synchronization), exact when quiescent (after {@code flush()}
     * with no writer running, or after {@code close()}). {@code enqueued} is derived, so writers
     * pay for no counter.
     *
     * @return the metrics
     */
    Metrics metrics();

    /**
     * The bound on units waiting for the flusher, in units.
     *
     * @return the capacity given when the buffer was made
     */
    int capacity();
}
