package dev.mwsr;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A bounded multi-writer, single-reader buffer that flushes inline: the writer that finds the
 * buffer full hands the full half to the flusher on its own thread, while other writers keep
 * writing into the spare half. The shared contract (threads, happens-before, the list view,
 * exactly once and failures, interrupts, close) is stated once in the
 * {@linkplain dev.mwsr package documentation}; this page adds what is Buffer's own.
 *
 * <p><b>Threads.</b> The flusher is called by a writer whose claim overflowed, or by a caller of
 * {@link #flush()} or {@link #close()}, with at most {@link #capacity()} items (a larger
 * {@code writeV} group arrives alone). A writer waits only when both halves are full, that is
 * while the previous batch is still in the flusher and the current half has filled up again.
 * Calls to the flusher follow the order in which batches were cut.
 *
 * <p><b>The flusher</b> receives a read-only {@link List} over a reused array; after the call the
 * view is emptied, so a flusher that kept it (against the contract) sees an empty list, not later
 * items. A {@code write} from inside the flusher is accepted only when it needs no wait: it fits
 * in the half being filled and no other thread holds that half for a cut at that moment (a writer
 * that found both halves full, or a {@code flush()}/{@code close()} on another thread, holds it
 * while it waits for this very flusher call). Otherwise it throws {@link IllegalStateException}
 * and writes nothing, rather than wait for itself. So a flusher cannot count on writing to its
 * own buffer.
 *
 * <p><b>Failures.</b> Fail-fast only: the call that ran the failing flush throws
 * {@link FlushFailedException} (or the {@link VirtualMachineError} itself), and so does every
 * later call; {@link FlushFailedException#undelivered()} holds the failed batch (less the
 * {@code durable()} prefix of a {@link PartialFlushException}) and every item still pending.
 *
 * <p><b>Metrics</b> count items; {@link Metrics#dropped()} is always 0: a {@code Buffer} never
 * drops. {@link Metrics#lagNanos()} is dated by the cuts (an upper bound; see {@link Metrics}).
 *
 * @param <T> the item type
 */
// The engine and its half type are package-private: no user can name them or reach their members.
@SuppressWarnings("exports")
public final class Buffer<T> extends InlineControl<BatchView<T>, List<T>> implements BatchBuffer<T> {
    /*
     * Implementation notes: the algorithm is DoubleBuffer's (read its notes). A half is a
     * BatchView over an Object[] of `capacity` slots; a writer stores with plain array stores
     * under the read lock. An oversized group is wrapped as a BatchView over its own array,
     * delivered alone and never recycled (the array is the caller's). A failed buffer parks item
     * references; recycle() nulls the slots of a delivered half so items can be collected.
     */

    private static final String NULL_IN_GROUP = "writeV: null item; nothing was written";
    /** The {@code off} of a single item: {@code src} is the item itself, not an array. */
    private static final int ITEM = -1;

    /**
     * Creates a buffer of two halves of {@code capacity} slots each.
     *
     * @param capacity the most items per flusher call, and the size of each half; at least 1
     * @param flusher receives each batch; called by one thread at a time
     * @throws IllegalArgumentException if {@code capacity < 1} or too large for an array
     * @throws NullPointerException if {@code flusher} is null
     */
    public Buffer(int capacity, Consumer<? super List<T>> flusher) {
        super(checked(capacity), flusher, new BatchView<>(capacity), new BatchView<>(capacity));
    }

    /**
     * Writes one item. Returns once the item is in the buffer, or after flushing inline if this
     * writer found the buffer full.
     *
     * @param item the item, not null
     * @throws NullPointerException if {@code item} is null
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void write(T item) {
        put(Objects.requireNonNull(item, "item"), ITEM, 1);
    }

    /**
     * Writes a group atomically: its items arrive contiguous, in order, in one flusher call, with
     * no other writer's item between them. A group larger than {@link #capacity()} is delivered
     * as one flusher call of exactly its items, after everything accepted before it. An empty
     * group writes nothing (but still throws if the buffer is closed or failed).
     *
     * @param items the items, none null
     * @throws NullPointerException if the array or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, as Object[]; it never escapes as T[]
    public final void writeV(T... items) {
        writeArray(Objects.requireNonNull(items, "items"));
    }

    /**
     * Writes a group atomically; see {@link #writeV(Object[])}. The list is read once, by its
     * {@code toArray()}, before any slot is claimed: a list that changes or throws under the
     * caller writes either all of the items it returned or nothing (so no half group and no null
     * ever reaches the flusher). That copy is one array allocation per call.
     *
     * @param items the items, none null
     * @throws NullPointerException if the list or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void writeV(List<? extends T> items) {
        writeArray(Objects.requireNonNull(items, "items").toArray());
    }

    private void writeArray(Object[] items) {
        for (Object item : items) {
            Objects.requireNonNull(item, NULL_IN_GROUP);
        }
        if (items.length > capacity) {
            putAlone(new BatchView<>(items), items, items.length, "writeV");
        } else {
            put(items, 0, items.length);
        }
    }

    /**
     * Delivers everything written before this call and returns once the flusher has returned for
     * it. If another thread's flush is in progress, waits for it too. After {@link #close()} there
     * is nothing left to deliver and this returns at once.
     *
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void flush() {
        flushAll();
    }

    /**
     * Refuses new writes, delivers everything accepted, then returns. Idempotent: a second call
     * waits for the first one's delivery and returns (or throws the same failure).
     *
     * <p>Writes that start after this call (and writers still waiting for room) throw
     * {@link IllegalStateException} and are never delivered.
     *
     * @throws FlushFailedException if the buffer failed, now or before (on every call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void close() {
        closeAll();
    }

    /**
     * As {@link #close()}, but gives up on a flusher call that does not return within
     * {@code timeout}. The bound is on waiting for a flush in progress on another thread; the
     * final flush this call makes itself, on its own thread, is not bounded (mwsr never interrupts
     * or abandons a call it runs on the caller's thread).
     *
     * <p>Giving up: the flusher call in progress is left alone (never interrupted), no flusher call
     * starts any more, and the buffer fails, so every later {@code write}, {@code writeV},
     * {@code flush} and {@code close} throws a {@link FlushFailedException} (cause: a
     * {@link java.util.concurrent.TimeoutException}) whose {@link FlushFailedException#undelivered()}
     * holds the accepted items never handed to the flusher and whose
     * {@link FlushFailedException#inDoubt()} holds the batch of the call still running (it may yet
     * reach the sink). Threads waiting for that flush (writers waiting for room, {@code flush()})
     * stop waiting: writers are refused, {@code flush()} throws.
     *
     * @param timeout how long to wait for a flush in progress
     * @return 0 if everything accepted was delivered; otherwise the number of items given up on,
     *     undelivered and in doubt together (a later call's exception lists them)
     * @throws FlushFailedException if the buffer failed, now or before (also after an earlier
     *     {@code close(Duration)} gave up)
     * @throws IllegalStateException if called from inside this buffer's flusher
     * @throws NullPointerException if {@code timeout} is null
     */
    public long close(Duration timeout) {
        return closeWithin(timeout);
    }

    /**
     * The size of each half: the most items in one flusher call (apart from an oversized
     * {@code writeV}).
     *
     * @return the capacity given to the constructor
     */
    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * A snapshot of the counters: estimates while writers run, exact when quiescent.
     * {@code enqueued} is derived ({@code written + pending}), so writers pay for no counter.
     *
     * @return the metrics
     */
    @Override
    public Metrics metrics() {
        return snapshot();
    }

    @Override
    public String toString() {
        return "Buffer[capacity=" + capacity + ", " + metrics() + "]";
    }

    // ---------------------------------------------------------------------------------------
    // The payload: object slots.

    private static int checked(int capacity) {
        if (capacity < 1 || capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and " + (Integer.MAX_VALUE - 8) + ", was " + capacity);
        }
        return capacity;
    }

    @Override
    void store(BatchView<T> half, int at, Object src, int off, int n) {
        if (off == ITEM) {
            half.items[at] = src;
        } else {
            System.arraycopy((Object[]) src, off, half.items, at, n);
        }
    }

    @Override
    void accepted(Object src, int n) {}

    @Override
    List<T> open(BatchView<T> half, int size) {
        return half.open(size);
    }

    @Override
    Object held(BatchView<T> half, int size) {
        return half.open(size);
    }

    @Override
    void park(List<Object> into, BatchView<T> half, int from, int n) {
        into.addAll(Arrays.asList(half.items).subList(from, from + n));
    }

    @Override
    void recycle(BatchView<T> half, int size) {
        half.clear(size);
    }

    @Override
    List<Object> reported(List<Object> parked) {
        return parked;
    }

    @Override
    String unitsHeld() {
        return " items it accepted but did not deliver";
    }
}
