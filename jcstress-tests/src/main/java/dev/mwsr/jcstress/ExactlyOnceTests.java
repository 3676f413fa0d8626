package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Exactly once, in each writer's order, for {@code Buffer} and {@code AsyncBuffer}: two writers
 * write two items each. For {@code Buffer} the flusher runs inline on whichever writer's claim
 * overflowed a half, and capacities 1, 2 and 3 make the halves swap in the middle of the race; for
 * {@code AsyncBuffer} (TRIGGER, BLOCK) the drainer cuts what is queued, and at capacities 1 and 2
 * writers wait for room mid-race. The arbiter closes the buffer first, so "delivered" means
 * "delivered by the time close() returned". {@link PlantedBugs} runs the same property on models
 * of the claim with a bug planted in them. (Subject and harness: see {@link Subject}.)
 */
public final class ExactlyOnceTests {
    private ExactlyOnceTests() {}

    /** Some item twice in the sequence. */
    static final String TWICE = ".*(a1|a2|b1|b2).*\\1.*";

    /** The property; r1 = the items in delivery order, across all flusher calls. */
    @Description("Two writers write two items each: every item reaches the flusher once, in its writer's order.")
    @Outcome(id = "a1 a2 b1 b2", expect = ACCEPTABLE, desc = "A's two writes, then B's.")
    @Outcome(id = "a1 b1 a2 b2", expect = ACCEPTABLE, desc = "Writes alternate, A first.")
    @Outcome(id = "a1 b1 b2 a2", expect = ACCEPTABLE, desc = "a1, then both of B's, then a2.")
    @Outcome(id = "b1 a1 a2 b2", expect = ACCEPTABLE, desc = "b1, then both of A's, then b2.")
    @Outcome(id = "b1 a1 b2 a2", expect = ACCEPTABLE, desc = "Writes alternate, B first.")
    @Outcome(id = "b1 b2 a1 a2", expect = ACCEPTABLE, desc = "B's two writes, then A's.")
    @Outcome(
            id = {"(?!.*a1).*", "(?!.*a2).*", "(?!.*b1).*", "(?!.*b2).*"},
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its item never reached the flusher"
                    + " (Buffer: two claims on one slot, a swap that lost a half, a half cut before a claimed"
                    + " copy landed, the overflowing claim's limit lost; AsyncBuffer: a BLOCK waiter's item"
                    + " lost, a reservation without its queue slot).")
    @Outcome(
            id = TWICE,
            expect = FORBIDDEN,
            desc = "Duplicated: an item was delivered twice (a half flushed twice or reused uncleared, the"
                    + " drainer re-read a slot).")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second item reached the flusher before its first (a later claim"
                    + " landed in an earlier half, halves flushed out of cut order, a BLOCK waiter overtaken"
                    + " by its own later write, or the queue read out of order).")
    @Outcome(expect = FORBIDDEN, desc = "Anything else: a null or foreign item delivered.")
    abstract static class TwoWriters {
        final Subject<String> buffer;

        TwoWriters(Subject<String> buffer) {
            this.buffer = buffer;
        }

        public void writerA() {
            buffer.write("a1");
            buffer.write("a2");
        }

        public void writerB() {
            buffer.write("b1");
            buffer.write("b2");
        }

        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = buffer.sequence();
        }
    }

    // The subclasses: one per buffer and set-up. Actors are declared again (see Subject).

    @JCStressTest
    @Description("Buffer, capacity 1: every write swaps the halves; each item once, in its writer's order.")
    @State
    public static class Buffer_Capacity1 extends TwoWriters {
        public Buffer_Capacity1() {
            super(Subject.buffer(1));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("Buffer, capacity 2: the third claim overflows, so one writer swaps while the other may still"
            + " be copying; each item once, in its writer's order.")
    @State
    public static class Buffer_Capacity2 extends TwoWriters {
        public Buffer_Capacity2() {
            super(Subject.buffer(2));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("Buffer, capacity 3: one swap, on the fourth claim, by either writer; each item once, in order.")
    @State
    public static class Buffer_Capacity3 extends TwoWriters {
        public Buffer_Capacity3() {
            super(Subject.buffer(3));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("AsyncBuffer, capacity 1, BLOCK: a writer waits whenever the other's item is queued; each item"
            + " once, in its writer's order.")
    @State
    public static class AsyncBuffer_Capacity1 extends TwoWriters {
        public AsyncBuffer_Capacity1() {
            super(Subject.async(1));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("AsyncBuffer, capacity 2, BLOCK: the third and fourth writes may wait for the drainer; each"
            + " item once, in its writer's order.")
    @State
    public static class AsyncBuffer_Capacity2 extends TwoWriters {
        public AsyncBuffer_Capacity2() {
            super(Subject.async(2));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("AsyncBuffer, capacity 3, BLOCK: at most the fourth write waits; each item once, in order.")
    @State
    public static class AsyncBuffer_Capacity3 extends TwoWriters {
        public AsyncBuffer_Capacity3() {
            super(Subject.async(3));
        }

        @Actor
        public void writerA() {
            super.writerA();
        }

        @Actor
        public void writerB() {
            super.writerB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }
}
