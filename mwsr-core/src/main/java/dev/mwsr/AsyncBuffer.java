package dev.mwsr;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A bounded multi-writer, single-reader buffer flushed by one background thread: writers put items
 * on a lock-free queue and return; a drainer thread (virtual by default) cuts batches of up to
 * {@code maxBatch} items and hands them to the flusher. Writers never do I/O and never wait for
 * it, unless the overflow policy is {@link OverflowPolicy#BLOCK} and the queue is full.
 *
 * <p>The contract all buffers share (threads, happens-before, order, the list view, exactly
 * once and failures, interrupts, close) is stated once in the {@linkplain dev.mwsr package
 * documentation}; this page adds what is AsyncBuffer's own. The flusher is called only by the
 * drainer thread, which the constructor starts and {@link #close()} joins; when it runs is chosen
 * by the {@link Mode}.
 *
 * <p><b>Capacity.</b> {@code capacity} bounds the items waiting in the queue; the batch in the
 * flusher is not counted, so up to {@code capacity + maxBatch} items may be pending. A
 * {@code writeV} group of n items takes n places. What happens to a writer that does not fit is the
 * {@link OverflowPolicy}; drops are counted in {@link Metrics#dropped()}.
 *
 * <p><b>The flusher</b> receives a read-only {@link List} view that is valid only during the
 * call; it is reused, so a flusher that keeps items copies them. The flusher may {@code write} to
 * its own buffer if that does not have to wait; it must not call {@link #flush()} or
 * {@link #close()} on it, nor a write that would have to wait for room: these throw
 * {@link IllegalStateException} rather than deadlock.
 *
 * <p><b>Failures.</b> By default the buffer fails fast: once the flusher throws, the drainer
 * stops, every later {@code write}, {@code writeV}, {@code flush} and {@code close} throws
 * {@link FlushFailedException} with the flusher's exception as cause, and
 * {@link FlushFailedException#undelivered()} holds the failed batch followed by every item accepted
 * and not delivered (complete when thrown). With {@link Builder#retryFailedBatches(Duration)} the
 * drainer instead keeps the batch and calls the flusher again after a pause that doubles from
 * 1 ms up to the given maximum (the first failure logged with its trace, then a count at most once
 * a second, through {@link System.Logger}); writers meanwhile fill the queue and then wait, drop or
 * grow as the overflow policy says, and {@code flush()}/{@code close()} wait for the retries to
 * succeed ({@link #close(Duration)} bounds that wait). The bounded policy,
 * {@link Builder#retryFailedBatches(Duration, Duration, Consumer)}, retries one batch for at most a
 * given time and then hands it to a dead-letter handler (or drops it, counted and logged) and goes
 * on. Under every policy a {@link VirtualMachineError} from the flusher fails the buffer at once
 * (never retried; it is the cause, as itself), and a {@link PartialFlushException}'s durable
 * prefix counts as written. Every flusher call that threw is counted in {@link Metrics#failures()}.
 *
 * <p><b>Interrupts.</b> A writer interrupted while it waits for room ({@code BLOCK}) throws
 * {@link CancellationException} with the {@link InterruptedException} as cause, its interrupt flag
 * set again, and none of its items written. {@code flush()} and {@code close()} wait without regard
 * to interrupts (the flag stays set). The flusher is never called with an interrupt flag set on
 * the drainer thread (a stray flag is cleared around each call), and the buffer never interrupts
 * it, not even when {@link #close(Duration)} gives up.
 *
 * <p><b>Close it.</b> Always close the buffer (try-with-resources, or on shutdown). As a safety
 * net only, the drainer does not keep its buffer reachable: once an unclosed {@code AsyncBuffer}
 * has been garbage collected, its drainer notices within about a second of idling, delivers
 * everything accepted and ends (a failure then reaches no caller and is logged as a warning). When
 * that happens depends on the collector, and items still pending when the JVM exits are lost.
 *
 * <p><b>Metrics</b> are estimates for monitoring, read without locks and cheap enough to poll
 * often; they are exact when the buffer is quiescent (after {@code flush()} with no writer running,
 * or after {@code close()}). Each flusher call also emits a {@code dev.mwsr.Flush} JDK Flight
 * Recorder event (batch size, duration, failed), disabled unless a recording enables it.
 *
 * @param <T> the item type
 */
// flush(), close() and metrics() are inherited from a package-private class; javadoc shows them here.
@SuppressWarnings("exports")
public final class AsyncBuffer<T> extends AsyncControl<T> implements BatchBuffer<T> {
    /*
     * Implementation notes live beside the code: the queue, groups, admission and overflow in
     * Room; the drainer's loop, flush() and MANUAL in Drainer, its wake-up handshake in Sleeper,
     * cutting a batch in BatchCut, failure and close(Duration) giving up in FlusherCalls. This
     * file is the writers' side; AsyncControl holds the calls that wait for the drainer.
     */

    /** When the drainer delivers. */
    public enum Mode {
        /** Deliver as soon as items are there; batches form while the flusher is busy. */
        TRIGGER,
        /**
         * Time-driven double buffering: after each flusher call the drainer rests at least
         * {@code interval} before the next cut (never early; no call for an empty period).
         * {@code flush()} and {@code close()} cut the rest short; with
         * {@link Builder#earlyFlush(boolean)} a full batch does too. Each cut takes up to
         * {@code maxBatch} items, so under {@code BLOCK} a writer that finds the queue full waits
         * for the next cut: throughput is at most {@code maxBatch} items per interval plus
         * flusher time, by design.
         */
        LOOP,
        /**
         * Only {@code flush()} and {@code close()} deliver; and, so that no writer waits forever
         * under {@code BLOCK}, while writers wait for room the drainer delivers what is queued.
         */
        MANUAL
    }

    /** What a write does when the queue has no room for its items. */
    public enum OverflowPolicy {
        /** Wait for room; nothing is lost. Interruptible. */
        BLOCK,
        /** Discard the oldest queued items (whole groups) until the new items fit. */
        DROP_OLDEST,
        /** Discard the incoming items (the whole group); the write returns normally. */
        DROP_NEWEST,
        /**
         * As {@link #DROP_NEWEST}, and log a warning through {@link System.Logger} (logger
         * {@code dev.mwsr.AsyncBuffer}) at most once per second with the count dropped since.
         */
        WARN,
        /** Never refuse: the queue is unbounded and fails loudly by running out of memory. */
        GROW
    }

    private static final String NULL_IN_GROUP = "writeV: null item; nothing was written";

    private final int capacity;
    private final Mode mode;
    private final Room room;
    private final Drainer<T> drainer;
    /** The drainer's wake-up handshake, which every write touches: one load less than via drainer. */
    private final Sleeper sleeper;

    /**
     * Creates a buffer with the builder's defaults: {@link Mode#TRIGGER},
     * {@link OverflowPolicy#BLOCK}, {@code maxBatch = capacity}, fail-fast, a virtual drainer.
     *
     * @param capacity the most items waiting in the queue, at least 1 and at most 2<sup>30</sup>
     * @param flusher receives each batch, on the drainer thread
     * @throws IllegalArgumentException if {@code capacity} is out of range
     * @throws NullPointerException if {@code flusher} is null
     */
    public AsyncBuffer(int capacity, Consumer<? super List<T>> flusher) {
        this(new Builder<T>(flusher).capacity(capacity));
    }

    private AsyncBuffer(Builder<T> b) {
        b.validate();
        this.capacity = b.capacity;
        this.mode = b.mode;
        int maxBatch = b.maxBatch > 0 ? b.maxBatch : b.capacity;
        System.Logger logger = b.logger != null ? b.logger : System.getLogger(AsyncBuffer.class.getName());
        this.room = new Room(capacity, b.overflow, logger);
        long interval = b.interval == null ? 0 : b.interval.toNanos();
        long backoff = b.maxBackoff == null ? -1 : b.maxBackoff.toNanos();
        long giveUp = b.giveUpAfter == null ? -1 : b.giveUpAfter.toNanos();
        FailurePolicy<T> policy = new FailurePolicy<>(backoff, giveUp, b.deadLetter, logger);
        this.drainer = new Drainer<>(room, b.flusher, mode, maxBatch, interval, b.earlyFlush, policy, this);
        this.sleeper = drainer.sleeper;
        room.beforeWait(drainer::beforeWriterWaits); // not this::..., see Room.beforeWait
        Thread t = b.threadFactory.newThread(drainer);
        if (t == null) {
            throw new IllegalStateException("threadFactory returned null; it must return an unstarted thread");
        }
        drainer.start(t);
    }

    /**
     * Starts a builder; see {@link Builder} for the options and their defaults.
     *
     * @param flusher receives each batch, on the drainer thread
     * @param <T> the item type
     * @return a new builder
     * @throws NullPointerException if {@code flusher} is null
     */
    public static <T> Builder<T> builder(Consumer<? super List<T>> flusher) {
        return new Builder<>(flusher);
    }

    /**
     * Writes one item: queues it and returns (no I/O). Allocates nothing with a bounded policy.
     *
     * @param item the item, not null
     * @throws NullPointerException if {@code item} is null
     * @throws IllegalStateException if the buffer is closed, or if a write from inside the
     *     flusher would have to wait for room
     * @throws FlushFailedException if the buffer failed
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void write(T item) {
        Objects.requireNonNull(item, "item");
        enqueue(item, 1);
    }

    /**
     * Writes one item if room comes within {@code timeout}: as {@link #write}, but a writer that
     * finds the queue full waits at most {@code timeout} for room, whatever the overflow policy,
     * and then returns {@code false} with nothing written (not counted in
     * {@link Metrics#dropped()}: the caller decides what to do with the item). With
     * {@link OverflowPolicy#GROW} there is always room.
     *
     * @param item the item, not null
     * @param timeout the longest wait for room; zero or negative: do not wait
     * @return true if the item was accepted (it will be delivered exactly once, as for {@code write})
     * @throws NullPointerException if {@code item} or {@code timeout} is null; nothing is written
     * @throws IllegalStateException if the buffer is closed, or if called from inside the flusher
     *     when it would have to wait
     * @throws FlushFailedException if the buffer failed
     * @throws CancellationException if interrupted while waiting; nothing is written, flag set again
     */
    public boolean offer(T item, Duration timeout) {
        Objects.requireNonNull(item, "item");
        long nanos = Math.max(0, Objects.requireNonNull(timeout, "timeout").toNanos());
        return enqueueWithin(item, nanos);
    }

    /**
     * Writes one item if there is room now; never waits: {@code offer(item, Duration.ZERO)}.
     *
     * @param item the item, not null
     * @return true if the item was accepted; false if the queue was full (nothing written)
     * @throws NullPointerException if {@code item} is null
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed
     */
    public boolean tryWrite(T item) {
        Objects.requireNonNull(item, "item");
        return enqueueWithin(item, 0);
    }

    private boolean enqueueWithin(Object item, long nanos) {
        long after = room.reserveWithin(1, nanos);
        if (after < 0) {
            if (after == Room.REFUSED) {
                throw refused();
            }
            return false;
        }
        room.offer(item);
        sleeper.wrote(after);
        return true;
    }

    /**
     * Writes a group atomically: its items arrive contiguous, in order, in one flusher call, with
     * no other writer's item between them. The group takes as many places as it has items; one
     * larger than {@code capacity} is accepted alone once the queue is empty (or dropped whole, by
     * a dropping policy, if it is not), and one larger than {@code maxBatch} is delivered as one
     * call of exactly its items. An empty group writes nothing (but still throws if the buffer is
     * closed or failed). The items are copied (into a recycled holder for groups of up to 64
     * items, so steady-state calls allocate nothing); the array may be reused after the call.
     *
     * @param items the items, none null
     * @throws NullPointerException if the array or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed
     * @throws CancellationException if interrupted while waiting for room
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, copied as Object[]; it never escapes as T[]
    public final void writeV(T... items) {
        Objects.requireNonNull(items, "items");
        writeGroup(items, null, items.length);
    }

    /**
     * Writes a group atomically; see {@link #writeV(Object[])}. The list must not change during
     * the call; it is copied.
     *
     * @param items the items, none null
     * @throws NullPointerException if the list or any item is null; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed
     * @throws CancellationException if interrupted while waiting for room
     */
    @Override
    public void writeV(List<? extends T> items) {
        Objects.requireNonNull(items, "items");
        if (items instanceof RandomAccess) {
            writeGroup(null, items, items.size());
        } else {
            Object[] copy = items.toArray();
            writeGroup(copy, null, copy.length);
        }
    }

    /** Copies the group into a pooled {@link Group} (checking for nulls) and queues it. */
    private void writeGroup(Object[] array, List<?> list, int n) {
        if (n < 2) {
            Object only = n == 0 ? null : Objects.requireNonNull(array != null ? array[0] : list.get(0), NULL_IN_GROUP);
            if (only != null) {
                enqueue(only, 1);
            } else if ((room.word() & (Room.CLOSED | Room.FAILED)) != 0) {
                throw refused();
            }
            return;
        }
        Group g = room.groups.take(n);
        Object[] copy = g.items;
        boolean queued = false;
        try {
            for (int i = 0; i < n; i++) {
                copy[i] = Objects.requireNonNull(array != null ? array[i] : list.get(i), NULL_IN_GROUP);
            }
            g.size = n;
            queued = enqueue(g, n);
        } finally {
            if (!queued) {
                g.size = n;
                room.groups.give(g); // null item, refused, dropped or interrupted: never queued
            }
        }
    }

    /** @return true if queued; false if the overflow policy dropped it (and counted it) */
    private boolean enqueue(Object element, int places) {
        // Between reserve and offer nothing of ours can throw; a VirtualMachineError there (a stack
        // overflow entering offer, an OOM while GROW's queue allocates a chunk) would leave a place
        // counted that never arrives, and close() (also close(Duration) giving up, which collects
        // the queue) would wait for it forever. Not repaired: JCTools' offer may already have
        // claimed its slot (its consumer then spins on that slot too), so un-counting could not
        // make the queue whole. Known limit, in the README: after a VirtualMachineError on a
        // writer thread the buffer may not close.
        long after = room.reserve(places);
        if (after < 0) {
            if (after == Room.REFUSED) {
                throw refused();
            }
            return false;
        }
        room.offer(element);
        sleeper.wrote(after);
        return true;
    }

    /**
     * The most items waiting in the queue (the batch in the flusher not counted).
     *
     * @return the capacity
     */
    @Override
    public int capacity() {
        return capacity;
    }

    /** The drainer; tests use it for its thread and wake-up count. */
    @Override
    Drainer<T> drainer() {
        return drainer;
    }

    /** The queue; tests use it to queue an item without the writer's wake-up. */
    @Override
    Room room() {
        return room;
    }

    @Override
    public String toString() {
        return "AsyncBuffer[capacity=" + capacity + ", mode=" + mode + ", " + metrics() + "]";
    }

    // ---------------------------------------------------------------------------------------

    /**
     * Options for an {@link AsyncBuffer}. Not thread-safe; {@link #build()} may be called more than
     * once, each call starting a new buffer (and drainer thread).
     *
     * @param <T> the item type
     */
    // The setters are inherited from a package-private class; javadoc shows them as the builder's own.
    @SuppressWarnings("exports")
    public static final class Builder<T> extends AsyncSettings<T> {
        private Builder(Consumer<? super List<T>> flusher) {
            super(flusher);
        }

        /**
         * Checks the options and starts a buffer with its drainer thread.
         *
         * @return the buffer
         * @throws IllegalArgumentException if the capacity is out of range, {@code maxBatch} exceeds
         *     the capacity (except with {@code GROW}), {@code LOOP} has no interval, or
         *     {@code interval}/{@code earlyFlush} are given for another mode
         * @throws IllegalStateException if the thread factory returns null
         */
        public AsyncBuffer<T> build() {
            return new AsyncBuffer<>(this);
        }
    }
}
