package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Memory-model proofs for {@link AsyncBuffer}: two writers race each other and the drainer
 * thread, which runs the flusher. Every state starts a buffer, and so a drainer thread (virtual);
 * every arbiter closes it, which joins that thread, so drainers do not pile up and the arbiter
 * sees everything the flusher did. Default mode (TRIGGER) and policy (BLOCK) unless a test says
 * otherwise; with capacity 1 and 2, writers wait for room in the middle of the race.
 */
public final class AsyncBufferTests {
    private AsyncBufferTests() {}

    // -------------------------------------------------------------------------------------------
    // Exactly once, and BLOCK never loses an item: r1..r4 = deliveries of a1, a2, b1, b2.

    @JCStressTest
    @Description("Capacity 1, BLOCK: a writer waits whenever the other's item is queued; each item arrives once.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving: writers take the one place in turns, waiting (BLOCK) while the"
                    + " drainer takes the queued item; close() delivers the last.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher"
                    + " (a BLOCK waiter's item lost, or a reservation without its queue slot).")
    @Outcome(
            id = ".*[2-9].*",
            expect = FORBIDDEN,
            desc = "Duplicated: an item was delivered twice (the drainer re-read a slot).")
    @State
    public static class ExactlyOnce_Capacity1 {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(1, out);

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
        public void closeThenCount(IIII_Result r) {
            buffer.close();
            r.r1 = out.count("a1");
            r.r2 = out.count("a2");
            r.r3 = out.count("b1");
            r.r4 = out.count("b2");
        }
    }

    @JCStressTest
    @Description("Capacity 2, BLOCK: the third and fourth writes may wait for the drainer; each item arrives once.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving: the drainer cuts whatever is queued, late writers wait for room"
                    + " (BLOCK) or find it; close() delivers the rest.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher.")
    @Outcome(id = ".*[2-9].*", expect = FORBIDDEN, desc = "Duplicated: an item was delivered twice.")
    @State
    public static class ExactlyOnce_Capacity2 {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(2, out);

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
        public void closeThenCount(IIII_Result r) {
            buffer.close();
            r.r1 = out.count("a1");
            r.r2 = out.count("a2");
            r.r3 = out.count("b1");
            r.r4 = out.count("b2");
        }
    }

    @JCStressTest
    @Description("Capacity 3, BLOCK: at most the fourth write waits; each item arrives once.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving of writes and cuts: the drainer takes what is queued while the writers"
                    + " race on; close() delivers the rest.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher.")
    @Outcome(id = ".*[2-9].*", expect = FORBIDDEN, desc = "Duplicated: an item was delivered twice.")
    @State
    public static class ExactlyOnce_Capacity3 {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(3, out);

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
        public void closeThenCount(IIII_Result r) {
            buffer.close();
            r.r1 = out.count("a1");
            r.r2 = out.count("a2");
            r.r3 = out.count("b1");
            r.r4 = out.count("b2");
        }
    }

    // -------------------------------------------------------------------------------------------
    // Per-writer order: r1 = the items in delivery order, across all flusher calls.

    @JCStressTest
    @Description("Capacity 2: batches cut by the drainer mid-race must follow each writer's order.")
    @Outcome(id = "a1 a2 b1 b2", expect = ACCEPTABLE, desc = "A's two writes queued first, then B's.")
    @Outcome(id = "a1 b1 a2 b2", expect = ACCEPTABLE, desc = "Writes alternate, A first.")
    @Outcome(id = "a1 b1 b2 a2", expect = ACCEPTABLE, desc = "a1, then both of B's, then a2.")
    @Outcome(id = "b1 a1 a2 b2", expect = ACCEPTABLE, desc = "b1, then both of A's, then b2.")
    @Outcome(id = "b1 a1 b2 a2", expect = ACCEPTABLE, desc = "Writes alternate, B first.")
    @Outcome(id = "b1 b2 a1 a2", expect = ACCEPTABLE, desc = "B's two writes queued first, then A's.")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second item reached the flusher before its first"
                    + " (a BLOCK waiter overtaken by its own later write, or the queue read out of order).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated item.")
    @State
    public static class WriterOrder_Capacity2 {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(2, out);

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
        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = out.sequence();
        }
    }

    // -------------------------------------------------------------------------------------------
    // writeV: r1 = the flusher calls. Capacity 4, maxBatch 3, so a pair can arrive when only one
    // place is left in the batch being cut and must wait, whole, for the next one.

    @JCStressTest
    @Description("writeV(a1, a2) against write(b1); write(b2), maxBatch 3: the pair arrives contiguous, in one call.")
    @Outcome(id = "[a1 a2] [b1] [b2]", expect = ACCEPTABLE, desc = "Queued P b1 b2; three cuts.")
    @Outcome(id = "[a1 a2] [b1 b2]", expect = ACCEPTABLE, desc = "Queued P b1 b2; P cut alone.")
    @Outcome(id = "[a1 a2 b1] [b2]", expect = ACCEPTABLE, desc = "Queued P b1 b2; b2 came after the cut.")
    @Outcome(id = "[b1] [a1 a2] [b2]", expect = ACCEPTABLE, desc = "Queued b1 P b2; three cuts.")
    @Outcome(id = "[b1] [a1 a2 b2]", expect = ACCEPTABLE, desc = "Queued b1 P b2; b1 cut alone.")
    @Outcome(
            id = "[b1 a1 a2] [b2]",
            expect = ACCEPTABLE,
            desc = "Queued b1 P b2; the cut filled up (3) before b2, or b2 came after it.")
    @Outcome(id = "[b1] [b2] [a1 a2]", expect = ACCEPTABLE, desc = "Queued b1 b2 P; three cuts.")
    @Outcome(id = "[b1] [b2 a1 a2]", expect = ACCEPTABLE, desc = "Queued b1 b2 P; b1 cut alone.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "Queued b1 b2 P; the pair did not fit in the one place left in the batch, so it"
                    + " stayed at the head, whole, for the next cut (or came after the cut).")
    @Outcome(
            id = {".*a1\\] \\[a2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: split across two flusher calls (the batch took the part that fit).")
    @Outcome(
            id = {".*a1 b\\d a2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: a racing write landed between the pair's items.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or reordered item, or a batch above maxBatch.")
    @State
    public static class WriteV_AgainstWrite {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer =
                AsyncBuffer.builder(out).capacity(4).maxBatch(3).build();

        @Actor
        public void pair() {
            buffer.writeV("a1", "a2");
        }

        @Actor
        public void singles() {
            buffer.write("b1");
            buffer.write("b2");
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = out.batches();
        }
    }

    @JCStressTest
    @Description("writeV(a1, a2) against writeV(b1, b2), maxBatch 3: both pairs arrive whole, each in its own call.")
    @Outcome(
            id = "[a1 a2] [b1 b2]",
            expect = ACCEPTABLE,
            desc = "A's pair queued first; B's does not fit in the one place left, so it waits at the head.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "B's pair queued first; A's does not fit in the one place left, so it waits at the head.")
    @Outcome(
            id = {".*1\\] \\[.2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: split across two flusher calls.")
    @Outcome(
            id = {".*a1 b\\d a2.*", ".*b1 a\\d b2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: the other pair's items landed between this pair's items.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or reordered item, or a batch above maxBatch.")
    @State
    public static class WriteV_AgainstWriteV {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer =
                AsyncBuffer.builder(out).capacity(4).maxBatch(3).build();

        @Actor
        public void pairA() {
            buffer.writeV("a1", "a2");
        }

        @Actor
        public void pairB() {
            buffer.writeV(List.of("b1", "b2"));
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = out.batches();
        }
    }

    // -------------------------------------------------------------------------------------------
    // Visibility: r1, r2 = 10 * x + y of A's and B's item, as the flusher saw them.

    @JCStressTest
    @Description("Plain fields set before write(x) are visible to the drainer's flusher call holding x.")
    @Outcome(
            id = "12, 34",
            expect = ACCEPTABLE,
            desc = "Both items seen whole, in one batch or two, cut while the writers raced or by close().")
    @Outcome(
            id = {"-1, .*", ".*, -1"},
            expect = FORBIDDEN,
            desc = "Accepted but stranded: an item never reached the flusher.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Stale fields: the drainer saw an item without the stores its writer made before write()"
                    + " (the queue slot was published without a happens-before edge).")
    @State
    public static class Visibility_PlainFields {
        final AsyncBuffer<Box> buffer = new AsyncBuffer<>(2, Box::see);
        Box a;
        Box b;

        @Actor
        public void writerA() {
            Box box = new Box();
            box.x = 1;
            box.y = 2;
            buffer.write(box);
            a = box;
        }

        @Actor
        public void writerB() {
            Box box = new Box();
            box.x = 3;
            box.y = 4;
            buffer.write(box);
            b = box;
        }

        @Arbiter
        public void closeThenRead(II_Result r) {
            buffer.close();
            r.r1 = a.seen;
            r.r2 = b.seen;
        }
    }

    // -------------------------------------------------------------------------------------------
    // flush(): r1 = deliveries of a seen by the flushing thread right after flush() returned
    // (plain read of a field the flusher wrote); r2 = size of the batch that held a.

    @JCStressTest
    @Description("write(a); flush() against write(b1); write(b2): when flush() returns, a is delivered"
            + " and the flusher's work on it is visible, with no lock shared with the drainer.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc = "The drainer cut a alone (woken by the write or by flush()'s request); flush() waited for it.")
    @Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "a was cut together with b1; flush() waited for that call.")
    @Outcome(
            id = "1, 3",
            expect = ACCEPTABLE,
            desc = "a was cut together with b1 and b2; flush() waited for that call.")
    @Outcome(
            id = "0, .*",
            expect = FORBIDDEN,
            desc = "flush() returned early: a, written before flush(), was not delivered yet (or the"
                    + " flusher's return did not happen-before flush()'s return).")
    @Outcome(expect = FORBIDDEN, desc = "Duplicated: a was delivered twice.")
    @State
    public static class Flush_AgainstWriters {
        final AsyncBuffer<Box> buffer = new AsyncBuffer<>(4, Box::see);
        final Box a = new Box();

        @Actor
        public void writeThenFlush(II_Result r) {
            buffer.write(a);
            buffer.flush();
            r.r1 = a.deliveries;
            r.r2 = a.batch;
        }

        @Actor
        public void writer() {
            buffer.write(new Box());
            buffer.write(new Box());
        }

        @Arbiter
        public void closeBuffer() {
            buffer.close();
        }
    }

    @JCStressTest
    @Description("write(a) in one thread, then a volatile flag; another thread that sees the flag calls flush():"
            + " a write that happens-before flush() is delivered when flush() returns.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc =
                    "The flushing thread saw the flag, so a's write happened-before its flush(); the drainer delivered a, woken by the write or by flush()'s request.")
    @Outcome(
            id = "-1, 1",
            expect = ACCEPTABLE,
            desc =
                    "The flag was not visible yet: nothing ordered the two, flush() was not called; close() delivered a.")
    @Outcome(
            id = "0, .*",
            expect = FORBIDDEN,
            desc = "flush() returned early: a write that happened-before flush() (through the flag) was not"
                    + " delivered yet, or the flusher's work on it was not visible.")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: a was delivered other than exactly once.")
    @State
    public static class Flush_AfterOtherThreadsWrite {
        final AsyncBuffer<Box> buffer = new AsyncBuffer<>(4, Box::see);
        final Box a = new Box();
        volatile boolean written;

        @Actor
        public void writer() {
            buffer.write(a);
            written = true;
        }

        @Actor
        public void flusher(II_Result r) {
            if (written) {
                buffer.flush();
                r.r1 = a.deliveries;
            } else {
                r.r1 = -1;
            }
        }

        @Arbiter
        public void closeThenCount(II_Result r) {
            buffer.close();
            r.r2 = a.deliveries;
        }
    }

    // -------------------------------------------------------------------------------------------
    // close() against write: r1 = write accepted (1) or refused (0); r2, r3 = deliveries of a1, p0.

    @JCStressTest
    @Description("write(a1) against close(), with p0 already queued: accepted means delivered, refused means not.")
    @Outcome(
            id = "1, 1, 1",
            expect = ACCEPTABLE,
            desc = "write first: a1 reserved its place before close() refused writers; the drainer"
                    + " delivered it (with p0 or after it) before ending.")
    @Outcome(
            id = "0, 0, 1",
            expect = ACCEPTABLE,
            desc = "close() first: a1 refused with IllegalStateException and never delivered; p0 delivered.")
    @Outcome(
            id = "1, 0, .*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: write returned normally, close() returned, a1 never delivered"
                    + " (the drainer ended while a1 was still being offered).")
    @Outcome(
            id = "0, [1-9], .*",
            expect = FORBIDDEN,
            desc = "Refused but delivered: write threw, yet a1 reached the flusher.")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: an item was delivered other than exactly once.")
    @State
    public static class Close_AgainstWrite {
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = new AsyncBuffer<>(2, out);

        public Close_AgainstWrite() {
            buffer.write("p0");
        }

        @Actor
        public void writer(III_Result r) {
            try {
                buffer.write("a1");
                r.r1 = 1;
            } catch (IllegalStateException refused) {
                r.r1 = 0;
            }
        }

        @Actor
        public void closer() {
            buffer.close();
        }

        @Arbiter
        public void closeAgainThenCount(III_Result r) {
            buffer.close();
            r.r2 = out.count("a1");
            r.r3 = out.count("p0");
        }
    }

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
