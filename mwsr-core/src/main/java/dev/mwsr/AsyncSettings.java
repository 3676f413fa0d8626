package dev.mwsr;

import dev.mwsr.AsyncBuffer.Mode;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The options of an {@link AsyncBuffer} and their setters, which {@link AsyncBuffer.Builder}
 * inherits and documents as its own (this class is package-private: no user names it). The
 * buffer's constructor reads the fields and {@link #validate()}s them together; each setter checks
 * only its own argument.
 *
 * @param <T> the item type
 */
abstract sealed class AsyncSettings<T> permits AsyncBuffer.Builder {
    private static final ThreadFactory VIRTUAL =
            Thread.ofVirtual().name("mwsr-async-drainer-", 0).factory();

    final Consumer<? super List<T>> flusher;
    int capacity = 1024;
    int maxBatch;
    Mode mode = Mode.TRIGGER;
    Duration interval;
    boolean earlyFlush;
    OverflowPolicy overflow = OverflowPolicy.BLOCK;
    ThreadFactory threadFactory = VIRTUAL;
    Duration maxBackoff;
    Duration giveUpAfter;
    Consumer<? super List<T>> deadLetter;
    System.Logger logger;

    AsyncSettings(Consumer<? super List<T>> flusher) {
        this.flusher = Objects.requireNonNull(flusher, "flusher");
    }

    /** The builder this is: a cast that always holds, as Builder is the only subclass. */
    private AsyncBuffer.Builder<T> self() {
        return (AsyncBuffer.Builder<T>) this;
    }

    /**
     * The most items waiting in the queue. Default 1024.
     *
     * @param capacity at least 1, at most 2<sup>30</sup> (checked by {@link AsyncBuffer.Builder#build()})
     * @return this builder
     */
    public AsyncBuffer.Builder<T> capacity(int capacity) {
        this.capacity = capacity;
        return self();
    }

    /**
     * The most items in one flusher call (a larger {@code writeV} group still arrives whole).
     * Default: the capacity.
     *
     * @param maxBatch at least 1, at most the capacity (any size with {@code GROW})
     * @return this builder
     */
    public AsyncBuffer.Builder<T> maxBatch(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        this.maxBatch = maxBatch;
        return self();
    }

    /**
     * When the drainer delivers. Default {@link Mode#TRIGGER}.
     *
     * @param mode the mode
     * @return this builder
     */
    public AsyncBuffer.Builder<T> mode(Mode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return self();
    }

    /**
     * {@link Mode#LOOP} only, and required there: the minimum rest after each flusher call.
     *
     * @param interval positive
     * @return this builder
     */
    public AsyncBuffer.Builder<T> interval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive, was " + interval);
        }
        this.interval = interval;
        return self();
    }

    /**
     * {@link Mode#LOOP} only: when true, {@code maxBatch} items waiting are delivered at once,
     * without waiting for the rest to end. Default false (the interval is never cut short by
     * writers).
     *
     * @param earlyFlush whether a full batch cuts the rest short
     * @return this builder
     */
    public AsyncBuffer.Builder<T> earlyFlush(boolean earlyFlush) {
        this.earlyFlush = earlyFlush;
        return self();
    }

    /**
     * What a write does when the queue is full. Default {@link OverflowPolicy#BLOCK}.
     *
     * @param overflow the policy
     * @return this builder
     */
    public AsyncBuffer.Builder<T> overflow(OverflowPolicy overflow) {
        this.overflow = Objects.requireNonNull(overflow, "overflow");
        return self();
    }

    /**
     * Creates the drainer thread. Default: a virtual thread named {@code mwsr-async-drainer-N}.
     * The factory must return a new, unstarted thread.
     *
     * @param threadFactory the factory
     * @return this builder
     */
    public AsyncBuffer.Builder<T> threadFactory(ThreadFactory threadFactory) {
        this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
        return self();
    }

    /**
     * Chooses the retrying failure policy instead of fail-fast: a batch whose flusher call
     * threw is kept and retried, forever, after a pause that starts at 1 ms and doubles up to
     * {@code maxBackoff}. Each failure is counted in {@link Metrics#failures()}; the first of a
     * run of failures is logged with its stack trace, then a count at most once a second
     * ({@link System.Logger} {@code dev.mwsr.AsyncBuffer}). A {@link PartialFlushException}'s
     * durable items are not retried; a {@link VirtualMachineError} is never retried (the
     * buffer fails at once). Replaces an earlier failure policy choice.
     *
     * @param maxBackoff the longest pause between attempts, positive
     * @return this builder
     */
    public AsyncBuffer.Builder<T> retryFailedBatches(Duration maxBackoff) {
        this.maxBackoff = positive(maxBackoff, "maxBackoff");
        this.giveUpAfter = null;
        this.deadLetter = null;
        return self();
    }

    /**
     * Chooses the bounded failure policy: as {@link #retryFailedBatches(Duration)}, until one
     * batch has been failing for {@code giveUpAfter} (measured from its first failure). Then
     * the drainer gives that batch up and goes on with the next one, so the buffer neither
     * stops for good nor blocks its writers forever, and recovers when the sink does:
     * {@code deadLetter} receives a copy of the batch's items (those not reported durable by a
     * {@link PartialFlushException}), on the drainer thread; or, when {@code deadLetter} is
     * null, they are dropped, counted in {@link Metrics#dropped()} and logged as a warning
     * (never silently; at most one line per second, with the count). If the handler throws,
     * the buffer fails at once (fail-fast), with the batch among
     * {@link FlushFailedException#undelivered()}. A {@link VirtualMachineError} from the
     * flusher is never retried: the buffer fails at once.
     *
     * @param maxBackoff the longest pause between attempts, positive
     * @param giveUpAfter how long one batch may keep failing before it is given up, positive
     * @param deadLetter receives each batch given up on (a copy it may keep); null to drop
     * @return this builder
     */
    public AsyncBuffer.Builder<T> retryFailedBatches(
            Duration maxBackoff, Duration giveUpAfter, Consumer<? super List<T>> deadLetter) {
        this.maxBackoff = positive(maxBackoff, "maxBackoff");
        this.giveUpAfter = positive(giveUpAfter, "giveUpAfter");
        this.deadLetter = deadLetter;
        return self();
    }

    private static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
        return d;
    }

    /** Tests: where WARN and retry messages go. */
    AsyncBuffer.Builder<T> logger(System.Logger logger) {
        this.logger = Objects.requireNonNull(logger, "logger");
        return self();
    }

    /** Checks the options together; called by the buffer's constructor. */
    void validate() {
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
    }
}
