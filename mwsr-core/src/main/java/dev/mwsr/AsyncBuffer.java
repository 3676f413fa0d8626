package dev.mwsr;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A bounded multi-writer, single-reader buffer flushed by one background thread: writers put items
 * on a lock-free queue and return; a drainer thread (virtual by default) cuts batches of up to
 * {@code maxBatch} items (and {@link Builder#maxBatchBytes} bytes, if set) and hands them to the
 * flusher. Writers never do I/O and never wait for
 * it, unless the overflow policy is {@link OverflowPolicy#BLOCK} and the queue is full. The
 * contract is {@link BatchBuffer}'s and the {@linkplain dev.mwsr package documentation}'s; this
 * page adds what is AsyncBuffer's own. The flusher is called only by the drainer thread, which the
 * constructor starts and {@link #close()} joins; when it runs is chosen by the {@link Mode}.
 *
 * <p><b>Capacity.</b> {@code capacity} bounds the items waiting in the queue; the batch in the
 * flusher is not counted, so up to {@code capacity + maxBatch} items may be pending. A
 * {@code writeV} group of n items takes n places. What happens to a writer that does not fit is the
 * {@link OverflowPolicy}; drops are counted in {@link Metrics#dropped()}.
 *
 * <p><b>The flusher</b> may {@code write} to its own buffer if that does not have to wait. A
 * {@link PreparingFlusher} (such as mwsr-io's text file flushers) has its {@code prepare} run on
 * each writing thread and receives the prepared forms; see there for when.
 *
 * <p><b>Failures.</b> Fail-fast by default; {@link Builder#retryFailedBatches(Duration)} retries
 * instead, {@link Builder#retryFailedBatches(Duration, Duration, Consumer)} retries one batch for
 * a bounded time and then gives it up. Every flusher call that threw counts in
 * {@link Metrics#failures()}.
 *
 * <p><b>Close it</b> (try-with-resources, or on shutdown). As a safety net only, the drainer does
 * not keep its buffer reachable: once an unclosed {@code AsyncBuffer} has been garbage collected,
 * its drainer notices within about a second of idling, delivers everything accepted and ends (a
 * failure then reaches no caller and is logged as a warning). When depends on the collector;
 * items still pending when the JVM exits are lost.
 *
 * <p><b>Metrics.</b> Each flusher call also emits a {@code dev.mwsr.Flush} JDK Flight Recorder
 * event (batch size, duration, failed), disabled unless a recording enables it.
 *
 * @param <T> the item type
 */
public final class AsyncBuffer<T> implements BatchBuffer<T> {
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
    private final Sleeper sleeper;
    /** The flusher, when writers prepare items for it; null when they queue the items themselves. */
    private final PreparingFlusher<? super T, ?> preparer;
    /** Whether a maxBatchBytes sizer measures the items (a failure may then be the sizer's). */
    private final boolean sized;

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
        this.preparer = b.preparer();
        AsyncConfig<T> config = b.config(preparer);
        this.capacity = config.capacity();
        this.sized = config.sizer() != null;
        this.mode = b.mode;
        this.sleeper = new Sleeper(config.wakeAt());
        this.room = new Room(config, sleeper);
        this.drainer = new Drainer<>(config, room, sleeper, this);
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

    /** {@inheritDoc} Queues the item and returns (no I/O); allocates nothing with a bounded policy. */
    @Override
    public void write(T item) {
        Objects.requireNonNull(item, "item");
        enqueue(prepare(item), 1);
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
     * @throws java.util.concurrent.CancellationException if interrupted while waiting; nothing is
     *     written
     */
    public boolean offer(T item, Duration timeout) {
        Objects.requireNonNull(item, "item");
        long nanos = Math.max(0, Objects.requireNonNull(timeout, "timeout").toNanos());
        return enqueueWithin(prepare(item), nanos);
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
        return enqueueWithin(prepare(item), 0);
    }

    /**
     * Writes a group atomically; see {@link #writeV(List)}. A group larger than {@code capacity}
     * is accepted alone once the queue is empty (or dropped whole, by a dropping policy, if it is
     * not). The items are copied (into a recycled holder for groups of up to 64 items, so
     * steady-state calls allocate nothing). Throws as {@link #writeV(List)}.
     *
     * @param items the items, none null
     */
    @SafeVarargs
    @SuppressWarnings("varargs") // the array is only read, copied as Object[]; it never escapes as T[]
    public final void writeV(T... items) {
        Objects.requireNonNull(items, "items");
        writeGroup(items, null, items.length);
    }

    /**
     * {@inheritDoc} The group takes as many places as it has items; see {@link #writeV(Object[])}
     * for one larger than {@code capacity}. The list must not change during the call.
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

    /**
     * Writes {@code items[from, to)} as independent items, in order, with one admission (one
     * reservation of their places) per {@link #capacity()} items: for callers that already hold a
     * batch. Unlike {@code writeV} they are not a group: other writers' items may come between
     * them, and they may be split across flusher calls ({@code maxBatch}, {@code maxBatchBytes}).
     * The array is read, never kept; it must not change during the call.
     *
     * <p><b>Admission.</b> A range of at most {@code capacity()} items is admitted all or nothing.
     * A longer one is admitted in consecutive chunks of {@code capacity()} items (the last one
     * shorter), each as if it were the whole call: under {@code BLOCK} each waits for room; a
     * chunk that does not fit is dropped whole by {@code DROP_NEWEST} and {@code WARN}, while
     * {@code DROP_OLDEST} drops the oldest queued items until it fits, which may be this call's
     * own earlier chunks if the drainer has not taken them yet; {@code GROW} takes everything.
     * Drops are counted in {@link Metrics#dropped()}. If a later chunk throws (the buffer was
     * closed or failed meanwhile, or the writer was interrupted while waiting), the chunks before
     * it stay accepted and are delivered as usual; a caller that needs all-or-nothing passes at
     * most {@code capacity()} items per call.
     *
     * <p>With a {@link PreparingFlusher}, {@code prepare} runs on the calling thread for every item
     * of the range, in order, before any is admitted; if it throws, nothing is written. That
     * allocates one array of prepared forms per call; otherwise a call allocates nothing.
     *
     * @param items the array holding the items
     * @param from the first index written, inclusive
     * @param to the last index written, exclusive
     * @return how many items were accepted: {@code to - from}, less those of any chunk an
     *     overflow policy dropped
     * @throws IndexOutOfBoundsException if the range is not within the array; nothing is written
     * @throws NullPointerException if {@code items} or an item in the range is null; nothing is
     *     written
     * @throws IllegalStateException if the buffer is closed (also for an empty range), or if called
     *     from inside the flusher when it would have to wait
     * @throws FlushFailedException if the buffer failed
     * @throws java.util.concurrent.CancellationException if interrupted while waiting for room;
     *     nothing of the waiting chunk is written
     */
    public int writeAll(T[] items, int from, int to) {
        Objects.requireNonNull(items, "items");
        Objects.checkFromToIndex(from, to, items.length);
        for (int i = from; i < to; i++) {
            if (items[i] == null) {
                throw new NullPointerException("writeAll: items[" + i + "] is null; nothing was written");
            }
        }
        if (from == to) {
            if ((room.word() & (Room.CLOSED | Room.FAILED)) != 0) {
                throw refused();
            }
            return 0;
        }
        Object[] queued = items;
        int offset = from;
        if (preparer != null) {
            queued = new Object[to - from];
            for (int i = from; i < to; i++) {
                queued[i - from] = prepare(items[i]);
            }
            offset = 0;
        }
        int accepted = 0;
        for (int start = 0, n = to - from; start < n; ) {
            int k = Math.min(capacity, n - start);
            long after = room.reserve(k);
            if (after == Room.REFUSED) {
                throw refused();
            }
            if (after >= 0) {
                sleeper.wrote(room.offerAll(queued, offset + start, k, after));
                accepted += k;
            }
            start += k;
        }
        return accepted;
    }

    /**
     * {@inheritDoc} Whatever the mode ({@link Mode#LOOP}'s rest is cut short); with the retrying
     * failure policy this waits while the flusher keeps failing.
     */
    @Override
    public void flush() {
        checkNotDrainer("flush");
        if ((room.word() & Room.FAILED) != 0) {
            throw failure();
        }
        long target = room.producerIndex();
        Progress progress = drainer.progress;
        if (progress.delivered() < target && !progress.isTerminated() && !drainer.abandoned()) {
            drainer.request(target);
            progress.await(
                    () -> progress.delivered() >= target || progress.failureCause() != null || drainer.abandoned());
        }
        if ((room.word() & Room.FAILED) != 0) {
            throw failure();
        }
    }

    /** {@inheritDoc} Joins the drainer thread, so no thread outlives this call. */
    @Override
    public void close() {
        checkNotDrainer("close");
        if (!drainer.abandoned()) {
            startClose();
            Thread t = drainer.thread();
            boolean interrupted = false;
            for (; ; ) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (drainer.progress.failureCause() != null) {
            throw failure();
        }
    }

    /**
     * {@inheritDoc} The bound covers the whole close, retries included. Only a flusher call that
     * never returns keeps the drainer thread alive after this; it ends when the call returns.
     */
    @Override
    public long close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        checkNotDrainer("close");
        long abandoned = 0;
        if (!drainer.abandoned()) {
            startClose();
            long end = System.nanoTime() + Math.max(0, timeout.toNanos());
            boolean interrupted = false;
            Thread t = drainer.thread();
            while (t.isAlive()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    abandoned = drainer.abandon(new TimeoutException(
                            "close(" + timeout + ") abandoned the flusher: it did not deliver everything in time"));
                    if (abandoned != 0) {
                        break;
                    }
                    // Nothing was left to abandon: the drainer is ending by itself; join it.
                    end = System.nanoTime() + 100_000_000L;
                    continue;
                }
                try {
                    t.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (abandoned > 0) {
            return abandoned;
        }
        if (drainer.progress.failureCause() != null) {
            throw failure();
        }
        return 0L;
    }

    /**
     * {@inheritDoc} {@code enqueued} is {@code written + pending}, plus what was dropped from the
     * queue or given up (to the dead-letter handler or dropped) by the failure policy.
     */
    @Override
    public Metrics metrics() {
        long written = drainer.written();
        long pending = (room.word() & Room.COUNT) + drainer.pending();
        long droppedQueued = room.droppedQueued() + drainer.droppedFailed();
        long dropped = droppedQueued + room.droppedIncoming();
        long enqueued = written + pending + droppedQueued + drainer.deadLettered();
        return new Metrics(
                enqueued, written, dropped, pending, drainer.batches(), drainer.failures(), drainer.lagNanos());
    }

    /** {@inheritDoc} The batch in the flusher is not counted. */
    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public String toString() {
        return "AsyncBuffer[capacity=" + capacity + ", mode=" + mode + ", " + metrics() + "]";
    }

    /** Tests. */
    Drainer<T> drainer() {
        return drainer;
    }

    /** Tests. */
    Room room() {
        return room;
    }

    private boolean enqueueWithin(Object item, long nanos) {
        long end = room.reserveWithin(1, nanos);
        if (end < 0) {
            if (end == Room.REFUSED) {
                throw refused();
            }
            return false;
        }
        sleeper.wrote(room.offer(item, end));
        return true;
    }

    private void writeGroup(Object[] array, List<?> list, int n) {
        if (n < 2) {
            Object only = n == 0 ? null : Objects.requireNonNull(array != null ? array[0] : list.get(0), NULL_IN_GROUP);
            if (only != null) {
                enqueue(prepare(only), 1);
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
                copy[i] = prepare(Objects.requireNonNull(array != null ? array[i] : list.get(i), NULL_IN_GROUP));
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

    /** What is queued for {@code item}: its prepared form for a {@link PreparingFlusher}, else itself. */
    @SuppressWarnings("unchecked") // items come from T-typed writes (a group's as Object[])
    private Object prepare(Object item) {
        if (preparer == null) {
            return item;
        }
        return Objects.requireNonNull(preparer.prepare((T) item), "PreparingFlusher.prepare returned null");
    }

    /** @return true if queued; false if the overflow policy dropped it (and counted it) */
    private boolean enqueue(Object element, int places) {
        // Between reserve and offer nothing of ours can throw; a VirtualMachineError there (stack
        // overflow entering offer, OOM in GROW's chunk) leaves a place counted that never arrives
        // (the ring's head stops at its slot), and close() waits forever. Not repaired: the place
        // may already be someone's slot position, so un-counting could not make the queue whole (a
        // known limit, in the README).
        long end = room.reserve(places);
        if (end < 0) {
            if (end == Room.REFUSED) {
                throw refused();
            }
            return false;
        }
        sleeper.wrote(room.offer(element, end));
        return true;
    }

    private void startClose() {
        room.refuse(Room.CLOSED);
        drainer.nudge();
    }

    private RuntimeException refused() {
        if ((room.word() & Room.FAILED) != 0) {
            return failure();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    /** Waits until the failure is published complete. */
    private FlushFailedException failure() {
        Progress progress = drainer.progress;
        progress.await(() -> progress.failureCause() != null);
        List<Object> lost = progress.undelivered();
        List<Object> doubt = progress.inDoubt();
        String why = drainer.abandoned()
                ? "close(Duration) abandoned the flusher, so the buffer failed and refuses further writes; inDoubt()"
                        + " holds the " + doubt.size() + " items of the abandoned flusher call, and"
                : (sized ? "the flusher or the maxBatchBytes sizer" : "the flusher")
                        + " threw, so the buffer failed and refuses further writes;";
        return new FlushFailedException(
                why + " undelivered() holds the " + lost.size() + " items it accepted but did not deliver",
                progress.failureCause(),
                lost,
                doubt);
    }

    private void checkNotDrainer(String what) {
        if (Thread.currentThread() == drainer.thread()) {
            throw new IllegalStateException(
                    "the flusher must not call " + what + " on its own buffer: it would wait for itself");
        }
    }

    /**
     * Options for an {@link AsyncBuffer}. Not thread-safe; {@link #build()} may be called more than
     * once, each call starting a new buffer (and drainer thread). Each setter checks its own
     * argument; {@code build()} checks them together.
     *
     * @param <T> the item type
     */
    public static final class Builder<T> {
        private static final ThreadFactory VIRTUAL =
                Thread.ofVirtual().name("mwsr-async-drainer-", 0).factory();

        private final Consumer<? super List<T>> flusher;
        private int capacity = 1024;
        private int maxBatch;
        private long maxBatchBytes;
        private ToLongFunction<? super T> sizer;
        private Mode mode = Mode.TRIGGER;
        private Duration interval;
        private boolean earlyFlush;
        private OverflowPolicy overflow = OverflowPolicy.BLOCK;
        private ThreadFactory threadFactory = VIRTUAL;
        private Duration maxBackoff;
        private Duration giveUpAfter;
        private Consumer<? super List<T>> deadLetter;
        private System.Logger logger;

        private Builder(Consumer<? super List<T>> flusher) {
            this.flusher = Objects.requireNonNull(flusher, "flusher");
        }

        /**
         * The most items waiting in the queue. Default 1024.
         *
         * @param capacity at least 1, at most 2<sup>30</sup> (checked by {@link #build()})
         * @return this builder
         */
        public Builder<T> capacity(int capacity) {
            this.capacity = capacity;
            return this;
        }

        /**
         * The most items in one flusher call (a larger {@code writeV} group still arrives whole).
         * Default: the capacity.
         *
         * @param maxBatch at least 1, at most the capacity (any size with {@code GROW})
         * @return this builder
         */
        public Builder<T> maxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * Also bounds each flusher call by bytes, as Kafka, Pub/Sub, Pulsar and OpenTelemetry
         * exporters bound their requests: a batch ends at {@code maxBatch} items or {@code max}
         * bytes, whichever comes first, as {@code sizer} measures the items. An item larger than
         * {@code max} is delivered alone in its call; a {@code writeV} group stays whole, its size
         * the sum of its items' sizes, and one larger than {@code max} is delivered alone too. So a
         * call exceeds {@code max} bytes only when it holds one such item or group. Default: no
         * byte bound.
         *
         * <p><b>The sizer</b> runs on the drainer thread, as batches are cut, at most once per item
         * (an item of a group larger than {@code maxBatch} items, which goes alone anyway, is not
         * measured); writers never call it, so writes stay as cheap as without. It must be cheap
         * (writers that must drop the oldest items wait while it runs) and a pure function of the
         * item, which must not change while queued. A sizer that throws, or returns a negative
         * size, is a bug rather than a sink failure: the buffer fails at once, whatever the failure
         * policy, as fail-fast does for a flusher that throws. Later calls throw
         * {@link FlushFailedException} whose cause is an {@link IllegalStateException} (with the
         * sizer's exception as its own cause), and whose {@code undelivered()} holds, in order,
         * every accepted item not yet delivered, the one being measured included. It is not
         * counted in {@link Metrics#failures()} (no flusher call threw).
         *
         * <p><b>With the other options.</b> Metrics, the JFR event and {@code maxBatch} count
         * items, not bytes. {@code flush()} and {@code close()} deliver everything, in as many
         * byte-bounded calls as it takes; so does {@link Mode#MANUAL}. In {@link Mode#LOOP} each
         * cut is one byte-bounded call, so at most {@code max} bytes flow per interval (plus
         * flusher time), and {@link #earlyFlush(boolean)} still counts items: the queue's bytes are
         * measured only as it is cut. A batch that fails keeps its items for the retry or the
         * dead-letter handler. A {@link PreparingFlusher} is not given prepared forms: its
         * {@code accept} receives the items, which the sizer measures.
         *
         * @param max the most bytes in one flusher call (short of one oversized item or group), positive
         * @param sizer an item's size in bytes, 0 or more; called on the drainer thread
         * @return this builder
         * @throws IllegalArgumentException if {@code max} is not positive
         * @throws NullPointerException if {@code sizer} is null
         */
        public Builder<T> maxBatchBytes(long max, ToLongFunction<? super T> sizer) {
            if (max < 1) {
                throw new IllegalArgumentException("maxBatchBytes must be at least 1, was " + max
                        + ": pass the largest request your sink accepts, in bytes");
            }
            this.sizer = Objects.requireNonNull(sizer, "sizer: pass a function giving each item's size in bytes");
            this.maxBatchBytes = max;
            return this;
        }

        /**
         * When the drainer delivers. Default {@link Mode#TRIGGER}.
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder<T> mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * {@link Mode#LOOP} only, and required there: the minimum rest after each flusher call.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder<T> interval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /**
         * {@link Mode#LOOP} only: when true, {@code maxBatch} items waiting are delivered at once,
         * without waiting for the rest to end. Default false (the interval is never cut short by
         * writers).
         *
         * @param earlyFlush whether a full batch cuts the rest short
         * @return this builder
         */
        public Builder<T> earlyFlush(boolean earlyFlush) {
            this.earlyFlush = earlyFlush;
            return this;
        }

        /**
         * What a write does when the queue is full. Default {@link OverflowPolicy#BLOCK}.
         *
         * @param overflow the policy
         * @return this builder
         */
        public Builder<T> overflow(OverflowPolicy overflow) {
            this.overflow = Objects.requireNonNull(overflow, "overflow");
            return this;
        }

        /**
         * Creates the drainer thread. Default: a virtual thread named {@code mwsr-async-drainer-N}.
         * The factory must return a new, unstarted thread.
         *
         * @param threadFactory the factory
         * @return this builder
         */
        public Builder<T> threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * Chooses the retrying failure policy instead of fail-fast: a batch whose flusher call
         * threw is kept and retried, forever, after a pause that starts at 1 ms and doubles up to
         * {@code maxBackoff}. Each failure is counted in {@link Metrics#failures()}; the first of a
         * run of failures is logged with its stack trace, then a count at most once a second
         * ({@link System.Logger} {@code dev.mwsr.AsyncBuffer}). A {@link PartialFlushException}'s
         * durable items are not retried. Writers meanwhile fill the queue and then wait, drop or
         * grow as the overflow policy says; {@code flush()} and {@code close()} wait for the
         * retries ({@link AsyncBuffer#close(Duration)} bounds that). Replaces an earlier choice.
         *
         * @param maxBackoff the longest pause between attempts, positive
         * @return this builder
         */
        public Builder<T> retryFailedBatches(Duration maxBackoff) {
            this.maxBackoff = positive(maxBackoff, "maxBackoff");
            this.giveUpAfter = null;
            this.deadLetter = null;
            return this;
        }

        /**
         * Chooses the bounded failure policy: as {@link #retryFailedBatches(Duration)}, until one
         * batch has been failing for {@code giveUpAfter} (measured from its first failure). Then
         * the drainer gives that batch up and goes on with the next one, so the buffer neither
         * stops for good nor blocks its writers forever, and recovers when the sink does:
         * {@code deadLetter} receives a copy of the batch's items (those not reported durable by a
         * {@link PartialFlushException}), on the drainer thread; or, when {@code deadLetter} is
         * null, they are dropped, counted in {@link Metrics#dropped()} and logged as a warning
         * (at most one line per second, with the count). If the handler throws, the buffer fails at
         * once, with the batch among {@link FlushFailedException#undelivered()}.
         *
         * @param maxBackoff the longest pause between attempts, positive
         * @param giveUpAfter how long one batch may keep failing before it is given up, positive
         * @param deadLetter receives each batch given up on (a copy it may keep); null to drop
         * @return this builder
         */
        public Builder<T> retryFailedBatches(
                Duration maxBackoff, Duration giveUpAfter, Consumer<? super List<T>> deadLetter) {
            this.maxBackoff = positive(maxBackoff, "maxBackoff");
            this.giveUpAfter = positive(giveUpAfter, "giveUpAfter");
            this.deadLetter = deadLetter;
            return this;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }

        /** The engine's flusher when writers prepare: it passes the queued prepared forms on. */
        @SuppressWarnings("unchecked") // the engine's List<T> then holds the forms prepare returned
        private static <T, P> Consumer<List<T>> preparedBatches(PreparingFlusher<?, P> preparer) {
            return batch -> preparer.acceptPrepared((List<? extends P>) (List<?>) batch);
        }

        /** Tests. */
        Builder<T> logger(System.Logger logger) {
            this.logger = Objects.requireNonNull(logger, "logger");
            return this;
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

        /**
         * The flusher if writers should prepare items for it: a {@link PreparingFlusher}, unless a
         * dead-letter handler must receive the items themselves or a sizer must measure them.
         */
        @SuppressWarnings("unchecked") // a Consumer<? super List<T>> that accepts List<? extends X> has T <: X
        private PreparingFlusher<? super T, ?> preparer() {
            Object f = flusher;
            if (f instanceof PreparingFlusher<?, ?> p && deadLetter == null && sizer == null) {
                return (PreparingFlusher<? super T, ?>) p;
            }
            return null;
        }

        private AsyncConfig<T> config(PreparingFlusher<? super T, ?> preparer) {
            if (capacity < 1 || capacity > 1 << 30) {
                throw new IllegalArgumentException("capacity must be between 1 and 2^30, was " + capacity);
            }
            if (maxBatch > capacity && overflow != OverflowPolicy.GROW) {
                throw new IllegalArgumentException("maxBatch (" + maxBatch + ") must not exceed capacity (" + capacity
                        + "): a batch never holds more than the queue; raise capacity or use GROW");
            }
            if (mode == Mode.LOOP && interval == null) {
                throw new IllegalArgumentException("LOOP mode needs interval(Duration): the rest after each batch");
            }
            if (mode != Mode.LOOP && (interval != null || earlyFlush)) {
                throw new IllegalArgumentException("interval and earlyFlush apply to LOOP mode only, mode is " + mode);
            }
            return new AsyncConfig<>(
                    preparer == null ? flusher : preparedBatches(preparer),
                    capacity,
                    maxBatch > 0 ? maxBatch : capacity,
                    maxBatchBytes,
                    sizer,
                    mode == Mode.LOOP,
                    mode == Mode.MANUAL,
                    interval == null ? 0 : interval.toNanos(),
                    earlyFlush,
                    overflow == OverflowPolicy.GROW,
                    overflow == OverflowPolicy.BLOCK,
                    overflow == OverflowPolicy.DROP_OLDEST,
                    overflow == OverflowPolicy.WARN,
                    maxBackoff,
                    giveUpAfter,
                    deadLetter,
                    logger != null ? logger : System.getLogger(AsyncBuffer.class.getName()));
        }
    }
}
