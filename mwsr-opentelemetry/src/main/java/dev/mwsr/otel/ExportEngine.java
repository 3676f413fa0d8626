package dev.mwsr.otel;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.FlushFailedException;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The batching both processors share: producers' items go into an {@link AsyncBuffer} whose drainer
 * converts each batch and calls the exporter; {@code forceFlush} and {@code shutdown} wait for the
 * buffer without ever waiting on an exporter that hangs.
 *
 * @param <I> what producers hand in (a span, a log record)
 * @param <D> what the exporter takes (its data)
 */
final class ExportEngine<I, D> {
    /*
     * Implementation notes.
     *
     * Batching. The buffer runs in LOOP mode with interval = scheduleDelay and earlyFlush: after each
     * export it rests scheduleDelay, cut short when maxExportBatchSize items are waiting or by a
     * flush; each cut takes at most maxExportBatchSize items; an empty period makes no call; the
     * buffer never calls its flusher concurrently. A schedule delay of 0 is TRIGGER mode (export as
     * soon as items are there). capacity = maxQueueSize counts the waiting items only, so while one
     * batch is in the exporter maxQueueSize more are accepted: upstream's rule.
     *
     * Accounting. Every item handed to add() ends in exactly one of: handed to export() (counted
     * "finished" in the flusher, before the call, as upstream does), refused because the queue is
     * full (counted queue_full), refused because the buffer is closed (already_shutdown: the buffer's
     * own refusal decides, so an item racing shutdown() is either accepted, and then delivered by
     * close(), or refused and counted; never stranded), or, when shutdown gives up on a hung
     * exporter, among the buffer's undelivered items (counted timeout). The batch inside the hung
     * export() call was already counted as handed over.
     *
     * Bounded waits. export() runs on the drainer, and result.join(exporterTimeout) bounds a result
     * that never completes. An export() call that never returns cannot be bounded there, so
     * forceFlush() and shutdown() do not wait for the buffer on their own thread: a helper virtual
     * thread calls buffer.flush() and the waiter watches exportStartNanos, the start of the export()
     * call in progress (0 when none). When one export() call has run for exporterTimeout, the wait
     * ends unsuccessfully. The drainer's wait for the result gets what is left of the same
     * timeout, so one export takes at most exporterTimeout either way. shutdown() then closes the buffer with close(Duration.ZERO), which gives up on
     * the stuck call (never interrupting it) and releases the helper's flush().
     */
    private static final long STALL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Settings settings;
    private final Telemetry telemetry;
    private final DropWarning dropWarning;
    private final System.Logger logger;
    private final Function<? super I, ? extends D> convert;
    private final Function<Collection<D>, CompletableResultCode> export;
    private final Supplier<CompletableResultCode> shutdownExporter;
    private final AsyncBuffer<I> buffer;
    private final LongAdder failedExports = new LongAdder();
    private final AtomicReference<CompletableResultCode> shutdownResult = new AtomicReference<>();
    /** Set by shutdown(): producers stop offering. The buffer's refusal is what counts. */
    private volatile boolean shutdownStarted;
    /**
     * When the export() call in progress started (never 0 then); 0 when no export() call is running,
     * also while the drainer waits for a returned result (that wait bounds itself, and counts its
     * failure before flush() returns, so a flush never sees another's failure late). Written by
     * the drainer.
     */
    private volatile long exportStartNanos;
    /** Items in the export in progress: queueSize = pending - inExport. Written by the drainer. */
    private volatile int inExport;

    ExportEngine(
            Settings settings,
            Signal signal,
            System.Logger logger,
            Function<? super I, ? extends D> convert,
            Function<Collection<D>, CompletableResultCode> export,
            Supplier<CompletableResultCode> shutdownExporter) {
        this.settings = settings;
        this.logger = logger;
        this.convert = convert;
        this.export = export;
        this.shutdownExporter = shutdownExporter;
        this.telemetry = new Telemetry(signal, settings.telemetryVersion(), settings.meterProvider());
        this.dropWarning = new DropWarning(
                logger, signal.noun() + " because the queue is full (maxQueueSize=" + settings.maxQueueSize() + ")");
        AsyncBuffer.Builder<I> b = AsyncBuffer.<I>builder(this::exportBatch)
                .capacity(settings.maxQueueSize())
                .maxBatch(settings.maxExportBatchSize())
                .overflow(AsyncBuffer.OverflowPolicy.DROP_NEWEST);
        if (settings.scheduleDelayNanos() > 0) {
            b.mode(AsyncBuffer.Mode.LOOP)
                    .interval(Duration.ofNanos(settings.scheduleDelayNanos()))
                    .earlyFlush(true);
        }
        this.buffer = b.build();
        telemetry.queueGauges(settings.maxQueueSize(), this::queueSize);
    }

    // ---------------------------------------------------------------------------------------
    // Producers.

    /** Queues one item, or counts it dropped. Never throws, never loses the interrupt flag. */
    void add(I item) {
        if (shutdownStarted) {
            telemetry.droppedAlreadyShutdown(1);
            return;
        }
        boolean accepted;
        try {
            accepted = settings.blockWhenFullNanos() > 0 ? offerWaiting(item) : buffer.tryWrite(item);
        } catch (IllegalStateException closedOrFailed) { // FlushFailedException is one too
            telemetry.droppedAlreadyShutdown(1);
            return;
        }
        if (!accepted) {
            telemetry.droppedQueueFull(1);
            dropWarning.dropped(1);
        }
    }

    /**
     * setBlockWhenFull: waits up to maxWait for room. An interrupt does not cost the item: the wait
     * goes on for the rest of maxWait with the flag cleared, and the flag is set again on return.
     */
    private boolean offerWaiting(I item) {
        long deadline = System.nanoTime() + settings.blockWhenFullNanos();
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    return buffer.offer(item, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                } catch (CancellationException e) {
                    Thread.interrupted(); // clear it, so that the wait can go on; set again below
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // The drainer.

    /** The buffer's flusher: one export() at a time, never empty, bounded by the exporter timeout. */
    private void exportBatch(List<I> items) {
        List<D> batch = new ArrayList<>(items.size()); // a fresh list: an exporter may still read it after a timeout
        for (I item : items) {
            batch.add(convert.apply(item));
        }
        telemetry.finished(batch.size());
        inExport = batch.size();
        long start = System.nanoTime();
        long timeout = settings.exporterTimeoutNanos();
        try {
            CompletableResultCode result;
            exportStartNanos = start == 0 ? 1 : start;
            try {
                result = export.apply(Collections.unmodifiableList(batch));
            } finally {
                exportStartNanos = 0; // from here the join below bounds the wait itself
            }
            long left = timeout == Long.MAX_VALUE ? timeout : Math.max(0, timeout - (System.nanoTime() - start));
            result.join(left, TimeUnit.NANOSECONDS);
            if (!result.isSuccess()) {
                failedExports.increment();
                logger.log(
                        System.Logger.Level.DEBUG,
                        result.isDone()
                                ? "Exporter failed"
                                : "Exporter timed out: the export did not complete in time");
            }
        } catch (RuntimeException | LinkageError | AssertionError e) {
            // An exporter's failure must not stop the processor (a VirtualMachineError does: it
            // reaches the buffer, which fails, and later items are counted as dropped).
            failedExports.increment();
            logger.log(System.Logger.Level.WARNING, "Exporter threw an Exception", e);
        } finally {
            inExport = 0;
        }
    }

    private long queueSize() {
        return Math.max(0, buffer.metrics().pending() - inExport);
    }

    // ---------------------------------------------------------------------------------------
    // forceFlush and shutdown.

    CompletableResultCode forceFlush() {
        CompletableResultCode shutdown = shutdownResult.get();
        if (shutdown != null) {
            return shutdown; // shutdown delivers everything, in bounded time; done at once if it ended
        }
        long failuresBefore = failedExports.sum();
        CompletableResultCode result = new CompletableResultCode();
        Thread.ofVirtual().name("mwsr-otel-force-flush").start(() -> {
            boolean flushed = awaitUnlessStalled(buffer::flush);
            complete(result, flushed && failedExports.sum() == failuresBefore);
        });
        return result;
    }

    CompletableResultCode shutdown() {
        CompletableResultCode result = new CompletableResultCode();
        if (!shutdownResult.compareAndSet(null, result)) {
            return shutdownResult.get();
        }
        shutdownStarted = true;
        Thread.ofVirtual().name("mwsr-otel-shutdown").start(() -> {
            long failuresBefore = failedExports.sum();
            boolean delivered = awaitUnlessStalled(buffer::flush);
            delivered &= closeBuffer(delivered ? settings.exporterTimeoutNanos() : 0);
            dropWarning.report();
            boolean exporterClosed = shutDownExporter();
            complete(result, delivered && exporterClosed && failedExports.sum() == failuresBefore);
        });
        return result;
    }

    /**
     * Calls the exporter's {@code shutdown()} on a helper thread and waits for its result at most
     * the exporter timeout (an exporter whose shutdown hangs as its export did cannot hold us).
     */
    private boolean shutDownExporter() {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long timeout = settings.exporterTimeoutNanos();
        Thread.ofVirtual().name("mwsr-otel-exporter-shutdown").start(() -> {
            try {
                done.complete(shutdownExporter
                        .get()
                        .join(timeout, TimeUnit.NANOSECONDS)
                        .isSuccess());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            return done.get(timeout, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            logger.log(System.Logger.Level.WARNING, "the exporter's shutdown failed or did not return in time", e);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // our own helper thread: nobody interrupts it
            return false;
        }
    }

    /**
     * Closes the buffer, giving up after {@code timeoutNanos}; items given up on are counted as
     * dropped.
     *
     * @return true if everything accepted was handed to the exporter
     */
    private boolean closeBuffer(long timeoutNanos) {
        try {
            if (buffer.close(Duration.ofNanos(timeoutNanos)) == 0) {
                return true;
            }
            buffer.close(Duration.ZERO); // gave up: this call throws, listing what was never exported
            return false;
        } catch (FlushFailedException e) {
            int lost = e.undelivered().size();
            if (lost > 0) {
                telemetry.droppedTimedOut(lost);
                logger.log(
                        System.Logger.Level.WARNING,
                        "shutdown: the exporter did not return in time; dropped " + lost + " items never exported"
                                + (e.inDoubt().isEmpty()
                                        ? ""
                                        : " (" + e.inDoubt().size()
                                                + " more are inside the export call still running)"));
            }
            return false;
        }
    }

    /**
     * Runs {@code op} on a helper virtual thread and waits for it, unless an export call has been
     * running for longer than the exporter timeout.
     *
     * @return true if {@code op} returned normally; false if it threw or an export stalled
     */
    private boolean awaitUnlessStalled(Runnable op) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("mwsr-otel-wait").start(() -> {
            try {
                op.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        long timeout = settings.exporterTimeoutNanos();
        for (; ; ) {
            long started = exportStartNanos;
            long wait = STALL_POLL_NANOS;
            if (started != 0 && timeout != Long.MAX_VALUE) {
                long left = started + timeout - System.nanoTime();
                if (left <= 0 && !done.isDone() && exportStartNanos == started) {
                    return false; // the same export call has run for the whole timeout
                }
                wait = Math.max(1, Math.min(left, STALL_POLL_NANOS));
            }
            try {
                done.get(wait, TimeUnit.NANOSECONDS);
                return true;
            } catch (TimeoutException e) {
                // look at the export in progress again
            } catch (ExecutionException e) {
                logger.log(
                        System.Logger.Level.DEBUG,
                        "waiting for the exporter failed",
                        e.getCause()); // the result says so
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // our own helper thread: nobody interrupts it
                return done.isDone() && !done.isCompletedExceptionally();
            }
        }
    }

    private static void complete(CompletableResultCode result, boolean success) {
        if (success) {
            result.succeed();
        } else {
            result.fail();
        }
    }

    @Override
    public String toString() {
        return "scheduleDelayNanos=" + settings.scheduleDelayNanos() + ", maxQueueSize=" + settings.maxQueueSize()
                + ", maxExportBatchSize=" + settings.maxExportBatchSize() + ", exporterTimeoutNanos="
                + settings.exporterTimeoutNanos() + ", blockWhenFullNanos=" + settings.blockWhenFullNanos();
    }
}
