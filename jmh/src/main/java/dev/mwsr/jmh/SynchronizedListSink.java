package dev.mwsr.jmh;

import java.util.ArrayList;
import java.util.List;

/**
 * The hand-written baseline: a list behind one monitor; the writer that fills it delivers the batch
 * inline, holding the monitor (everyone else waits for the I/O).
 */
final class SynchronizedListSink implements Sink {
    private final Drain drain;
    private final List<Long> batch;
    private final int capacity;

    SynchronizedListSink(int capacity, Drain drain) {
        this.drain = drain;
        this.batch = new ArrayList<>(capacity);
        this.capacity = capacity;
    }

    @Override
    public synchronized void write(Long item) {
        batch.add(item);
        if (batch.size() >= capacity) {
            deliver();
        }
    }

    @Override
    public synchronized void writeV(Long[] items) {
        if (batch.size() + items.length > capacity && !batch.isEmpty()) {
            deliver();
        }
        for (Long item : items) {
            batch.add(item);
        }
        if (batch.size() >= capacity) {
            deliver();
        }
    }

    private void deliver() {
        drain.accept(batch);
        batch.clear();
    }

    @Override
    public Drain drain() {
        return drain;
    }

    @Override
    public synchronized void close() {
        if (!batch.isEmpty()) {
            deliver();
        }
    }
}
