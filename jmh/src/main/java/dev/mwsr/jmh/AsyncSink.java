package dev.mwsr.jmh;

import dev.mwsr.AsyncBuffer;

/**
 * mwsr's {@link AsyncBuffer} as a user gets it from the builder: TRIGGER mode,
 * {@code maxBatch = capacity}, and its default consumer thread (virtual), or a platform thread
 * like the peers' consumers when {@code platform} is true; BLOCK overflow, or a dropping policy
 * whose drops the benchmarks count.
 */
final class AsyncSink implements Sink {
    private final Drain drain;
    private final AsyncBuffer<Long> buffer;

    AsyncSink(int capacity, boolean platform, AsyncBuffer.OverflowPolicy overflow, Drain drain) {
        this.drain = drain;
        AsyncBuffer.Builder<Long> builder =
                AsyncBuffer.<Long>builder(drain::accept).capacity(capacity).overflow(overflow);
        if (platform) {
            builder.threadFactory(Threads.daemon("mwsr-consumer"));
        }
        this.buffer = builder.build();
    }

    @Override
    public void write(Long item) {
        buffer.write(item);
    }

    @Override
    public void writeV(Long[] items) {
        buffer.writeV(items);
    }

    @Override
    public Drain drain() {
        return drain;
    }

    @Override
    public long dropped() {
        return buffer.metrics().dropped();
    }

    @Override
    public void close() {
        buffer.close();
    }
}
