package dev.mwsr.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;

/**
 * A JCTools {@link MpscArrayQueue} drained by a hand-written consumer thread, as a user would write
 * it without mwsr: drain up to {@code capacity} items into a reused list, deliver, repeat. With
 * nothing to drain it backs off like Agrona's default {@code BackoffIdleStrategy} (10 spins, 5
 * yields, then parks from 1 µs doubling to 1 ms); writers never signal it. A writer that finds the
 * queue full yields until there is room.
 */
final class JctoolsSink implements Sink {
    private static final int MAX_SPINS = 10;
    private static final int MAX_YIELDS = 5;
    private static final long MIN_PARK_NANOS = 1_000;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private final Drain drain;
    private final MpscArrayQueue<Long> queue;
    private final int capacity;
    private final Thread consumer;
    private volatile boolean running = true;

    JctoolsSink(int capacity, Drain drain) {
        this.drain = drain;
        this.queue = new MpscArrayQueue<>(capacity);
        this.capacity = capacity;
        this.consumer = Threads.daemon("jctools-consumer").newThread(this::consume);
        consumer.start();
    }

    private void consume() {
        List<Long> batch = new ArrayList<>(capacity);
        MessagePassingQueue.Consumer<Long> add = batch::add;
        int idle = 0;
        long park = MIN_PARK_NANOS;
        while (running) {
            if (queue.drain(add, capacity) > 0) {
                drain.accept(batch);
                batch.clear();
                idle = 0;
                park = MIN_PARK_NANOS;
            } else if (idle < MAX_SPINS) {
                idle++;
                Thread.onSpinWait();
            } else if (idle < MAX_SPINS + MAX_YIELDS) {
                idle++;
                Thread.yield();
            } else {
                LockSupport.parkNanos(park);
                park = Math.min(park << 1, MAX_PARK_NANOS);
            }
        }
        while (queue.drain(add, capacity) > 0) { // writers have stopped: deliver the rest
            drain.accept(batch);
            batch.clear();
        }
    }

    @Override
    public void write(Long item) {
        while (!queue.offer(item)) {
            Thread.yield();
        }
    }

    @Override
    public void writeV(Long[] items) {
        throw new UnsupportedOperationException("an MPSC queue cannot append a group atomically");
    }

    @Override
    public Drain drain() {
        return drain;
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(consumer);
        Sinks.join(consumer);
    }
}
