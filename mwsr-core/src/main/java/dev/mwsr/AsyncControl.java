package dev.mwsr;

import dev.mwsr.AsyncBuffer.Mode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * The calls of an {@link AsyncBuffer} that wait for its drainer or read its progress:
 * {@code flush()}, {@code close()}, {@code close(Duration)}, {@code metrics()}, and the exceptions
 * of a closed or failed buffer. The writers' side (the
 * queue and the wake-up) is {@code AsyncBuffer}'s own; this class is package-private, so javadoc
 * shows its public methods as the buffer's.
 *
 * @param <T> the item type
 */
abstract sealed class AsyncControl<T> implements BatchBuffer<T> permits AsyncBuffer {
    /*
     * How these waits work (the request, Progress, giving up) is told in Drainer's notes.
     */

    /** The queue, its admission word and its overflow policy. */
    abstract Room room();

    /** The drainer: its thread, its progress, giving up. */
    abstract Drainer<T> drainer();

    /**
     * Delivers everything written before this call and returns once the flusher has returned for
     * it, whatever the mode (in {@link Mode#LOOP} this cuts the rest short). Items written by other
     * threads meanwhile may be delivered too. After {@link #close()} this returns at once. With the
     * retrying failure policy this waits while the flusher keeps failing.
     *
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void flush() {
        checkNotDrainer("flush");
        Room room = room();
        Drainer<T> drainer = drainer();
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

    /**
     * Refuses new writes, delivers everything accepted, joins the drainer thread, then returns.
     * Idempotent: a later call waits for the same end and returns (or throws the same failure).
     * Writes that start after this call, and writers waiting for room, throw
     * {@link IllegalStateException} and are never delivered. This waits as long as the flusher
     * takes (and, with the retrying policy, as long as it keeps failing); see
     * {@link #close(Duration)} for a bound.
     *
     * @throws FlushFailedException if the buffer failed, now or before (on every call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void close() {
        checkNotDrainer("close");
        Drainer<T> drainer = drainer();
        if (!drainer.abandoned()) {
            startClose();
            boolean interrupted = false;
            for (; ; ) {
                try {
                    drainer.thread().join();
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
     * As {@link #close()}, but gives up after {@code timeout}. Giving up means: the flusher is
     * called no more; a flusher call still running is left alone (never interrupted: an
     * interruptible channel would close itself) and the drainer thread ends when it returns; the
     * buffer fails, so every later {@code write}, {@code writeV}, {@code flush} and {@code close}
     * throws a {@link FlushFailedException} (cause: a {@link TimeoutException})
     * whose {@link FlushFailedException#undelivered()} holds the accepted items never handed to
     * the flusher (or whose call had already thrown) and whose {@link FlushFailedException#inDoubt()}
     * holds the items of the call still running, which may yet reach the sink. Only a flusher call
     * that never returns keeps the drainer thread alive after this.
     *
     * @param timeout how long to wait for delivery
     * @return 0 if everything accepted was delivered and the drainer ended; otherwise the number of
     *     items given up on, undelivered and in doubt together (a later call's exception lists them)
     * @throws FlushFailedException if the buffer failed, now or before (also after an earlier
     *     {@code close(Duration)} gave up)
     * @throws IllegalStateException if called from inside this buffer's flusher
     * @throws NullPointerException if {@code timeout} is null
     */
    public long close(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        checkNotDrainer("close");
        Drainer<T> drainer = drainer();
        long givenUp = 0;
        if (!drainer.abandoned()) {
            startClose();
            long end = System.nanoTime() + Math.max(0, timeout.toNanos());
            boolean interrupted = false;
            Thread t = drainer.thread();
            while (t.isAlive()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    givenUp = drainer.abandon(new TimeoutException(
                            "close(" + timeout + ") gave up: the flusher did not deliver everything in time"));
                    if (givenUp != 0) {
                        break;
                    }
                    // Nothing was left to give up on: the drainer is ending by itself; join it.
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
        if (givenUp > 0) {
            return givenUp;
        }
        if (drainer.progress.failureCause() != null) {
            throw failure();
        }
        return 0L;
    }

    private void startClose() {
        room().refuse(Room.CLOSED);
        drainer().nudge();
    }

    /**
     * A snapshot of the counters: estimates while writers and the drainer run, exact when
     * quiescent. {@code enqueued} is derived ({@code written + pending + dropped from the queue}),
     * so writers pay for no counter.
     *
     * @return the metrics
     */
    @Override
    public Metrics metrics() {
        Room room = room();
        Drainer<T> drainer = drainer();
        long written = drainer.written();
        long batches = drainer.batches();
        long failures = drainer.failures();
        long pending = (room.word() & Room.COUNT)
                + drainer.inFlight()
                + drainer.progress.undelivered().size()
                + drainer.inDoubtLeft();
        long droppedQueued = room.droppedQueued() + drainer.droppedFailed();
        long dropped = droppedQueued + room.droppedIncoming();
        long enqueued = written + pending + droppedQueued + drainer.deadLettered();
        return new Metrics(enqueued, written, dropped, pending, batches, failures, drainer.lagNanos());
    }

    // ---------------------------------------------------------------------------------------
    // States and their exceptions.

    /** The exception for a write refused by a closed or failed buffer. */
    final RuntimeException refused() {
        if ((room().word() & Room.FAILED) != 0) {
            return failure();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    /** The failure, once the drainer has published it complete. */
    private FlushFailedException failure() {
        Drainer<T> drainer = drainer();
        drainer.progress.await(() -> drainer.progress.failureCause() != null);
        List<Object> lost = drainer.progress.undelivered();
        List<Object> doubt = drainer.progress.inDoubt();
        String why = drainer.abandoned()
                ? "close(Duration) gave up, so the buffer failed and refuses further writes; inDoubt() holds the "
                        + doubt.size() + " items of the flusher call still running, and"
                : "the flusher threw, so the buffer failed and refuses further writes;";
        return new FlushFailedException(
                why + " undelivered() holds the " + lost.size() + " items it accepted but did not deliver",
                drainer.progress.failureCause(),
                lost,
                doubt);
    }

    private void checkNotDrainer(String what) {
        if (Thread.currentThread() == drainer().thread()) {
            throw new IllegalStateException(
                    "the flusher must not call " + what + " on its own buffer:" + " it would wait for itself");
        }
    }
}
