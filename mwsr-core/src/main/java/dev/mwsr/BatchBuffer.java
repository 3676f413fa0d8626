package dev.mwsr;

import java.util.List;

/**
 * What {@link Buffer} and {@link AsyncBuffer} have in common, so that one contract test (and
 * package-internal tools) can drive both. Package-private: users program against the classes.
 */
interface BatchBuffer<T> extends AutoCloseable {
    void write(T item);

    void writeV(List<? extends T> items);

    void flush();

    @Override
    void close();

    int capacity();

    Metrics metrics();
}
