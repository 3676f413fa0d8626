package dev.mwsr.logback;

import ch.qos.logback.core.spi.ContextAware;

/**
 * A sink's outages as Logback's status manager hears of them: a unit's first failure (an error,
 * unless an outage is on), each unit given up on (counted in {@link #lost()}; the first of an
 * outage reported at once, later ones at most once a second), and the first success after that,
 * with the count lost. A unit is one event to one wrapped appender ({@link SinkFailures}) or one
 * batch (core's bounded policy, wired by {@link LogBuffer}). Drainer thread only, except
 * {@link #lost()}; a status manager that throws is ignored (the count stays in the metrics).
 */
final class Outage {
    private final ContextAware status;
    private final String sink;
    private final String retrying;
    private final String meanwhile;

    private volatile long lost; // written by the drainer only

    private boolean failing;
    private boolean on;
    private long lostInOutage;
    private long lastReportNanos;
    private long lostAtLastReport;

    /**
     * @param retrying how a failing unit is retried, for the first report
     * @param meanwhile what happens while the sink keeps failing, for the later ones
     */
    Outage(ContextAware status, String sink, String retrying, String meanwhile) {
        this.status = status;
        this.sink = sink;
        this.retrying = retrying;
        this.meanwhile = meanwhile;
    }

    void failed(Throwable cause) {
        if (!failing) {
            failing = true;
            if (!on) {
                report(
                        true,
                        sink + " failed; " + retrying + " before its events are dropped (counted and reported)",
                        cause);
            }
        }
    }

    void worked() {
        failing = false;
        if (on) {
            on = false;
            report(false, sink + " works again; " + lostInOutage + " events were lost while it failed", null);
        }
    }

    void gaveUp(int items, Throwable cause) {
        failing = false;
        lost = lost + items;
        long now = System.nanoTime();
        if (!on) {
            on = true;
            lostInOutage = 0;
            lastReportNanos = now - LogBuffer.REPORT_EVERY_NANOS;
            lostAtLastReport = lost - items;
        }
        lostInOutage += items;
        if (now - lastReportNanos >= LogBuffer.REPORT_EVERY_NANOS) {
            report(
                    false,
                    sink + " still fails: " + (lost - lostAtLastReport) + " events dropped since the last report, "
                            + lost + " in all" + meanwhile,
                    cause);
            lastReportNanos = now;
            lostAtLastReport = lost;
        }
    }

    boolean on() {
        return on;
    }

    long lost() {
        return lost;
    }

    private void report(boolean error, String message, Throwable cause) {
        try {
            if (error) {
                status.addError(message, cause);
            } else {
                status.addWarn(message, cause);
            }
        } catch (RuntimeException ignored) {
            // a throwing handler would fail the buffer
        }
    }
}
