package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.Buffer;
import java.util.List;
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
 * Memory-model proofs for {@link Buffer}: two writers race, and the flusher runs inline on
 * whichever writer's claim overflowed a half (or on flush()/close()). Capacities 1, 2 and 3 make
 * the halves swap in the middle of the race. Each nested class is one property; the arbiter
 * closes the buffer first, so "delivered" means "delivered by the time close() returned".
 *
 * <p>At most two actors per test: CI has two CPUs, and jcstress cannot schedule a test with more
 * actors than CPUs.
 */
public final class BufferTests {
    private BufferTests() {}

    // -------------------------------------------------------------------------------------------
    // Exactly once: r1..r4 = how many times a1, a2, b1, b2 reached the flusher.

    @JCStressTest
    @Description("Capacity 1: every write swaps the halves; each item must reach the flusher once.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving of the four claims: each overflowing writer swapped and flushed"
                    + " the other's (or its own) previous item, close() delivered the last one.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher"
                    + " (two claims on one slot, or a swap that lost a half).")
    @Outcome(
            id = ".*[2-9].*",
            expect = FORBIDDEN,
            desc = "Duplicated: an item was delivered twice (a half flushed twice, or reused uncleared).")
    @State
    public static class ExactlyOnce_Capacity1 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(1, out);

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
    @Description("Capacity 2: the third claim overflows, so one writer swaps while the other may still be copying.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving: the first two claims fill a half, the third swaps and flushes it"
                    + " after both copies finished, the fourth lands next to the third; close() delivers them.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher"
                    + " (two claims on one slot, or a half cut before a claimed copy landed).")
    @Outcome(
            id = ".*[2-9].*",
            expect = FORBIDDEN,
            desc = "Duplicated: an item was delivered twice (a half flushed twice, or reused uncleared).")
    @State
    public static class ExactlyOnce_Capacity2 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(2, out);

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
    @Description("Capacity 3: one swap, on the fourth claim, by either writer.")
    @Outcome(
            id = "1, 1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Any interleaving: three claims fill a half, the fourth overflows, swaps and flushes"
                    + " those three, and close() delivers the fourth.")
    @Outcome(
            id = ".*0.*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher"
                    + " (two claims on one slot, or the overflowing claim's limit lost).")
    @Outcome(
            id = ".*[2-9].*",
            expect = FORBIDDEN,
            desc = "Duplicated: an item was delivered twice (a half flushed twice, or reused uncleared).")
    @State
    public static class ExactlyOnce_Capacity3 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(3, out);

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
    @Description("Capacity 1: each item is its own batch; batches must follow each writer's order.")
    @Outcome(id = "a1 a2 b1 b2", expect = ACCEPTABLE, desc = "A's two claims, then B's.")
    @Outcome(id = "a1 b1 a2 b2", expect = ACCEPTABLE, desc = "Claims alternate, A first.")
    @Outcome(id = "a1 b1 b2 a2", expect = ACCEPTABLE, desc = "a1, then both of B's, then a2.")
    @Outcome(id = "b1 a1 a2 b2", expect = ACCEPTABLE, desc = "b1, then both of A's, then b2.")
    @Outcome(id = "b1 a1 b2 a2", expect = ACCEPTABLE, desc = "Claims alternate, B first.")
    @Outcome(id = "b1 b2 a1 a2", expect = ACCEPTABLE, desc = "B's two claims, then A's.")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second item reached the flusher before its first"
                    + " (a later claim landed in an earlier half, or halves flushed out of cut order).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated item.")
    @State
    public static class WriterOrder_Capacity1 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(1, out);

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

    @JCStressTest
    @Description("Capacity 2: the third claim swaps; batches must follow each writer's order.")
    @Outcome(id = "a1 a2 b1 b2", expect = ACCEPTABLE, desc = "A's two claims fill the first half, then B's.")
    @Outcome(id = "a1 b1 a2 b2", expect = ACCEPTABLE, desc = "Claims alternate, A first.")
    @Outcome(id = "a1 b1 b2 a2", expect = ACCEPTABLE, desc = "a1 and b1 fill a half, b2 swaps, then a2.")
    @Outcome(id = "b1 a1 a2 b2", expect = ACCEPTABLE, desc = "b1 and a1 fill a half, a2 swaps, then b2.")
    @Outcome(id = "b1 a1 b2 a2", expect = ACCEPTABLE, desc = "Claims alternate, B first.")
    @Outcome(id = "b1 b2 a1 a2", expect = ACCEPTABLE, desc = "B's two claims fill the first half, then A's.")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second item reached the flusher before its first"
                    + " (a later claim landed in an earlier half, or halves flushed out of cut order).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated item.")
    @State
    public static class WriterOrder_Capacity2 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(2, out);

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

    @JCStressTest
    @Description("Capacity 3: the fourth claim swaps; batches must follow each writer's order.")
    @Outcome(id = "a1 a2 b1 b2", expect = ACCEPTABLE, desc = "A's two claims, then B's; b2 swaps.")
    @Outcome(id = "a1 b1 a2 b2", expect = ACCEPTABLE, desc = "Claims alternate, A first; b2 swaps.")
    @Outcome(id = "a1 b1 b2 a2", expect = ACCEPTABLE, desc = "a1, then both of B's; a2 swaps.")
    @Outcome(id = "b1 a1 a2 b2", expect = ACCEPTABLE, desc = "b1, then both of A's; b2 swaps.")
    @Outcome(id = "b1 a1 b2 a2", expect = ACCEPTABLE, desc = "Claims alternate, B first; a2 swaps.")
    @Outcome(id = "b1 b2 a1 a2", expect = ACCEPTABLE, desc = "B's two claims, then A's; a2 swaps.")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second item reached the flusher before its first"
                    + " (a later claim landed in an earlier half, or halves flushed out of cut order).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated item.")
    @State
    public static class WriterOrder_Capacity3 {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(3, out);

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
    // writeV: r1 = the flusher calls, "[a1 a2] [b1]". Capacity 3, so a pair can straddle a swap.

    @JCStressTest
    @Description("writeV(a1, a2) against write(b1); write(b2): the pair arrives contiguous, in one call.")
    @Outcome(
            id = "[a1 a2 b1] [b2]",
            expect = ACCEPTABLE,
            desc = "Pair claimed first (slots 0-1), b1 takes slot 2, b2 overflows and swaps.")
    @Outcome(
            id = "[b1 a1 a2] [b2]",
            expect = ACCEPTABLE,
            desc = "b1 first, the pair takes slots 1-2, b2 overflows and swaps.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "b1 and b2 first; the pair does not fit in the one slot left, so its writer swaps"
                    + " and the pair opens the new half.")
    @Outcome(
            id = {".*a1\\] \\[a2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: split across two flusher calls.")
    @Outcome(
            id = {".*a1 b\\d a2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: a racing write landed between the pair's items.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or reordered item.")
    @State
    public static class WriteV_AgainstWrite {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(3, out);

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
    @Description("writeV(a1, a2) against writeV(b1, b2), capacity 3: both pairs arrive whole.")
    @Outcome(
            id = "[a1 a2] [b1 b2]",
            expect = ACCEPTABLE,
            desc = "A's pair claimed first; B's claim does not fit in the one slot left, B swaps.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "B's pair claimed first; A's claim does not fit in the one slot left, A swaps.")
    @Outcome(
            id = {".*1\\] \\[.2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: split across two flusher calls.")
    @Outcome(
            id = {".*a1 b\\d a2.*", ".*b1 a\\d b2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: the other pair's items landed between this pair's items.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or reordered item.")
    @State
    public static class WriteV_AgainstWriteV {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(3, out);

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
    @Description("Plain fields set before write(x) are visible to the flusher's call holding x, on any thread.")
    @Outcome(
            id = "12, 34",
            expect = ACCEPTABLE,
            desc = "Both items seen whole, whichever thread ran the flusher: the other writer's"
                    + " overflowing write (the item crossed threads), the item's own writer, or close().")
    @Outcome(
            id = {"-1, .*", ".*, -1"},
            expect = FORBIDDEN,
            desc = "Accepted but stranded: an item never reached the flusher.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Stale fields: the flusher saw an item without the stores its writer made before write()"
                    + " (the slot was published without a happens-before edge).")
    @State
    public static class Visibility_PlainFields {
        final Buffer<Box> buffer = new Buffer<>(1, Box::see);
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
    // flush() against writers.

    @JCStressTest
    @Description("write(a); flush() against write(b1); write(b2), capacity 1: when flush() returns, a is delivered"
            + " and the flusher's work on it is visible.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc = "A's flush() found a in the current half, cut it and ran the flusher itself.")
    @Outcome(
            id = "2, 1",
            expect = ACCEPTABLE,
            desc = "B's overflowing write swapped a out and delivered it on B's thread; A's flush()"
                    + " waited for that call to return.")
    @Outcome(
            id = "0, .*",
            expect = FORBIDDEN,
            desc = "flush() returned early: a, written before flush(), was not delivered yet (or the"
                    + " flusher's return did not happen-before flush()'s return).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: a was delivered other than exactly once.")
    @State
    public static class Flush_AgainstWriters {
        final Buffer<Box> buffer = new Buffer<>(1, Box::see);
        final Box a = new Box();

        @Actor
        public void writeThenFlush(II_Result r) {
            buffer.write(a);
            buffer.flush();
            Thread by = a.deliveredBy;
            r.r1 = by == null ? 0 : by == Thread.currentThread() ? 1 : 2;
        }

        @Actor
        public void writer() {
            buffer.write(new Box());
            buffer.write(new Box());
        }

        @Arbiter
        public void closeThenCount(II_Result r) {
            buffer.close();
            r.r2 = a.deliveries;
        }
    }

    @JCStressTest
    @Description("write(a) in one thread, then a volatile flag; another thread that sees the flag calls flush():"
            + " a write that happens-before flush() is delivered when flush() returns.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc =
                    "The flushing thread saw the flag, so a's write happened-before its flush(); the flusher ran on the flushing thread, which cut the half holding a.")
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
        final Buffer<Box> buffer = new Buffer<>(2, Box::see);
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
    @Description("write(a1) against close(), capacity 1, with p0 already in the buffer: accepted means"
            + " delivered, refused means not.")
    @Outcome(
            id = "1, 1, 1",
            expect = ACCEPTABLE,
            desc = "write first: a1 overflowed p0's half and swapped (or waited for close()'s cut),"
                    + " and close() delivered it.")
    @Outcome(
            id = "0, 0, 1",
            expect = ACCEPTABLE,
            desc = "close() first: a1 refused with IllegalStateException and never delivered; p0 delivered.")
    @Outcome(
            id = "1, 0, .*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: write returned normally, close() returned, a1 never delivered.")
    @Outcome(
            id = "0, [1-9], .*",
            expect = FORBIDDEN,
            desc = "Refused but delivered: write threw, yet a1 reached the flusher.")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: an item was delivered other than exactly once.")
    @State
    public static class Close_AgainstWrite {
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(1, out);

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
}
