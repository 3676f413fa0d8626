package dev.mwsr;

/**
 * The lag figure ({@link Metrics#lagNanos()}). At each cut the drainer reads the clock once and
 * notes it with the producer index P: every element below P was claimed by then, so a batch's
 * oldest element (consumer index c) was queued no later than the earliest noted time whose P
 * exceeds c. A few marks date a backlog several batches deep; past that the oldest mark does
 * (still a lower bound). Single writer (the drainer, or the flush-lock holder); the two published
 * figures are volatile for {@code metrics()}.
 */
final class Lag {
    private static final int MARKS = 16;
    private static final long NONE = Long.MIN_VALUE;

    private final long[] index = new long[MARKS];
    private final long[] nanos = new long[MARKS];
    private int next;
    private int size;

    /** When the oldest item of the batch in the flusher was first seen; NONE between calls. */
    private volatile long callSince = NONE;
    /** The last delivered batch's delay, from its oldest item first seen to the flusher's return. */
    private volatile long lastDelay;

    /** Drainer, at a cut: {@code first} the batch's first consumer index, {@code producerIndex} read after it. */
    void cut(long first, long producerIndex, long now) {
        if (size == 0 || index[(next + MARKS - 1) % MARKS] != producerIndex) {
            index[next] = producerIndex;
            nanos[next] = now;
            next = (next + 1) % MARKS;
            size = Math.min(size + 1, MARKS);
        }
        long since = now;
        for (int k = size; k > 0; k--) { // oldest to newest: the first mark that had seen `first`
            int i = (next + MARKS - k) % MARKS;
            if (index[i] > first) {
                since = nanos[i];
                break;
            }
        }
        callSince = since;
    }

    /** Inline buffers: all units were written at or after {@code since}, so an upper bound. */
    void calling(long since) {
        callSince = since;
    }

    /** The batch's flusher call returned (or the batch was given up on) at {@code now}. */
    void delivered(long now) {
        long since = callSince;
        if (since != NONE) {
            lastDelay = Math.max(1, now - since);
        }
    }

    void done() {
        callSince = NONE;
    }

    /** @return the lag at {@code now}: the running call's wait so far, else the last delay; 0 unknown */
    long lagNanos(long now) {
        long since = callSince;
        return since != NONE ? Math.max(1, now - since) : lastDelay;
    }
}
