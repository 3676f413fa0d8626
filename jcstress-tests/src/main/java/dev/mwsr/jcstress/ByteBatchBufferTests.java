package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.ByteBatchBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Memory-model proofs for {@link ByteBatchBuffer}: two writers claim byte ranges with one atomic
 * add under the read lock and copy in parallel; the writer whose claim crosses the end of a half
 * records the valid length, cuts the half under the write lock and runs the flusher inline. The
 * capacities (3 and 5 bytes) and record sizes (2 and 3 bytes) are chosen so that claims cross the
 * end of a half in the middle of the race, while the other writer may still be copying. Each
 * nested class is one property; the arbiter closes the buffer first, so "delivered" means
 * "delivered by the time close() returned". The properties it shares with the other buffers
 * (writeV, close, a failing flusher) are written once, in {@link WriteVTests}, {@link CloseTests}
 * and {@link FailureTests}.
 *
 * <p>Outcomes show the flusher calls split into the test's records by {@link ByteRecorder}:
 * {@code "[a1 bb1] [a2]"}; bytes that are not a whole record (torn, never copied, or left over from
 * the region's previous batch) show up after a {@code ?} and are forbidden.
 *
 * <p>At most two actors per test: CI has two CPUs, and jcstress cannot schedule a test with more
 * actors than CPUs.
 */
public final class ByteBatchBufferTests {
    private ByteBatchBufferTests() {}

    private static byte[] ascii(String s) {
        return Subject.ascii(s);
    }

    // -------------------------------------------------------------------------------------------
    // Exactly once, whole, in each writer's order: r1 = the flusher calls.

    @JCStressTest
    @Description("Capacity 3, 2-byte records: every write after the first crosses the end of a half (claim [2, 4)),"
            + " records the limit and swaps; each record must arrive once, whole, alone in its call.")
    @Outcome(
            id = "[a1] [a2] [b1] [b2]",
            expect = ACCEPTABLE,
            desc = "A's two writes, then B's; each write after the first swaps.")
    @Outcome(id = "[a1] [b1] [a2] [b2]", expect = ACCEPTABLE, desc = "Writes alternate, A first.")
    @Outcome(id = "[a1] [b1] [b2] [a2]", expect = ACCEPTABLE, desc = "a1, then both of B's, then a2.")
    @Outcome(id = "[b1] [a1] [a2] [b2]", expect = ACCEPTABLE, desc = "b1, then both of A's, then b2.")
    @Outcome(id = "[b1] [a1] [b2] [a2]", expect = ACCEPTABLE, desc = "Writes alternate, B first.")
    @Outcome(id = "[b1] [b2] [a1] [a2]", expect = ACCEPTABLE, desc = "B's two writes, then A's.")
    @Outcome(
            id = ".*\\?.*",
            expect = FORBIDDEN,
            desc = "Torn or half-built range: a call held bytes that are not a whole record (a range cut"
                    + " before its copy landed, two claims on one range, or a reused region's old bytes).")
    @Outcome(
            id = {".*a2.*a1.*", ".*b2.*b1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second record reached the flusher before its first.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Lost or duplicated: a write returned normally and its record never arrived (accepted but"
                    + " stranded, e.g. the crossing claim's limit lost), or arrived twice.")
    @State
    public static class ExactlyOnce_EveryWriteCrosses {
        final ByteRecorder out = new ByteRecorder("a1", "a2", "b1", "b2");
        final ByteBatchBuffer buffer = new ByteBatchBuffer(3, out);

        @Actor
        public void writerA() {
            buffer.write(ascii("a1"));
            buffer.write(ascii("a2"));
        }

        @Actor
        public void writerB() {
            buffer.write(ascii("b1"));
            buffer.write(ascii("b2"));
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = out.batches();
        }
    }

    @JCStressTest
    @Description("Capacity 5, A writes 2-byte records, B 3-byte ones: a half holds two records, and a claim that"
            + " crosses its end may still fit after another writer's cut; each record once, whole, packed in order.")
    @Outcome(
            id = "[a1 a2] [bb1] [bb2]",
            expect = ACCEPTABLE,
            desc = "A's two claims (4 bytes), then B's: bb1 crosses the end at 4 and swaps, bb2 crosses again.")
    @Outcome(
            id = "[a1 bb1] [a2 bb2]",
            expect = ACCEPTABLE,
            desc = "a1 and bb1 fill the half exactly; a2 and bb2 both cross, the first to take the write lock"
                    + " swaps, the other fits behind it in the new half.")
    @Outcome(id = "[a1 bb1] [bb2 a2]", expect = ACCEPTABLE, desc = "As above, bb2 took the write lock first.")
    @Outcome(
            id = "[bb1 a1] [a2 bb2]",
            expect = ACCEPTABLE,
            desc = "bb1 and a1 fill the half; a2 then bb2 in the new one.")
    @Outcome(
            id = "[bb1 a1] [bb2 a2]",
            expect = ACCEPTABLE,
            desc = "bb1 and a1 fill the half; bb2 then a2 in the new one.")
    @Outcome(
            id = "[bb1] [bb2 a1] [a2]",
            expect = ACCEPTABLE,
            desc = "B's two claims first: bb2 crosses at 3 and swaps; a1 fits behind it, a2 crosses again.")
    @Outcome(
            id = ".*\\?.*",
            expect = FORBIDDEN,
            desc = "Torn or half-built range: a call held bytes that are not a whole record (a range cut"
                    + " before its copy landed, overlapping claims, or a record split across two calls).")
    @Outcome(
            id = {".*a2.*a1.*", ".*bb2.*bb1.*"},
            expect = FORBIDDEN,
            desc = "Reordered: a writer's second record reached the flusher before its first.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Lost, duplicated, or a gap: a record never arrived (accepted but stranded), arrived twice,"
                    + " or a call was cut short though the next record fitted (a wrong limit).")
    @State
    public static class ExactlyOnce_MixedSizes {
        final ByteRecorder out = new ByteRecorder("a1", "a2", "bb1", "bb2");
        final ByteBatchBuffer buffer = new ByteBatchBuffer(5, out);

        @Actor
        public void writerA() {
            buffer.write(ascii("a1"));
            buffer.write(ascii("a2"));
        }

        @Actor
        public void writerB() {
            buffer.write(ascii("bb1"));
            buffer.write(ascii("bb2"));
        }

        @Arbiter
        public void closeThenRead(L_Result r) {
            buffer.close();
            r.r1 = out.batches();
        }
    }

    // -------------------------------------------------------------------------------------------
    // Visibility of the bytes: r1..r3 = the flusher calls' bytes as digits ({1, 2, 3} is 123).

    @JCStressTest
    @Description("Heap regions, capacity 3, 3-byte records: the flusher reads exactly the bytes written, though"
            + " another thread copied them, and the third batch reuses the first batch's region.")
    @Outcome(
            id = "123, 456, 789",
            expect = ACCEPTABLE,
            desc = "A's two writes, then B's: 456 swaps and flushes 123 on A's own thread, 789 waits for"
                    + " that flush, swaps into the reused region and flushes 456; close() delivers 789.")
    @Outcome(
            id = "123, 789, 456",
            expect = ACCEPTABLE,
            desc = "123, then B's 789 crosses the end and flushes A's bytes on B's thread; A's 456 swaps"
                    + " into the reused region and flushes 789 on A's thread.")
    @Outcome(
            id = "789, 123, 456",
            expect = ACCEPTABLE,
            desc = "B first; A's 123 crosses the end and flushes B's bytes on A's thread, 456 swaps.")
    @Outcome(
            id = {".*-1.*"},
            expect = FORBIDDEN,
            desc = "Accepted but stranded: a write returned normally and its bytes never reached the flusher.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Half-built or stale range: the flusher saw zeros, part of a record, or the region's old"
                    + " batch (e.g. 123 twice) where a record had been written: the copy under the read lock"
                    + " did not happen-before the flusher through the cut.")
    @State
    public static class Visibility_BytesCopiedByOtherThread {
        final ByteRecorder out = new ByteRecorder();
        final ByteBatchBuffer buffer = new ByteBatchBuffer(3, false, out);

        @Actor
        public void writerA() {
            buffer.write(new byte[] {1, 2, 3});
            buffer.write(new byte[] {4, 5, 6});
        }

        @Actor
        public void writerB() {
            buffer.write(new byte[] {7, 8, 9});
        }

        @Arbiter
        public void closeThenRead(III_Result r) {
            buffer.close();
            r.r1 = out.digits(0);
            r.r2 = out.digits(1);
            r.r3 = out.digits(2);
        }
    }
}
