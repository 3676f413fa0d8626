package dev.mwsr;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link AsyncBuffer.OverflowPolicy#WARN} log line: at most one per second, with the number of
 * items dropped since the previous line. The line is written by the writer whose drop finds the
 * second elapsed, so drops after the last line of a burst are reported with the next drop (they are
 * always counted in {@link Metrics#dropped()} at once).
 */
final class DropWarning {
    private static final long PERIOD_NANOS = 1_000_000_000L;

    private final System.Logger logger;
    private final int capacity;
    private final AtomicLong unreported = new AtomicLong();
    private final AtomicLong nextReportNanos;

    DropWarning(System.Logger logger, int capacity) {
        this.logger = logger;
        this.capacity = capacity;
        this.nextReportNanos = new AtomicLong(System.nanoTime());
    }

    void dropped(int items) {
        unreported.addAndGet(items);
        long next = nextReportNanos.get();
        long now = System.nanoTime();
        if (now - next >= 0 && nextReportNanos.compareAndSet(next, now + PERIOD_NANOS)) {
            long count = unreported.getAndSet(0);
            logger.log(
                    Level.WARNING,
                    "AsyncBuffer full (capacity {0}): dropped {1} incoming items since the"
                            + " last warning; the flusher does not keep up (see metrics().dropped())",
                    Integer.toString(capacity),
                    Long.toString(count));
        }
    }
}
