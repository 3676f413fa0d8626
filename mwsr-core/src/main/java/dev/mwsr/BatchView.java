package dev.mwsr;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The read-only list a flusher receives: a window {@code [0, size)} over a reused array. One view
 * is allocated per array, not per batch. After the flusher returns the window is emptied, so a
 * flusher that kept the list (against the contract) sees an empty list rather than later items.
 *
 * <p>Not thread-safe: it is handed to one flusher call at a time by the thread that owns it.
 */
final class BatchView<T> extends AbstractList<T> implements RandomAccess {
    final Object[] items;
    private int size;

    BatchView(int capacity) {
        this.items = new Object[capacity];
    }

    /** A view over a caller's array (an oversized group): read, never cleared. */
    BatchView(Object[] group) {
        this.items = group;
    }

    BatchView<T> open(int size) {
        this.size = size;
        return this;
    }

    /** Closes the window and drops the references the array still holds, so items can be collected. */
    void clear(int filled) {
        Arrays.fill(items, 0, filled, null);
        size = 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T get(int index) {
        return (T) items[Objects.checkIndex(index, size)];
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Object[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
