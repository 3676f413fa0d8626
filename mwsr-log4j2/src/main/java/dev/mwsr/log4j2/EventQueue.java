package dev.mwsr.log4j2;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.FlushFailedException;
import dev.mwsr.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.logging.log4j.status.StatusLogger;

/**
 * What both appenders share: an {@link AsyncBuffer} between the logging threads and a sink, its
 * drainer thread, the reports of drops to Log4j's {@link StatusLogger}, and the stop bounded by
 * {@code shutdownTimeout}. One per started appender.
 *
 * @param <T> what the logging threads hand over (immutable events, or laid-out bytes)
 */
final class EventQueue<T> {
    /*
     * Implementation notes.
     *
     * Logging threads call write() only: AsyncBuffer.write (or offer with appendTimeout), plus a
     * LongAdder and a status message on the rare refusal paths; no lock, no monitor. An interrupt
     * while waiting for room makes core refuse the item (CancellationException, flag restored);
     * write() clears the flag, waits again, and sets the flag back before it returns, so an
     * interrupted thread's event is neither lost nor written twice (core accepted it or not).
     *
     * Overflow drops happen inside AsyncBuffer and are seen only in metrics(), so the drainer
     * reports them after a batch (at most once a second) and stop() once more.
     *
     * The drainer is a platform daemon thread of our own factory, so stop() can join it after
     * close(Duration) gave up, and so a wrapped appender that synchronizes (most of Log4j's do)
     * never pins a virtual thread's carrier. mwsr never interrupts it; when the stop's bound runs
     * out, the abandoned flag tells a per-event sink to deliver no further event.
     */

    static final StatusLogger STATUS = StatusLogger.getLogger();
    static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** The longest pause between two attempts of a failed batch (core's bounded policy). */
    static final Duration MAX_BACKOFF = Duration.ofMillis(500);

    private final QueueSettings settings;
    private final AsyncBuffer<T> buffer;
    private final Losses losses;
    private volatile Thread drainer;
    private volatile boolean abandoned;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** Events refused before the buffer: appendTimeout under BLOCK, or arriving after stop. */
    private final LongAdder refused = new LongAdder();

    private final AtomicLong lastRefusalReport = new AtomicLong(System.nanoTime() - REPORT_EVERY_NANOS);

    // Drainer thread only, then stop() after the drainer ended.
    private long reportedDropped;
    private long lastDropReport;

    /** What the sink lost after failures, counted by the sink's failure handling. */
    interface Losses {
        /** Events given up on after sink failures. */
        long lost();

        /** Sink calls that threw. */
        long failedCalls();
    }

    /**
     * A queue whose sink handles its own failures ({@code batchDeadLetter} null), or whose
     * failing batches core's bounded policy retries for {@code giveUpAfter} and then hands to
     * {@code batchDeadLetter}.
     */
    EventQueue(QueueSettings settings, Consumer<List<T>> sink, Consumer<List<T>> batchDeadLetter, Losses losses) {
        this.settings = settings;
        this.losses = losses;
        AsyncBuffer.Builder<T> b = AsyncBuffer.<T>builder(sink)
                .capacity(settings.queueSize())
                .overflow(settings.overflow())
                .threadFactory(r -> {
                    Thread t = new Thread(r, "mwsr-log4j2-" + settings.appender());
                    t.setDaemon(true);
                    drainer = t;
                    return t;
                });
        if (batchDeadLetter != null) {
            // Core wants a positive bound; giveUpAfter=0 ("one attempt") becomes the shortest one.
            Duration bound = settings.giveUpAfter().isZero() ? Duration.ofNanos(1) : settings.giveUpAfter();
            b.retryFailedBatches(MAX_BACKOFF, bound, batchDeadLetter);
        }
        this.buffer = b.build();
    }

    /**
     * Hands one item over; see the implementation notes for interrupts. With {@code appendTimeout}
     * the wait for room is bounded, then the overflow policy applies ({@code BLOCK}: the event is
     * refused, counted and reported). A refused item (stopped, or a write from the drainer itself
     * that would wait for itself) is counted and reported, never thrown.
     *
     * @return false if the item was refused (and counted)
     */
    boolean write(T item) {
        boolean interrupted = false;
        Duration timeout = settings.appendTimeout();
        long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
        try {
            for (; ; ) {
                try {
                    if (timeout == null) {
                        buffer.write(item);
                    } else if (!buffer.offer(item, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                        if (settings.overflow() == OverflowPolicy.BLOCK) {
                            refuse("waited appendTimeout (" + timeout.toMillis() + " ms) for room in vain");
                            return false;
                        }
                        buffer.write(item); // drops as the policy says, counted in dropped(); never waits
                    }
                    return true;
                } catch (CancellationException e) {
                    interrupted = true;
                    Thread.interrupted(); // wait again; the flag is set back below
                } catch (IllegalStateException e) { // closed, or a write that would wait for itself
                    refuse(e.getMessage());
                    return false;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void refuse(String why) {
        refused.increment();
        long last = lastRefusalReport.get();
        long now = System.nanoTime();
        if (now - last >= REPORT_EVERY_NANOS && lastRefusalReport.compareAndSet(last, now)) {
            STATUS.warn(
                    "appender [{}] refused an event (counted as dropped; {} refused so far): {}",
                    settings.appender(),
                    refused.sum(),
                    why);
        }
    }

    /**
     * Waits until everything written before the call has left the sink (immediateFlush); from an
     * interrupted thread too, its flag kept. After stop, returns at once.
     */
    void flush() {
        try {
            buffer.flush();
        } catch (IllegalStateException e) {
            // stopped: what was accepted is delivered or reported by stop()
        }
    }

    /**
     * Drainer thread, at the last item of a batch: true if no further item waits behind this
     * batch, so the item is the last before the queue empties. Racy towards false positives only
     * (an item accepted an instant later makes one batch more).
     */
    boolean emptyAfter(int batchSize) {
        return buffer.metrics().pending() <= batchSize;
    }

    /** Whether the stop's bound ran out: the per-event sink stops delivering. */
    boolean abandoned() {
        return abandoned;
    }

    /** Drainer thread, after each batch: reports new overflow drops at most once a second. */
    void afterBatch() {
        long now = System.nanoTime();
        if (now - lastDropReport >= REPORT_EVERY_NANOS) {
            reportDrops(now);
        }
    }

    private void reportDrops(long now) {
        long dropped = buffer.metrics().dropped() + refused.sum();
        if (dropped > reportedDropped) {
            STATUS.warn(
                    "appender [{}] dropped {} events since the last report ({} in all) because its queue was full"
                            + " (overflow={}), appendTimeout ran out or they arrived after stop; raise the queue"
                            + " size, or use overflow=BLOCK without appendTimeout, to lose none",
                    settings.appender(),
                    dropped - reportedDropped,
                    dropped,
                    settings.overflow());
            reportedDropped = dropped;
        }
        lastDropReport = now;
    }

    /**
     * Refuses further items, delivers what was accepted (for at most {@code shutdownTimeout}, or
     * without bound if 0), joins the drainer and reports what was not delivered. Idempotent.
     *
     * @return true if this call stopped the queue
     */
    boolean stop() {
        if (!stopped.compareAndSet(false, true)) {
            return false;
        }
        long bound = settings.shutdownTimeoutMillis();
        long left = 0;
        try {
            if (bound == 0) {
                buffer.close();
            } else {
                left = buffer.close(Duration.ofMillis(bound));
            }
        } catch (FlushFailedException e) {
            left = e.undelivered().size();
            STATUS.error(
                    "appender [{}] failed for good: {} accepted events were not delivered",
                    settings.appender(),
                    left,
                    e);
        }
        if (left > 0) {
            abandoned = true;
        }
        Thread t = drainer;
        if (t != null && t.isAlive()) {
            try {
                t.join(Duration.ofSeconds(1)); // after close(Duration) gave up: the sink's call may end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (left > 0) {
            STATUS.warn(
                    "appender [{}]: shutdownTimeout ({} ms) ran out; up to {} accepted events were not delivered{}",
                    settings.appender(),
                    bound,
                    left,
                    t != null && t.isAlive()
                            ? "; a call into its sink has not returned and its thread " + t.getName() + " lives on"
                            : "");
        }
        reportDrops(System.nanoTime());
        long lost = losses.lost();
        if (lost > 0) {
            STATUS.warn(
                    "appender [{}]: {} events in all were dropped after its sink failed", settings.appender(), lost);
        }
        return true;
    }

    /** True once the drainer thread has ended (after stop). */
    boolean drainerEnded() {
        Thread t = drainer;
        return t == null || !t.isAlive();
    }

    /**
     * The buffer's counters with the appender's own folded in: {@code dropped} adds the events
     * refused before the buffer and those given up on after sink failures (per event: delivered to
     * core in a batch that returned, so taken off {@code written}; per batch: core's dead letters,
     * never counted as written); {@code failures} adds the failed calls of a per-event sink.
     */
    Metrics metrics(boolean perEvent) {
        Metrics m = buffer.metrics();
        long lost = losses.lost();
        return new Metrics(
                m.enqueued(),
                perEvent ? m.written() - lost : m.written(),
                m.dropped() + lost + refused.sum(),
                m.pending(),
                m.batches(),
                m.failures() + (perEvent ? losses.failedCalls() : 0));
    }
}
