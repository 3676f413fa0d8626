package dev.mwsr;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The queue element of an {@link AsyncBuffer#writeV} group of two or more items: one element, so
 * the group stays contiguous however producers interleave, and it takes {@link #size()} places of
 * capacity. Holds a private copy of the caller's items. Package-private, so a user's item can
 * never be mistaken for a group.
 */
final class Group {
    final Object[] items;

    Group(Object[] items) {
        assert items.length > 1 : "single items are queued as themselves";
        this.items = items;
    }

    int size() {
        return items.length;
    }

    /** Places a queue element takes: a group its size, anything else one. */
    static int placesOf(Object element) {
        return element instanceof Group g ? g.items.length : 1;
    }

    /** A read-only view of the group for a flusher call of its own (a group larger than a batch). */
    @SuppressWarnings("unchecked")
    <T> List<T> asList() {
        return (List<T>) Collections.unmodifiableList(Arrays.asList(items));
    }

    /** Appends this element's items to {@code out}. */
    static void addTo(Object element, List<Object> out) {
        if (element instanceof Group g) {
            out.addAll(Arrays.asList(g.items));
        } else {
            out.add(element);
        }
    }
}
