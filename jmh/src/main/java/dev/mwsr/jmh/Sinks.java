package dev.mwsr.jmh;

import dev.mwsr.AsyncBuffer;

/** Builds a {@link Sink} from the name a benchmark's {@code impl} parameter holds. */
final class Sinks {
    private Sinks() {}

    static Sink create(String impl, int capacity) {
        return switch (impl) {
            case "async" -> new AsyncSink(capacity, false, AsyncBuffer.OverflowPolicy.BLOCK);
            case "async-platform" -> new AsyncSink(capacity, true, AsyncBuffer.OverflowPolicy.BLOCK);
            case "async-drop" -> new AsyncSink(capacity, false, AsyncBuffer.OverflowPolicy.DROP_NEWEST);
            case "buffer" -> new BufferSink(capacity);
            case "disruptor-blocking" -> new DisruptorSink(capacity, false);
            case "disruptor-yielding" -> new DisruptorSink(capacity, true);
            case "jctools" -> new JctoolsSink(capacity);
            case "abq" -> new AbqSink(capacity);
            case "synchronized" -> new SynchronizedListSink(capacity);
            default -> throw new IllegalArgumentException("unknown impl '" + impl + "'");
        };
    }

    /**
     * Closes {@code sink} and checks that it delivered exactly what was written, less what its
     * overflow policy says it dropped: a peer that loses or duplicates items would otherwise look
     * fast.
     */
    static void closeAndCheck(Sink sink, long written) {
        sink.close();
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
