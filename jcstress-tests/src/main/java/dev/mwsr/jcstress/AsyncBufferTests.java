package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Memory-model proofs of {@link AsyncBuffer}'s own promises: no lost wake-up of the drainer, and
 * the drop policies' accounting. Two writers race each other and the drainer thread, which runs
 * the flusher. Every state starts a buffer, and so a drainer thread (virtual); every arbiter closes
 * it, which joins that thread, so drainers do not pile up and the arbiter sees everything the
 * flusher did. The properties it shares with the other buffers (exactly once and in order, writeV,
 * happens-before, flush, close, a failing flusher) are written once, in {@link ExactlyOnceTests},
 * {@link WriteVTests}, {@link HappensBeforeTests}, {@link CloseTests} and {@link FailureTests}.
 */
public final class AsyncBufferTests {
    private AsyncBufferTests() {}

    // -------------------------------------------------------------------------------------------
    // No lost wake-up: r1 = items delivered within a bounded wait, without flush() or close();
    // r2 = flusher calls that held them.

    /** How long the arbiter waits for the drainer before calling a wake-up lost. */
    static final long WAKE_UP_BOUND_NANOS = TimeUnit.SECONDS.toNanos(2);

    @JCStressTest
    @Description("write(a1) against write(b1): the first wakes the drainer, the second races it going back"
            + " to sleep. Both must be delivered with no further write, flush() or close().")
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "Both queued before the drainer's cut: one flusher call.")
    @Outcome(
            id = "2, 2",
            expect = ACCEPTABLE,
            desc = "The drainer cut one item, then found the other: on its re-check before parking, or"
                    + " woken again by the second write.")
    @Outcome(
            id = "[01], .*",
            expect = FORBIDDEN,
            desc = "Lost wake-up: an item sat in the queue while the drainer slept, until close().")
    @Outcome(expect = FORBIDDEN, desc = "Duplicated item.")
    @State
    public static class NoLostWakeUp {
        volatile int delivered;
        int calls;
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(4, batch -> {
            calls++;
            delivered += batch.size(); // one writer (the drainer): a volatile counter is enough
        });

        @Actor
        public void writerA() {
            buffer.write("a1");
        }

        @Actor
        public void writerB() {
            buffer.write("b1");
        }

        @Arbiter
        public void waitThenClose(II_Result r) {
            long deadline = System.nanoTime() + WAKE_UP_BOUND_NANOS;
            while (delivered < 2 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(10_000);
            }
            r.r1 = delivered;
            buffer.close();
            r.r2 = calls;
        }
    }

    // -------------------------------------------------------------------------------------------
    // Drop policies: r1 = distinct items delivered, r2 = metrics().dropped(), r3 = deliveries.
    // Capacity 1, so a write finds the queue full whenever the drainer has not taken the last one.

    @JCStressTest
    @Description("DROP_NEWEST, capacity 1: delivered + dropped == written (4), whatever the drainer managed to take.")
    @Outcome(id = "4, 0, 4", expect = ACCEPTABLE, desc = "The drainer took every item before the next write came.")
    @Outcome(id = "3, 1, 3", expect = ACCEPTABLE, desc = "One write found the place taken and was dropped.")
    @Outcome(id = "2, 2, 2", expect = ACCEPTABLE, desc = "Two writes found the place taken and were dropped.")
    @Outcome(
            id = "1, 3, 1",
            expect = ACCEPTABLE,
            desc = "The drainer took nothing during the race: the first write kept the place, three dropped.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "delivered + dropped != written: an item lost without being counted as dropped,"
                    + " counted twice, or delivered twice.")
    @State
    public static class DropNewest_Accounting {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = AsyncBuffer.builder(out)
                .capacity(1)
                .overflow(OverflowPolicy.DROP_NEWEST)
                .build();

        @Actor
        public void writerA() {
            buffer.write("a1");
            buffer.write("a2");
        }

        @Actor
        public void writerB() {
            buffer.write("b1");
            buffer.write("b2");
        }

        @Arbiter
        public void closeThenCount(III_Result r) {
            buffer.close();
            r.r1 = out.distinct();
            r.r2 = (int) buffer.metrics().dropped();
            r.r3 = out.total();
        }
    }

    @JCStressTest
    @Description("DROP_OLDEST, capacity 1: delivered + dropped == written (4); a writer evicts the queued item"
            + " while the drainer may be taking it.")
    @Outcome(id = "4, 0, 4", expect = ACCEPTABLE, desc = "The drainer took every item before the next write came.")
    @Outcome(id = "3, 1, 3", expect = ACCEPTABLE, desc = "One queued item was evicted by a later write.")
    @Outcome(id = "2, 2, 2", expect = ACCEPTABLE, desc = "Two queued items were evicted by later writes.")
    @Outcome(
            id = "1, 3, 1",
            expect = ACCEPTABLE,
            desc = "The drainer took nothing during the race: each write evicted the one before; the last survived.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "delivered + dropped != written: an item lost without being counted as dropped (evicted"
                    + " while the drainer also took it), counted twice, or delivered twice.")
    @State
    public static class DropOldest_Accounting {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = AsyncBuffer.builder(out)
                .capacity(1)
                .overflow(OverflowPolicy.DROP_OLDEST)
                .build();

        @Actor
        public void writerA() {
            buffer.write("a1");
            buffer.write("a2");
        }

        @Actor
        public void writerB() {
            buffer.write("b1");
            buffer.write("b2");
        }

        @Arbiter
        public void closeThenCount(III_Result r) {
            buffer.close();
            r.r1 = out.distinct();
            r.r2 = (int) buffer.metrics().dropped();
            r.r3 = out.total();
        }
    }
}
