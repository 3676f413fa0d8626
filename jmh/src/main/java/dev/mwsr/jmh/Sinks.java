package dev.mwsr.jmh;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import dev.mwsr.AsyncBuffer;

/** Builds a {@link Sink} from the name a benchmark's {@code impl} parameter holds. */
final class Sinks {
    private Sinks() {}

    /** As {@link #create(String, int, String)} with the no-op drain. */
    static Sink create(String impl, int capacity) {
        return create(impl, capacity, "noop");
    }

    /**
     * @param impl the implementation's name
     * @param capacity the pending-items bound every implementation gets
     * @param drainKind what the consumer does with a batch: {@code noop} or {@code file} ({@link Drain})
     */
    static Sink create(String impl, int capacity, String drainKind) {
        Drain drain = Drain.create(drainKind, capacity);
        return switch (impl) {
            case "async" -> new AsyncSink(capacity, false, AsyncBuffer.OverflowPolicy.BLOCK, drain);
            case "async-platform" -> new AsyncSink(capacity, true, AsyncBuffer.OverflowPolicy.BLOCK, drain);
            case "async-drop" -> new AsyncSink(capacity, false, AsyncBuffer.OverflowPolicy.DROP_NEWEST, drain);
            // Not in the default @Param lists: the maxBatchBytes overhead, against "async" (-p impl=async,async-bytes).
            case "async-bytes" -> new AsyncSink(capacity, drain, AsyncSink.BYTES_PER_BATCH);
            case "buffer" -> new BufferSink(capacity, drain);
            case "disruptor-blocking" -> new DisruptorSink(capacity, new BlockingWaitStrategy(), drain);
            case "disruptor-yielding" -> new DisruptorSink(capacity, new YieldingWaitStrategy(), drain);
            case "disruptor-sleeping" -> new DisruptorSink(capacity, new SleepingWaitStrategy(), drain);
            case "jctools" -> new JctoolsSink(capacity, drain);
            case "abq" -> new AbqSink(capacity, drain);
            case "synchronized" -> new SynchronizedListSink(capacity, drain);
            default -> {
                drain.close();
                throw new IllegalArgumentException("unknown impl '" + impl + "'");
            }
        };
    }

    /**
     * Closes {@code sink} and checks that it delivered exactly what was written, less what its
     * overflow policy says it dropped: a peer that loses or duplicates items would otherwise look
     * fast.
     */
    static void closeAndCheck(Sink sink, long written) {
        sink.close();
        sink.drain().close();
        long delivered = sink.drain().deliveredAcquire();
        long dropped = sink.dropped();
        if (delivered + dropped != written) {
            throw new IllegalStateException(sink.getClass().getSimpleName() + " delivered " + delivered
                    + " items and dropped " + dropped + " but " + written + " were written");
        }
    }

    static void join(Thread thread) {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining " + thread.getName(), e);
        }
    }
}
