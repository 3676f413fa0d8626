package dev.mwsr.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * {@link ArrayBlockingQueue} with a consumer thread that blocks in {@code take()} and then
 * {@code drainTo}s the rest of the batch: how Logback's {@code AsyncAppender} (blocking mode,
 * {@code neverBlock=false}) hands events to its worker. Writers {@code put}, waiting when full.
 */
final class AbqSink implements Sink {
    private final Drain drain;
    private final ArrayBlockingQueue<Long> queue;
    private final int capacity;
    private final Thread consumer;
    private volatile boolean running = true;

    AbqSink(int capacity, Drain drain) {
        this.drain = drain;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.capacity = capacity;
        this.consumer = Threads.daemon("abq-consumer").newThread(this::consume);
        consumer.start();
    }

    private void consume() {
        List<Long> batch = new ArrayList<>(capacity);
        while (running) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // close() interrupts to end the wait; `running` decides
            }
            queue.drainTo(batch, capacity - 1);
            drain.accept(batch);
            batch.clear();
        }
        while (queue.drainTo(batch, capacity) > 0) { // writers have stopped: deliver the rest
            drain.accept(batch);
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
        running = false;
        consumer.interrupt();
        Sinks.join(consumer);
    }
}
