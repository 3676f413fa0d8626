package dev.mwsr.jmh;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CPU time one measured iteration cost the whole benchmark JVM, and the items it delivered, so
 * that a throughput can be read beside what it burned: a sink that spins its consumer on a second
 * core may win on items per microsecond and lose on CPU per item. A benchmark takes a
 * {@link Counter} in its benchmark methods, calls {@link #start(long)} at the end of its iteration
 * setup and {@link #stop(long)} at the start of its iteration teardown (before closing anything),
 * each with the items delivered so far. The iteration's figures appear as the EVENTS counters
 * {@code cpuNanos} and {@code cpuItems}; {@code jmh/report.py} divides their sums per fork.
 *
 * <p>CPU time is the process's ({@code OperatingSystemMXBean.getProcessCpuTime}): every thread,
 * the consumer's, the GC's and the JIT's included, also threads that ended within the iteration. On
 * Linux it counts in clock ticks of 10 ms, about 0.5 % of a 1-second iteration on 2 busy cores; a
 * 200 ms iteration gets an error of several percent. {@code perf} would be finer, but hardware
 * counters are not available on every machine this runs on (virtual machines), and
 * {@code -prof perfnorm} counts the whole fork, warm-up and teardowns included.
 */
@State(Scope.Benchmark)
public class CpuClock {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final ConcurrentLinkedQueue<Counter> counters = new ConcurrentLinkedQueue<>();
    private long cpuBefore;
    private long itemsBefore;

    /** One benchmark thread's counters; only the thread running the iteration teardown fills its own. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counter {
        Thread owner;

        /** Process CPU time in the iteration, in nanoseconds. */
        public long cpuNanos;

        /** Items delivered in the iteration. */
        public long cpuItems;

        @Setup(Level.Trial)
        public void register(CpuClock clock) {
            owner = Thread.currentThread();
            clock.counters.add(this);
        }
    }

    /** Marks the iteration's start; {@code items} is the count delivered so far. */
    void start(long items) {
        itemsBefore = items;
        cpuBefore = OS.getProcessCpuTime();
    }

    /**
     * Puts the CPU time and items since {@link #start(long)} on the counter of the thread running
     * the teardown: JMH resets the counters before each iteration and reads each thread's after the
     * teardown, on that thread.
     */
    void stop(long items) {
        long cpu = OS.getProcessCpuTime() - cpuBefore;
        for (Counter counter : counters) {
            if (counter.owner == Thread.currentThread()) {
                counter.cpuNanos += cpu;
                counter.cpuItems += items - itemsBefore;
                return;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread without a CpuClock.Counter");
    }
}
