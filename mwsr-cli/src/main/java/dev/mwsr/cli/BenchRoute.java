package dev.mwsr.cli;

import dev.mwsr.Metrics;
import java.io.Closeable;
import java.io.IOException;

/**
 * One way from the bench's writer threads into the file: a buffer and its flusher, opened on the
 * file by {@link ItemsRoute} or {@link BytesRoute} and driven by {@link BenchCommand}.
 */
abstract class BenchRoute implements Closeable {
    final BenchOptions options;
    private final Closeable flusher;
    private boolean closed;

    BenchRoute(BenchOptions options, Closeable flusher) {
        this.options = options;
        this.flusher = flusher;
    }

    /** For the header line: what the route is made of and how it is configured. */
    abstract String describe();

    /** For the table's footnote: the call whose time the latency rows measure. */
    abstract String timedCall();

    /**
     * Writer thread {@code thread}'s loop, run on that thread: its lines 0 to {@code count - 1}
     * in order, each line built before the clock starts, each write call timed into
     * {@code latency}.
     */
    abstract void writeLines(int thread, long count, LatencyHistogram latency);

    /** The buffer's metrics counted in lines (and batches); an estimate until closed. */
    abstract Metrics metrics();

    /** Closes the buffer: every accepted line goes to the flusher. */
    abstract void closeBuffer();

    /** Ends a run that wrote every line: {@link #close()}, named so for the reader (and javac). */
    final void finish() throws IOException {
        close();
    }

    /**
     * Closes the buffer and then, even if that failed, the flusher: the file is then complete
     * (and forced with {@code --fsync}) and released. Only the first call does anything, so a
     * failure is thrown once, not again (and suppressed into itself) by try-with-resources.
     */
    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeBuffer();
        } finally {
            flusher.close();
        }
    }
}
