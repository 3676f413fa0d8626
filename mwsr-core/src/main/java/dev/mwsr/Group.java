package dev.mwsr;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The queue element of a {@code writeV} group of two or more items: a copy in
 * {@code items[0, size)} (the array may be longer: groups are recycled through a
 * {@link GroupPool}). Package-private, so a user's item can never be mistaken for a group. Owned
 * by one thread at a time; the queue's offer/poll and the pool's queue publish each hand-over.
 */
final class Group {
    final Object[] items;
    int size;

    Group(int length) {
        assert length > 1 : "single items are queued as themselves";
        this.items = new Object[length];
    }

    int size() {
        return size;
    }

    /** Places a queue element takes: a group its size, anything else one. */
    static int placesOf(Object element) {
        return element instanceof Group g ? g.size : 1;
    }

    /** A read-only view of the group for a flusher call of its own (a group larger than a batch). */
    @SuppressWarnings("unchecked")
    <T> List<T> asList() {
        return (List<T>) Collections.unmodifiableList(Arrays.asList(items).subList(0, size));
    }

    static void addTo(Object element, List<Object> out) {
        if (element instanceof Group g) {
            out.addAll(Arrays.asList(g.items).subList(0, g.size));
        } else {
            out.add(element);
        }
    }
}
