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

    /** The byte bound of {@code async-bytes}: a quarter of a 1024-item batch of 8-byte items. */
    static final long BYTES_PER_BATCH = 2048;

    AsyncSink(int capacity, boolean platform, AsyncBuffer.OverflowPolicy overflow, Drain drain) {
        this.drain = drain;
        AsyncBuffer.Builder<Long> builder =
                AsyncBuffer.<Long>builder(drain::accept).capacity(capacity).overflow(overflow);
        if (platform) {
            builder.threadFactory(Threads.daemon("mwsr-consumer"));
        }
        this.buffer = builder.build();
    }

    /** The defaults, with batches also bounded by {@code maxBatchBytes}, each item measured as 8 bytes. */
    AsyncSink(int capacity, Drain drain, long maxBatchBytes) {
        this.drain = drain;
        this.buffer = AsyncBuffer.<Long>builder(drain::accept)
                .capacity(capacity)
                .maxBatchBytes(maxBatchBytes, item -> Long.BYTES)
                .build();
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
