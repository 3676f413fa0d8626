package dev.mwsr;

import java.util.Arrays;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

/**
 * Recycled {@link Group}s, so {@code writeV} allocates nothing in steady state: a bounded lock-free
 * queue per power-of-two length up to {@link #LARGEST}. A miss, a full queue or a longer group
 * falls back to the garbage collector; a group not given back is merely collected. The consumer
 * clears a group before it offers it; the queue's offer/poll (release/acquire) let the polling
 * writer see it cleared and no longer read.
 */
final class GroupPool {
    static final int LARGEST = 64;

    private static final int CLASSES = Integer.numberOfTrailingZeros(LARGEST); // lengths 2, 4, ..., 64
    /** The most groups kept per length, whatever the capacity (GROW has no bound of its own). */
    private static final int MOST_PER_CLASS = 1024;

    private final MpmcVarHandleArrayQueue<Group>[] classes;

    /** @param capacity the buffer's capacity in items, which bounds how many groups can be queued */
    @SuppressWarnings("unchecked")
    GroupPool(int capacity) {
        classes = (MpmcVarHandleArrayQueue<Group>[]) new MpmcVarHandleArrayQueue<?>[CLASSES];
        for (int k = 0; k < CLASSES; k++) {
            int length = 2 << k;
            // The queue holds at most capacity / length such groups, and writers hold a few more
            // between take and offer: twice that, so a full queue's worth is never turned away.
            classes[k] = new MpmcVarHandleArrayQueue<>(Math.max(4, Math.min(2 * (capacity / length), MOST_PER_CLASS)));
        }
    }

    Group take(int n) {
        if (n > LARGEST) {
            return new Group(n);
        }
        int k = classOf(n);
        Group g = classes[k].relaxedPoll();
        return g != null ? g : new Group(2 << k);
    }

    /** The caller must not use {@code g} again. */
    void give(Group g) {
        Arrays.fill(g.items, 0, g.size, null);
        g.size = 0;
        int length = g.items.length;
        if (length <= LARGEST && Integer.bitCount(length) == 1) {
            classes[classOf(length)].relaxedOffer(g);
        }
    }

    /** The class of the smallest power-of-two length >= n, for 2 <= n <= LARGEST: 2 -> 0, 3..4 -> 1, ... */
    static int classOf(int n) {
        return 31 - Integer.numberOfLeadingZeros(n - 1);
    }
}
