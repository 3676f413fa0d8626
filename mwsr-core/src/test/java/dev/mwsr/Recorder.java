package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A flusher for tests: copies every batch, and records violations of the flusher-call promises
 * (concurrent calls, empty calls, calls over the limit) instead of trusting the buffer.
 */
final class Recorder<T> implements Consumer<List<T>> {
    private final int limit;
    private final AtomicInteger inside = new AtomicInteger();
    private final List<List<T>> calls = new ArrayList<>();
    private volatile String violation;
    /** Runs inside each call after it is recorded (to slow down, block, or throw). */
    volatile Consumer<List<T>> then = batch -> {};

    /** @param limit the most items a call may hold, unless it is one oversized writeV group */
    Recorder(int limit) {
        this.limit = limit;
    }

    @Override
    public void accept(List<T> batch) {
        if (inside.incrementAndGet() != 1) {
            violation = "flusher called concurrently with itself";
        }
        try {
            if (batch.isEmpty()) {
                violation = "flusher called with an empty list";
            }
            synchronized (calls) {
                calls.add(List.copyOf(batch));
            }
            then.accept(batch);
        } finally {
            inside.decrementAndGet();
        }
    }

    List<List<T>> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    List<T> items() {
        List<T> all = new ArrayList<>();
        for (List<T> call : calls()) {
            all.addAll(call);
        }
        return all;
    }

    int itemCount() {
        int n = 0;
        for (List<T> call : calls()) {
            n += call.size();
        }
        return n;
    }

    /** Fails if any call broke a promise; calls over the limit are allowed only if listed. */
    void assertSound(List<List<T>> oversizedGroups) {
        assertTrue(violation == null, violation);
        for (List<T> call : calls()) {
            assertTrue(
                    call.size() <= limit || oversizedGroups.contains(call),
                    "call of " + call.size() + " items exceeds the limit " + limit + " and is not one oversized group");
        }
    }

    void assertSound() {
        assertSound(List.of());
    }
}
