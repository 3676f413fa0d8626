package dev.mwsr.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * {@link ArrayBlockingQueue} with a consumer thread that blocks in {@code take()} and then
 * {@code drainTo}s the rest of the batch: how Logback's {@code AsyncAppender} (blocking mode,
 * {@code neverBlock=false}) hands events to its worker. Writers {@code put}, waiting when full.
 * {@link #close()} ends the consumer with a stop marker put behind the last item, not with an
 * interrupt: an interrupt would close the file sink's channel in the middle of a write.
 */
final class AbqSink implements Sink {
    private final Drain drain;
    /** Put by close() behind every item; the consumer stops when it takes it. */
    private static final Object STOP = new Object();

    private final ArrayBlockingQueue<Object> queue;
    private final int capacity;
    private final Thread consumer;

    AbqSink(int capacity, Drain drain) {
        this.drain = drain;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.consumer = Threads.daemon("abq-consumer").newThread(this::consume);
        consumer.start();
    }

    @SuppressWarnings("unchecked") // every element but STOP is a Long, and STOP is removed first
    private void consume() {
        List<Object> batch = new ArrayList<>(capacity + 1);
        for (boolean stop = false; !stop; ) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                throw new IllegalStateException("the ABQ consumer is never interrupted", e);
            }
            queue.drainTo(batch, capacity - 1);
            stop = batch.get(batch.size() - 1) == STOP; // close() puts it after the writers stopped
            if (stop) {
                batch.remove(batch.size() - 1);
            }
            if (!batch.isEmpty()) {
                drain.accept((List<Long>) (List<?>) batch);
            }
            batch.clear();
        }
    }

    @Override
    public void write(Long item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for room", e);
        }
    }

    @Override
    public void writeV(Long[] items) {
        throw new UnsupportedOperationException("ArrayBlockingQueue cannot append a group atomically");
    }

    @Override
    public Drain drain() {
        return drain;
    }

    @Override
    public void close() {
        try {
            queue.put(STOP); // behind every item written: the writers have stopped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the ABQ consumer", e);
        }
        Sinks.join(consumer);
    }
}
