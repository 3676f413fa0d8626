package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * {@code writeV} is contiguous and never split, for all three buffers: a pair (a1, a2) races
 * single writes or another pair; r1 = the flusher calls, {@code "[a1 a2] [b1]"}. The sizes let a
 * pair arrive when only one place is left: {@code Buffer} capacity 3; {@code AsyncBuffer} capacity
 * 4 and maxBatch 3, so the pair must wait, whole, at the head of the queue for the next cut;
 * {@code ByteBatchBuffer} capacity 6 with 2-byte items (the pair is one 4-byte claim). Where the
 * interleavings differ, each subclass lists its own acceptable outcomes and takes the harness's
 * forbidden ones through {@code @JCStressMeta} (see {@link Subject}).
 */
public final class WriteVTests {
    private WriteVTests() {}

    /** writeV(a1, a2) against write(b1); write(b2). */
    @Outcome(id = ".*a1\\] \\[a2.*", expect = FORBIDDEN, desc = "Torn pair: split across two flusher calls.")
    @Outcome(
            id = ".*a1 b\\d a2.*",
            expect = FORBIDDEN,
            desc = "Torn pair: a racing write landed between the pair's items (two claims for one group).")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Lost, duplicated or reordered item, a batch above maxBatch (AsyncBuffer), or bytes that"
                    + " are not a whole item (ByteBatchBuffer, shown after ?).")
    abstract static class PairAgainstSingles {
        final Subject<String> buffer;

        PairAgainstSingles(Subject<String> buffer) {
            this.buffer = buffer;
        }

        public void pair() {
            buffer.writeV("a1", "a2");
        }

        public void singles() {
            buffer.write("b1");
            buffer.write("b2");
        }

        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = buffer.batches();
        }
    }

    /** writeV(a1, a2) (array) against writeV(List.of(b1, b2)); the same outcomes for every buffer. */
    @Description("writeV(a1, a2) against writeV(b1, b2): both pairs arrive whole, each in its own call.")
    @Outcome(
            id = "[a1 a2] [b1 b2]",
            expect = ACCEPTABLE,
            desc = "A's pair claimed (queued) first; B's does not fit in the one place left: B swaps"
                    + " (AsyncBuffer: it waits at the head for the next cut).")
    @Outcome(id = "[b1 b2] [a1 a2]", expect = ACCEPTABLE, desc = "B's pair first; the same the other way round.")
    @Outcome(id = ".*1\\] \\[.2.*", expect = FORBIDDEN, desc = "Torn pair: split across two flusher calls.")
    @Outcome(
            id = {".*a1 b\\d a2.*", ".*b1 a\\d b2.*"},
            expect = FORBIDDEN,
            desc = "Torn pair: the other pair's items landed between this pair's items.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or reordered item, or a batch above maxBatch.")
    abstract static class PairAgainstPair {
        final Subject<String> buffer;

        PairAgainstPair(Subject<String> buffer) {
            this.buffer = buffer;
        }

        public void pairA() {
            buffer.writeV("a1", "a2");
        }

        public void pairB() {
            buffer.writeV(List.of("b1", "b2"));
        }

        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = buffer.batches();
        }
    }

    static Subject<String> async() {
        return Subject.async(
                new Recorder<>(),
                out -> AsyncBuffer.builder(out).capacity(4).maxBatch(3).build());
    }

    static Subject<String> bytes() {
        return Subject.bytes(6, new ByteRecorder("a1", "a2", "b1", "b2"));
    }

    @JCStressTest
    @JCStressMeta(PairAgainstSingles.class)
    @Description("Buffer, capacity 3: writeV(a1, a2) against write(b1); write(b2): the pair arrives contiguous,"
            + " in one call.")
    @Outcome(id = "[a1 a2 b1] [b2]", expect = ACCEPTABLE, desc = "Pair first (0-1), b1 at 2, b2 overflows, swaps.")
    @Outcome(id = "[b1 a1 a2] [b2]", expect = ACCEPTABLE, desc = "b1 first, the pair at 1-2, b2 overflows, swaps.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "b1 and b2 first; the pair does not fit in the one slot left, so its writer swaps and the"
                    + " pair opens the new half.")
    @State
    public static class Buffer_AgainstWrite extends PairAgainstSingles {
        public Buffer_AgainstWrite() {
            super(Subject.buffer(3));
        }

        @Actor
        public void pair() {
            super.pair();
        }

        @Actor
        public void singles() {
            super.singles();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @JCStressMeta(PairAgainstSingles.class)
    @Description("AsyncBuffer, capacity 4, maxBatch 3: writeV(a1, a2) against write(b1); write(b2): the pair"
            + " arrives contiguous, in one call (P is the pair).")
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
            desc = "Queued b1 b2 P; the pair did not fit in the one place left in the batch, so it stayed at"
                    + " the head, whole, for the next cut (or came after the cut).")
    @State
    public static class AsyncBuffer_AgainstWrite extends PairAgainstSingles {
        public AsyncBuffer_AgainstWrite() {
            super(async());
        }

        @Actor
        public void pair() {
            super.pair();
        }

        @Actor
        public void singles() {
            super.singles();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @JCStressMeta(PairAgainstSingles.class)
    @Description("ByteBatchBuffer, capacity 6, 2-byte items: writeV(a1, a2) against write(b1); write(b2): the"
            + " group arrives contiguous, in one call.")
    @Outcome(
            id = "[a1 a2 b1] [b2]",
            expect = ACCEPTABLE,
            desc = "The group is claimed first (bytes 0-3), b1 fills the half, b2 crosses its end and swaps.")
    @Outcome(
            id = "[b1 a1 a2] [b2]",
            expect = ACCEPTABLE,
            desc = "b1 first, the group fills the half (bytes 2-5), b2 crosses its end and swaps.")
    @Outcome(
            id = "[b1 b2] [a1 a2]",
            expect = ACCEPTABLE,
            desc = "b1 and b2 first; the group's claim [4, 8) crosses the end, so its writer swaps and the"
                    + " group opens the new half.")
    @State
    public static class ByteBatchBuffer_AgainstWrite extends PairAgainstSingles {
        public ByteBatchBuffer_AgainstWrite() {
            super(bytes());
        }

        @Actor
        public void pair() {
            super.pair();
        }

        @Actor
        public void singles() {
            super.singles();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("Buffer, capacity 3: writeV(a1, a2) against writeV(b1, b2): both pairs arrive whole.")
    @State
    public static class Buffer_AgainstWriteV extends PairAgainstPair {
        public Buffer_AgainstWriteV() {
            super(Subject.buffer(3));
        }

        @Actor
        public void pairA() {
            super.pairA();
        }

        @Actor
        public void pairB() {
            super.pairB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("AsyncBuffer, capacity 4, maxBatch 3: writeV(a1, a2) against writeV(b1, b2): both pairs arrive"
            + " whole, each in its own call.")
    @State
    public static class AsyncBuffer_AgainstWriteV extends PairAgainstPair {
        public AsyncBuffer_AgainstWriteV() {
            super(async());
        }

        @Actor
        public void pairA() {
            super.pairA();
        }

        @Actor
        public void pairB() {
            super.pairB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @Description("ByteBatchBuffer, capacity 6, 2-byte items: writeV(a1, a2) against writeV(b1, b2): both"
            + " groups arrive whole (the second 4-byte claim crosses the end and swaps).")
    @State
    public static class ByteBatchBuffer_AgainstWriteV extends PairAgainstPair {
        public ByteBatchBuffer_AgainstWriteV() {
            super(bytes());
        }

        @Actor
        public void pairA() {
            super.pairA();
        }

        @Actor
        public void pairB() {
            super.pairB();
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            super.closeThenRead(r);
        }
    }
}
