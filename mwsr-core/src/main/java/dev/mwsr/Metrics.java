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
 * @param enqueued items accepted by {@code write}/{@code writeV}
 * @param written items in flusher calls that returned normally
 * @param dropped items discarded by an overflow policy
 * @param pending items accepted and not yet returned from the flusher, the batch in flight included
 * @param batches flusher calls that returned normally
 * @param failures flusher calls that threw
 */
public record Metrics(long enqueued, long written, long dropped, long pending, long batches, long failures) {}
