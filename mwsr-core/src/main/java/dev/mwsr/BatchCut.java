package dev.mwsr;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * How an {@link AsyncBuffer}'s drainer cuts a batch from the head of the {@link Room}'s queue: into
 * one reused {@link BatchView} of {@code maxBatch} slots, or, for a group larger than that, as the
 * group's own read-only list; with {@code maxBatchBytes}, also no more bytes than that as the
 * sizer measures them. Drainer thread only.
 */
final class BatchCut<T> {
    /*
     * Under consumerLock the drainer peeks, and polls only what fits: an element (item or group)
     * that does not fit in the current batch, by items or by bytes, stays at the head for the next
     * cut, so nothing is carried outside the queue and the consumer index stays the flush()
     * target's measure. One larger than maxBatch items, or maxBatchBytes bytes, is cut alone.
     *
     * The head that ended a cut by its bytes was measured already: its size is kept with the
     * consumer index of the moment (`sizedAt`), and reused only while that index has not moved,
     * i.e. while no one (this drainer, a DROP_OLDEST writer) has polled it; so each item is
     * measured at most once. A sizer that throws or returns a negative size stops the cut there
     * (the head stays queued); the drainer then fails the buffer with `failure()`.
     *
     * A copied group goes back to the pool at once; an oversized one only after the flusher call
     * on its list returned (release), and never after close(Duration) abandoned it, because the
     * abandoned flusher call may still hold it.
     */

    private final Room room;
    private final BatchView<T> view;
    private final int maxBatch;
    /** Long.MAX_VALUE without a sizer. */
    private final long maxBytes;
    /** Null: batches bounded by items only. */
    private final ToLongFunction<Object> sizer;
    /** The cut batch: {@code size} slots of the view, or {@code big}. */
    private int size;

    private Group big;
    /** The head's size in bytes, measured by a cut it did not fit; valid while the consumer index is sizedAt. */
    private long headBytes;

    private long sizedAt = -1;
    /** What the sizer threw, or the error for its negative size; set once, the buffer then fails. */
    private Throwable failure;

    @SuppressWarnings("unchecked") // the sizer accepts T, and the queue holds only T items (never prepared forms)
    BatchCut(Room room, AsyncConfig<T> config) {
        this.room = room;
        this.maxBatch = config.maxBatch();
        this.view = new BatchView<>(maxBatch);
        this.sizer = (ToLongFunction<Object>) config.sizer();
        this.maxBytes = sizer == null ? Long.MAX_VALUE : config.maxBatchBytes();
    }

    /**
     * Caller holds consumerLock and takes the batch's places; null if the head is empty (or the
     * sizer failed on it: see {@link #failure()}).
     */
    List<T> cutLocked() {
        assert room.consumerLock.isHeldByCurrentThread() : "cut without consumerLock";
        assert size == 0 && big == null : "a batch is still held";
        Object[] slots = view.items;
        int n = 0;
        long bytes = 0;
        while (n < maxBatch) {
            Object e = room.peek();
            if (e == null) {
                break;
            }
            int k = e instanceof Group g ? g.size() : 1;
            if (k > maxBatch - n) {
                if (n == 0) {
                    room.poll();
                    big = (Group) e;
                    return big.asList();
                }
                break;
            }
            if (sizer != null) {
                long b = n == 0 && sizedAt == room.consumerIndex() ? headBytes : bytesOf(e);
                if (b < 0) {
                    break; // the sizer failed: the head stays queued, and the buffer fails
                }
                if (n > 0 && b > maxBytes - bytes) {
                    headBytes = b;
                    sizedAt = room.consumerIndex();
                    break;
                }
                bytes += b;
            }
            room.poll();
            if (e instanceof Group g) {
                System.arraycopy(g.items, 0, slots, n, k);
                room.groups.give(g);
            } else {
                slots[n] = e;
            }
            n += k;
        }
        if (n == 0) {
            return null;
        }
        size = n;
        return view.open(n);
    }

    /** The element's bytes (a group's: the sum of its items', saturating); -1 if the sizer failed. */
    private long bytesOf(Object e) {
        try {
            if (e instanceof Group g) {
                long sum = 0;
                for (int i = 0; i < g.size; i++) {
                    sum += sizeOf(g.items[i]);
                    if (sum < 0) {
                        sum = Long.MAX_VALUE;
                    }
                }
                return sum;
            }
            return sizeOf(e);
        } catch (Throwable t) {
            failure = t instanceof NegativeSize
                    ? t
                    : new IllegalStateException(
                            "the maxBatchBytes sizer threw on the drainer thread, so the buffer failed; fix the sizer",
                            t);
            return -1;
        }
    }

    private long sizeOf(Object item) {
        long b = sizer.applyAsLong(item);
        if (b < 0) {
            throw new NegativeSize("the maxBatchBytes sizer returned " + b + " for an item of "
                    + item.getClass().getName() + ", so the buffer failed; sizes must be 0 or more");
        }
        return b;
    }

    /** Why the last cut stopped short for good: the sizer threw or returned a negative size; else null. */
    Throwable failure() {
        return failure;
    }

    void release(boolean abandoned) {
        if (big == null) {
            view.clear(size);
        } else if (!abandoned) {
            room.groups.give(big);
        }
        size = 0;
        big = null;
    }

    /** A sizer's negative result. */
    private static final class NegativeSize extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NegativeSize(String message) {
            super(message);
        }
    }
}
