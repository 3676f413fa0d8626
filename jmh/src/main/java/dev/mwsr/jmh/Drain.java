package dev.mwsr.jmh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The batch consumer every implementation delivers to: it reads every item of the batch (so no
 * implementation can skip touching its items) and counts them. Called by one thread at a time.
 * {@link #deliveredAcquire()} may be read by any thread: the consumer publishes its count with a
 * release store after each batch, so a reader that sees the count also sees the batch done.
 */
final class Drain {
    private static final VarHandle DELIVERED;

    static {
        try {
            DELIVERED = MethodHandles.lookup().findVarHandle(Drain.class, "delivered", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long delivered; // written by the consumer thread only, published with setRelease
    private long batches;
    private long checksum;

    void accept(List<? extends Long> batch) {
        long sum = checksum;
        for (int i = 0, n = batch.size(); i < n; i++) {
            sum += batch.get(i);
        }
        checksum = sum;
        batches++;
        DELIVERED.setRelease(this, delivered + batch.size());
    }

    /** Items delivered so far; a release/acquire pair with the consumer's last batch. */
    long deliveredAcquire() {
        return (long) DELIVERED.getAcquire(this);
    }

    /** Batches delivered so far; exact only once the consumer has stopped. */
    long batchesPlain() {
        return batches;
    }

    /** Keeps the item reads alive; exact only once the consumer has stopped. */
    long checksumPlain() {
        return checksum;
    }
}
