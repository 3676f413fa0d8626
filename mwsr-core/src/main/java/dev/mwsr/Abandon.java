package dev.mwsr;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What an inline buffer's {@code close(Duration)} abandons: the batch the flushing thread holds
 * (from its cut until delivered or parked), an oversized write waiting behind it, and the
 * published report. The steps are in {@link InlineEngine}'s notes.
 */
final class Abandon {
    private final ReentrantLock heldLock = new ReentrantLock();
    /** Guarded by heldLock: a {@code List}, or a {@code ByteBuffer} of {@link #heldSize} bytes. */
    private Object held;

    private int heldSize;
    /** The oversized write not yet handed over: set under the write lock, read and cleared under heldLock. */
    private Object next;

    private int nextSize;

    private volatile boolean started;
    private volatile Throwable cause;
    private volatile List<Object> undelivered = List.of();
    private volatile List<Object> inDoubt = List.of();

    /** At the cut, under the flush lock; a {@code ByteBuffer} is read with absolute reads only. */
    void hold(Object batch, int size) {
        heldLock.lock();
        try {
            held = batch;
            heldSize = size;
        } finally {
            heldLock.unlock();
        }
    }

    /** The held batch was delivered or parked; before its storage is cleared. */
    void release() {
        hold(null, 0);
    }

    /**
     * Under the write lock, which the closing thread holds while it reads {@code next}: no heldLock
     * needed here (the write lock's release publishes it); {@link #takeNext}, without it, needs it.
     */
    void holdNext(Object group, int size) {
        next = group;
        nextSize = size;
    }

    /** The oversized write becomes the held batch; false if abandoned (reported, neither called nor parked). */
    boolean takeNext() {
        heldLock.lock();
        try {
            if (started) {
                return false;
            }
            held = next;
            heldSize = nextSize;
            next = null;
            return true;
        } finally {
            heldLock.unlock();
        }
    }

    int heldSize() {
        heldLock.lock();
        try {
            return held == null ? 0 : heldSize;
        } finally {
            heldLock.unlock();
        }
    }

    private static List<Object> copy(Object batch, int size) {
        if (batch instanceof java.nio.ByteBuffer bytes) {
            return List.of(ByteSources.copyOf(bytes, 0, size).asReadOnlyBuffer());
        }
        return batch == null ? List.of() : new ArrayList<>((List<?>) batch);
    }

    void start() {
        started = true;
    }

    /** Whether close(Duration) has abandoned (or is abandoning): no flusher call starts any more. */
    boolean started() {
        return started;
    }

    /**
     * Undelivered: the oversized write (if any), then {@code lost}; in doubt: copies of the held
     * batch. Returns the oversized write's units.
     */
    int publish(Throwable why, List<Object> lost) {
        heldLock.lock();
        try {
            List<Object> all = new ArrayList<>(copy(next, nextSize));
            all.addAll(lost);
            undelivered = List.copyOf(all);
            inDoubt = List.copyOf(copy(held, heldSize));
            cause = why;
            return next == null ? 0 : nextSize;
        } finally {
            heldLock.unlock();
        }
    }

    /** The exception of an abandoned buffer; waits for the closing thread's publication (short). */
    FlushFailedException exception() {
        while (cause == null) {
            LockSupport.parkNanos(this, 100_000L);
        }
        return new FlushFailedException(
                "close(Duration) abandoned a flusher call that did not return, so the buffer failed and"
                        + " refuses further writes; undelivered() holds the " + undelivered.size()
                        + " items never handed to the flusher, inDoubt() the " + inDoubt.size()
                        + " items of the call still running",
                cause,
                undelivered,
                inDoubt);
    }
}
