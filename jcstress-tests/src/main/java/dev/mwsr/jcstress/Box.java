package dev.mwsr.jcstress;

import java.util.List;

/**
 * A mutable item with plain (non-volatile, non-final) fields, filled in by the writer after
 * construction and read by the flusher: only the buffer's happens-before edges make them visible.
 */
final class Box {
    /** Set by the writer before {@code write}. */
    int x;

    int y;
    /**
     * Set by the flusher: what it saw of x and y ({@code 10 * x + y}), which thread it ran on, and
     * how many times this box was delivered.
     */
    int seen = -1;

    Thread deliveredBy;
    int deliveries;
    /** Set by the flusher: the size of the batch that held this box. */
    int batch;

    /** The test flusher for boxes: records what it sees in every item. */
    static void see(List<Box> batch) {
        for (Box b : batch) {
            b.batch = batch.size();
            b.seen = 10 * b.x + b.y;
            b.deliveredBy = Thread.currentThread();
            b.deliveries++;
        }
    }

    @Override
    public String toString() {
        return "Box[" + x + ", " + y + "]";
    }
}
