package dev.mwsr;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A bounded multi-writer, single-reader buffer that flushes inline: the writer that finds the
 * buffer full hands the full half to the flusher on its own thread, while other writers keep
 * writing into the spare half. The contract is {@link BatchBuffer}'s and the
 * {@linkplain dev.mwsr package documentation}'s; this page adds what is Buffer's own.
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
 * and writes nothing. So a flusher cannot count on writing to its own buffer.
 *
 * <p><b>Failures.</b> Fail-fast only.
 *
 * <p><b>Metrics</b> count items; {@link Metrics#dropped()} is always 0: a {@code Buffer} never
 * drops. {@link Metrics#lagNanos()} is dated by the cuts (an upper bound; see {@link Metrics}).
 *
 * @param <T> the item type
 */
public final class Buffer<T> implements BatchBuffer<T> {
    /*
     * The algorithm is InlineEngine's (read its notes). A half is a BatchView over an Object[] of
     * `capacity` slots; a writer stores with plain array stores under the read lock. An oversized
     * group is wrapped as a BatchView over its own array, delivered alone and never recycled (the
     * array is the caller's). A failed buffer parks item references; recycle() nulls the slots of
     * a delivered half so items can be collected.
     */

    private static final String NULL_IN_GROUP = "writeV: null item; nothing was written";
    /** The {@code off} of a single item: {@code src} is the item itself, not an array. */
    private static final int ITEM = -1;

    private final int capacity;
    private final InlineEngine<BatchView<T>, List<T>> engine;

    /**
     * Creates a buffer of two halves of {@code capacity} slots each.
     *
     * @param capacity the most items per flusher call, and the size of each half; at least 1
     * @param flusher receives each batch; called by one thread at a time
     * @throws IllegalArgumentException if {@code capacity < 1} or too large for an array
     * @throws NullPointerException if {@code flusher} is null
     */
    public Buffer(int capacity, Consumer<? super List<T>> flusher) {
        this.capacity = checked(capacity);
        this.engine = new InlineEngine<>(
                capacity, flusher, new Slots<>(), new BatchView<>(capacity), new BatchView<>(capacity));
    }

    /**
     * {@inheritDoc} Returns once the item is in the buffer, or after flushing inline if this
     * writer found the buffer full.
     */
    @Override
    public void write(T item) {
        engine.put(Objects.requireNonNull(item, "item"), ITEM, 1);
    }

    /**
     * Writes a group atomically; as, and throwing as, {@link #writeV(List)}.
     *
     * @param items the items, none null
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, as Object[]; it never escapes as T[]
    public final void writeV(T... items) {
        writeArray(Objects.requireNonNull(items, "items"));
    }

    /**
     * {@inheritDoc} A group larger than {@link #capacity()} is delivered after everything
     * accepted before it. The list is read once, by its {@code toArray()}: a list that changes or
     * throws under the caller writes all of the items it returned or nothing (so no half group and
     * no null ever reaches the flusher). That copy is one array allocation per call.
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
            engine.putAlone(new BatchView<>(items), items, items.length, "writeV");
        } else {
            engine.put(items, 0, items.length);
        }
    }

    /** {@inheritDoc} If another thread's flush is in progress, waits for it too. */
    @Override
    public void flush() {
        engine.flush();
    }

    @Override
    public void close() {
        engine.close();
    }

    /**
     * {@inheritDoc} The bound is on waiting for a flush in progress on another thread; the final
     * flush this call makes itself, on its own thread, is not bounded (mwsr never abandons a call
     * it runs on the caller's thread).
     */
    @Override
    public long close(Duration timeout) {
        return engine.close(timeout);
    }

    /** {@inheritDoc} The size of each half: the most items in one call (but an oversized group). */
    @Override
    public int capacity() {
        return capacity;
    }

    /** {@inheritDoc} {@code enqueued} is {@code written + pending}. */
    @Override
    public Metrics metrics() {
        return engine.metrics();
    }

    @Override
    public String toString() {
        return "Buffer[capacity=" + capacity + ", " + metrics() + "]";
    }

    private static int checked(int capacity) {
        if (capacity < 1 || capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and " + (Integer.MAX_VALUE - 8) + ", was " + capacity);
        }
        return capacity;
    }

    private static final class Slots<T> implements Halves<BatchView<T>, List<T>> {
        @Override
        public void store(BatchView<T> half, int at, Object src, int off, int n) {
            if (off == ITEM) {
                half.items[at] = src;
            } else {
                System.arraycopy((Object[]) src, off, half.items, at, n);
            }
        }

        @Override
        public void accepted(Object src, int n) {}

        @Override
        public List<T> open(BatchView<T> half, int size) {
            return half.open(size);
        }

        @Override
        public Object held(BatchView<T> half, int size) {
            return half.open(size);
        }

        @Override
        public void park(List<Object> into, BatchView<T> half, int from, int n) {
            into.addAll(Arrays.asList(half.items).subList(from, from + n));
        }

        @Override
        public void recycle(BatchView<T> half, int size) {
            half.clear(size);
        }

        @Override
        public List<Object> reported(List<Object> parked) {
            return parked;
        }

        @Override
        public String unitsHeld() {
            return " items it accepted but did not deliver";
        }
    }
}
