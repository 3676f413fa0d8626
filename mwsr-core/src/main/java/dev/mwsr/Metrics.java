package dev.mwsr;

/**
 * A snapshot of a buffer's counters, for monitoring.
 *
 * <p>The counters are read one after another while writers and the flusher keep running, so a
 * snapshot taken under load is an estimate: it is never used for synchronization, and the
 * relations between its fields (for example {@code enqueued == written + pending + dropped}) hold
 * exactly only when the buffer is quiescent, such as after {@code flush()} returned with no writer
 * running, or after {@code close()}.
 *
 * <p><b>Lag.</b> {@code lagNanos} says how far delivery trails writing, measured without a clock
 * read per write. While a flusher call runs it is how long the oldest item of that batch has
 * waited so far; otherwise the same figure for the last delivered batch, up to its flusher's
 * return. How the batch is dated depends on the buffer:
 * <ul>
 *   <li>{@link AsyncBuffer}: the drainer reads the clock once per batch and notes the queue's
 *       producer index with it; the wait counts from when the drainer first saw the item queued,
 *       so the figure is a <em>lower bound</em>, short by at most one drainer pass (or its wake-up
 *       from an idle park).</li>
 *   <li>{@link Buffer} and {@link ByteBatchBuffer}: the flushing thread reads the clock at each
 *       cut and at each flusher return. A batch holds only items written after the cut before its
 *       own, so its wait counts from that earlier cut (an oversized write's from its acceptance):
 *       an <em>upper bound</em>, long by at most the time the batch took to fill. Items still in
 *       the half writers fill are not dated: a buffer that nobody fills or flushes reports its last
 *       batch's figure.</li>
 * </ul>
 * 0 means unknown: nothing delivered yet and no call running. Lag is a gauge, not a count: it
 * takes no part in {@link #equals} and {@link #hashCode}, so two snapshots with the same counts are
 * equal.
 *
 * @param enqueued items accepted by {@code write}/{@code writeV}
 * @param written items in flusher calls that returned normally
 * @param dropped items discarded by an overflow policy
 * @param pending items accepted and not yet returned from the flusher, the batch in flight included
 * @param batches flusher calls that returned normally
 * @param failures flusher calls that threw
 * @param lagNanos how far delivery trails writing, in nanoseconds (see above); 0 if unknown
 */
public record Metrics(
        long enqueued, long written, long dropped, long pending, long batches, long failures, long lagNanos) {

    /** Counters without a lag figure (reported as 0, unknown). */
    public Metrics(long enqueued, long written, long dropped, long pending, long batches, long failures) {
        this(enqueued, written, dropped, pending, batches, failures, 0L);
    }

    /** Equal when the six counts are; {@code lagNanos} is a gauge and is not compared. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Metrics m
                && enqueued == m.enqueued
                && written == m.written
                && dropped == m.dropped
                && pending == m.pending
                && batches == m.batches
                && failures == m.failures;
    }

    @Override
    public int hashCode() {
        long h = enqueued;
        h = 31 * h + written;
        h = 31 * h + dropped;
        h = 31 * h + pending;
        h = 31 * h + batches;
        h = 31 * h + failures;
        return Long.hashCode(h);
    }
}
