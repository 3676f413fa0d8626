package dev.mwsr.jmh;

import dev.mwsr.Buffer;

/** mwsr's synchronous {@link Buffer}: the writer that fills a half flushes it inline. */
final class BufferSink implements Sink {
    private final Drain drain;
    private final Buffer<Long> buffer;

    BufferSink(int capacity, Drain drain) {
        this.drain = drain;
        this.buffer = new Buffer<>(capacity, drain::accept);
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
    public void close() {
        buffer.close();
    }
}
