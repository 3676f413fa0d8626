package dev.mwsr.otel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The warning that items were dropped because the queue was full: at most one line per second
 * through {@link System.Logger}, with the count since the last line. Lock-free: a dropping producer
 * adds to a striped counter and, once a second, one producer wins a CAS and logs.
 */
final class DropWarning {
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final System.Logger logger;
    private final String what;
    private final LongAdder since = new LongAdder();
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());

    /**
     * @param logger where the warning goes
     * @param what the tail of the message, e.g. "spans because the queue is full (maxQueueSize=2048)"
     */
    DropWarning(System.Logger logger, String what) {
        this.logger = logger;
        this.what = what;
    }

    void dropped(int count) {
        since.add(count);
        long next = nextNanos.get();
        long now = System.nanoTime();
        if (now - next >= 0 && nextNanos.compareAndSet(next, now + EVERY_NANOS)) {
            long n = since.sumThenReset();
            if (n > 0) {
                logger.log(System.Logger.Level.WARNING, "dropped " + n + " " + what);
            }
        }
    }

    /** Logs what was dropped since the last line, if anything (at shutdown, so no count is left unsaid). */
    void report() {
        long n = since.sumThenReset();
        if (n > 0) {
            logger.log(System.Logger.Level.WARNING, "dropped " + n + " " + what);
        }
    }
}
