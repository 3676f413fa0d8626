package dev.mwsr;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.Consumer;

/**
 * An {@link AsyncBuffer}'s failure policy and its log lines: fail fast, retry forever, or retry
 * until one batch has been failing for a limit and then hand it to a dead-letter handler (or drop
 * it, counted and logged). Used by the drainer thread only, so nothing here is synchronized.
 *
 * <p>Logging: the first failure of a streak (failures of one batch in a row) is
 * logged with its stack trace; further failures are only counted, and a count is logged at most
 * once a second. When the flusher recovers after a logged streak, one line says after how many
 * failed attempts. A streak that starts less than a second after the last line is counted into the
 * next line instead, so a flapping sink cannot flood the log either. Every line goes through
 * {@link System.Logger}; a logger that throws is ignored (a log line must never cost a batch).
 */
final class FailurePolicy<T> {
    private static final long FIRST_BACKOFF_NANOS = 1_000_000L;
    private static final long LOG_PERIOD_NANOS = 1_000_000_000L;

    /** Negative: fail fast. Otherwise the largest pause between attempts. */
    private final long maxBackoffNanos;
    /** Negative: retry forever. Otherwise how long one batch may keep failing. */
    private final long giveUpAfterNanos;

    private final Consumer<? super List<T>> deadLetter;

    private final System.Logger logger;

    private long streak;
    private boolean streakLogged;
    private long unreportedFailures;
    private long unreportedDrops;
    private long unreportedDeadLetters;
    private long lastLineNanos;
    private boolean anyLine;
    /** Give-up lines have their own once-a-second clock: the first one is never held back. */
    private long lastGiveUpLineNanos;

    private boolean anyGiveUpLine;

    FailurePolicy(AsyncConfig<T> config) {
        this.maxBackoffNanos =
                config.maxBackoff() == null ? -1 : config.maxBackoff().toNanos();
        this.giveUpAfterNanos =
                config.giveUpAfter() == null ? -1 : config.giveUpAfter().toNanos();
        this.deadLetter = config.deadLetter();
        this.logger = config.logger();
    }

    boolean retries() {
        return maxBackoffNanos >= 0;
    }

    boolean givesUp(long firstFailureNanos, long nowNanos) {
        return giveUpAfterNanos >= 0 && nowNanos - firstFailureNanos >= giveUpAfterNanos;
    }

    Consumer<? super List<T>> deadLetter() {
        return deadLetter;
    }

    long backoffNanos(int attempt) {
        long pause = FIRST_BACKOFF_NANOS << Math.min(attempt - 1, 40);
        return Math.min(pause, maxBackoffNanos);
    }

    /** A retriable failure of a batch of {@code items} items (the part not durable). */
    void failed(int items, Throwable thrown) {
        long now = System.nanoTime();
        streak++;
        if (streak == 1 && mayLog(now)) {
            streakLogged = true;
            long earlier = unreportedFailures;
            unreportedFailures = 0;
            line(
                    now,
                    Level.WARNING,
                    "AsyncBuffer flusher threw for a batch of " + items + " items; retrying with backoff"
                            + (earlier > 0 ? " (" + earlier + " earlier failures not logged)" : "")
                            + ". Further failures are counted, at most one line per second",
                    thrown);
            return;
        }
        unreportedFailures++;
        if (mayLog(now)) {
            long n = unreportedFailures;
            unreportedFailures = 0;
            line(
                    now,
                    Level.WARNING,
                    "AsyncBuffer flusher failed " + n + " more times (" + streak + " in a row, last: " + thrown
                            + "); still retrying a batch of " + items + " items",
                    null);
        }
    }

    /** The flusher returned normally (or the batch was given up on): the streak, if any, ends. */
    void recovered() {
        if (streak > 0 && streakLogged) {
            unreportedFailures = 0;
            line(
                    System.nanoTime(),
                    Level.INFO,
                    "AsyncBuffer flusher recovered after " + streak + " failed attempts",
                    null);
        }
        streak = 0;
        streakLogged = false;
    }

    /**
     * A batch given up on: handed to the dead-letter handler ({@code dropped} false) or dropped,
     * never silently. The streak ends without a recovery line. The first give-up line is logged at
     * once; later ones at most once a second, with the items given up on since the last line.
     */
    void gaveUp(int items, long failingNanos, Throwable thrown, boolean dropped) {
        streak = 0;
        streakLogged = false;
        unreportedFailures = 0;
        long now = System.nanoTime();
        if (dropped) {
            unreportedDrops += items;
        } else {
            unreportedDeadLetters += items;
        }
        if (!anyGiveUpLine || now - lastGiveUpLineNanos >= LOG_PERIOD_NANOS) {
            anyGiveUpLine = true;
            lastGiveUpLineNanos = now;
            String what = (unreportedDrops > 0
                            ? "dropped " + unreportedDrops + " items (counted in metrics().dropped();"
                                    + " give retryFailedBatches a dead-letter handler to keep them)"
                            : "")
                    + (unreportedDrops > 0 && unreportedDeadLetters > 0 ? " and " : "")
                    + (unreportedDeadLetters > 0
                            ? "handed " + unreportedDeadLetters + " items to the dead-letter handler"
                            : "");
            unreportedDrops = 0;
            unreportedDeadLetters = 0;
            line(
                    now,
                    Level.WARNING,
                    "AsyncBuffer gave up on a batch after it failed for " + failingNanos / 1_000_000 + " ms: " + what,
                    thrown);
        }
    }

    /** The drainer ends: what was only counted is logged now. */
    void drainerEnds() {
        if (unreportedDrops > 0) {
            line(
                    System.nanoTime(),
                    Level.WARNING,
                    "AsyncBuffer dropped " + unreportedDrops + " more items of batches it gave up on"
                            + " (counted in metrics().dropped())",
                    null);
            unreportedDrops = 0;
        }
        if (unreportedDeadLetters > 0) {
            line(
                    System.nanoTime(),
                    Level.WARNING,
                    "AsyncBuffer handed " + unreportedDeadLetters + " more items of batches it gave up on"
                            + " to the dead-letter handler",
                    null);
            unreportedDeadLetters = 0;
        }
        if (unreportedFailures > 0) {
            line(
                    System.nanoTime(),
                    Level.WARNING,
                    "AsyncBuffer flusher failed " + unreportedFailures + " more times before the buffer ended",
                    null);
            unreportedFailures = 0;
        }
    }

    /** Any line, for the drainer's other messages; same safety as the policy's own. */
    void warn(String message, Throwable thrown) {
        line(System.nanoTime(), Level.WARNING, message, thrown);
    }

    private boolean mayLog(long now) {
        return !anyLine || now - lastLineNanos >= LOG_PERIOD_NANOS;
    }

    private void line(long now, Level level, String message, Throwable thrown) {
        anyLine = true;
        lastLineNanos = now;
        try {
            logger.log(level, message, thrown);
        } catch (RuntimeException ignored) {
            // A broken logger must not cost the batch; the failure is counted in metrics().failures().
        }
    }
}
