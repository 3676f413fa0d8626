package dev.mwsr;

import java.util.List;

/**
 * How an {@link AsyncBuffer}'s drainer cuts a batch from the head of the {@link Room}'s queue: into
 * one reused {@link BatchView} of {@code maxBatch} slots, or, for a group larger than that, as the
 * group's own read-only list. Drainer thread only.
 */
final class BatchCut<T> {
    /*
     * Under consumerLock the drainer peeks, and polls only what fits: a group that does not fit
     * in the current batch stays at the head for the next cut, one larger than maxBatch is cut
     * alone. A copied group goes back to the pool at once; an oversized one only after the flusher
     * call on its list returned (release), and never after close(Duration) abandoned it, because the
     * abandoned flusher call may still hold it.
     */

    private final Room room;
    private final BatchView<T> view;
    private final int maxBatch;
    /** The cut batch: {@code size} slots of the view, or {@code big}. */
    private int size;

    private Group big;

    BatchCut(Room room, int maxBatch) {
        this.room = room;
        this.maxBatch = maxBatch;
        this.view = new BatchView<>(maxBatch);
    }

    /** Caller holds consumerLock and takes the batch's places; null if the head is empty. */
    List<T> cutLocked() {
        assert room.consumerLock.isHeldByCurrentThread() : "cut without consumerLock";
        assert size == 0 && big == null : "a batch is still held";
        Object[] slots = view.items;
        int n = 0;
        while (n < maxBatch) {
            Object e = room.peek();
            if (e == null) {
                break;
            }
            if (e instanceof Group g) {
                int k = g.size();
                if (k > maxBatch - n) {
                    if (n == 0) {
                        room.poll();
                        big = g;
                        return g.asList();
                    }
                    break;
                }
                room.poll();
                System.arraycopy(g.items, 0, slots, n, k);
                n += k;
                room.groups.give(g);
            } else {
                room.poll();
                slots[n++] = e;
            }
        }
        if (n == 0) {
            return null;
        }
        size = n;
        return view.open(n);
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
}
