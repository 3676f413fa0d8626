package dev.mwsr.otel;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A latch an exporter waits on; opened by the test (and in its cleanup, so no thread stays stuck). */
final class Gate {
    private final CountDownLatch open = new CountDownLatch(1);
    private final CountDownLatch entered = new CountDownLatch(1);

    /** Called by the exporter: says it got here, then waits (uninterruptibly) until the gate opens. */
    void pass() {
        entered.countDown();
        boolean interrupted = false;
        for (; ; ) {
            try {
                open.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void open() {
        open.countDown();
    }

    /** Waits (generously) until the exporter is inside {@link #pass()}. */
    void awaitEntered() throws InterruptedException {
        if (!entered.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the exporter was never called");
        }
    }
}
