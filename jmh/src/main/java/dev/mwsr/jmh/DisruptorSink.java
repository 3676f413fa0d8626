package dev.mwsr.jmh;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.ArrayList;
import java.util.List;

/**
 * LMAX Disruptor 4, multi-producer, with the usual batching handler: events are collected into a
 * reused list and handed over at {@code endOfBatch}. Writers publish with a non-capturing
 * translator (no allocation); a group is claimed with {@code next(n)} and published with
 * {@code publish(lo, hi)}.
 */
final class DisruptorSink implements Sink {
    /** The preallocated ring entry. */
    static final class Event {
        Long item;
    }

    private final Drain drain;
    private final Disruptor<Event> disruptor;
    private final RingBuffer<Event> ring;

    /**
     * @param capacity the ring size, rounded up to a power of two as the Disruptor requires
     * @param wait the consumer's wait strategy: {@link BlockingWaitStrategy},
     *     {@link YieldingWaitStrategy} or {@link SleepingWaitStrategy}
     */
    DisruptorSink(int capacity, WaitStrategy wait, Drain drain) {
        this.drain = drain;
        int size = Integer.highestOneBit(capacity - 1) << 1;
        disruptor = new Disruptor<>(
                Event::new, Math.max(size, 1), Threads.daemon("disruptor-consumer"), ProducerType.MULTI, wait);
        disruptor.handleEventsWith(new Batcher(drain, capacity));
        ring = disruptor.start();
    }

    /** Collects a Disruptor batch into a reused list and delivers it at its end. */
    private static final class Batcher implements EventHandler<Event> {
        private final Drain drain;
        private final List<Long> batch;

        Batcher(Drain drain, int capacity) {
            this.drain = drain;
            this.batch = new ArrayList<>(capacity);
        }

        @Override
        public void onEvent(Event event, long sequence, boolean endOfBatch) {
            batch.add(event.item);
            if (endOfBatch) {
                drain.accept(batch);
                batch.clear();
            }
        }
    }

    @Override
    public void write(Long item) {
        ring.publishEvent((event, sequence, value) -> event.item = value, item);
    }

    @Override
    public void writeV(Long[] items) {
        int n = items.length;
        long hi = ring.next(n);
        long lo = hi - n + 1;
        for (int i = 0; i < n; i++) {
            ring.get(lo + i).item = items[i];
        }
        ring.publish(lo, hi);
    }

    @Override
    public Drain drain() {
        return drain;
    }

    @Override
    public void close() {
        disruptor.shutdown(); // waits until every published event was handled, then halts
    }
}
