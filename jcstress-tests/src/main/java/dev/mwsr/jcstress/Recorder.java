package dev.mwsr.jcstress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The flusher of the tests: records every batch it receives. It adds no synchronization of its
 * own, so it hides nothing: it relies on the buffer's promise that flusher calls never overlap
 * (and happen-before one another), and on {@code close()} or the jcstress arbiter for visibility
 * to the reader. Items are recorded by reference; a null slot delivered by a broken buffer is
 * recorded as "null".
 */
final class Recorder<T> implements Consumer<List<T>> {
    private final List<List<T>> batches = new ArrayList<>();
    private final Consumer<? super List<T>> also;
    private final int failFrom;
    private int calls;

    Recorder() {
        this(batch -> {}, Integer.MAX_VALUE);
    }

    /** Runs {@code also} on every batch (before recording it), e.g. {@link Box#see}. */
    Recorder(Consumer<? super List<T>> also) {
        this(also, Integer.MAX_VALUE);
    }

    private Recorder(Consumer<? super List<T>> also, int failFrom) {
        this.also = also;
        this.failFrom = failFrom;
    }

    /** A flusher that records its batches, and throws (recording nothing) from call {@code call} on. */
    static <T> Recorder<T> failingFrom(int call) {
        return new Recorder<>(batch -> {}, call);
    }

    @Override
    public void accept(List<T> batch) {
        if (++calls >= failFrom) {
            throw new IllegalStateException("sink down");
        }
        also.accept(batch);
        batches.add(new ArrayList<>(batch));
    }

    /** Every item delivered, in order. */
    List<T> delivered() {
        List<T> all = new ArrayList<>();
        batches.forEach(all::addAll);
        return all;
    }

    /** How many times {@code item} (compared by identity) was delivered. */
    int count(T item) {
        int n = 0;
        for (List<T> batch : batches) {
            for (T t : batch) {
                if (t == item) {
                    n++;
                }
            }
        }
        return n;
    }

    /** How many deliveries in all. */
    int total() {
        int n = 0;
        for (List<T> batch : batches) {
            n += batch.size();
        }
        return n;
    }

    /** How many different items (by identity) were delivered. */
    int distinct() {
        Set<T> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (List<T> batch : batches) {
            seen.addAll(batch);
        }
        return seen.size();
    }

    /** The items in delivery order, space-separated: {@code "a1 b1 a2 b2"}. */
    String sequence() {
        StringBuilder sb = new StringBuilder();
        for (List<T> batch : batches) {
            for (T t : batch) {
                sb.append(sb.isEmpty() ? "" : " ").append(t);
            }
        }
        return sb.toString();
    }

    /** The batches in delivery order: {@code "[a1 a2] [b1]"}. */
    String batches() {
        StringBuilder sb = new StringBuilder();
        for (List<T> batch : batches) {
            sb.append(sb.isEmpty() ? "[" : " [");
            for (int i = 0; i < batch.size(); i++) {
                sb.append(i == 0 ? "" : " ").append(batch.get(i));
            }
            sb.append(']');
        }
        return sb.toString();
    }
}
