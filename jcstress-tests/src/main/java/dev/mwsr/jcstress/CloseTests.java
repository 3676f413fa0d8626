package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@code close()} refuses, then delivers, for all three buffers: a write or a {@code writeV} that
 * races {@code close()} is either accepted and delivered, or refused (IllegalStateException) and
 * never delivered. r1 = what the write did (1 returned, 0 refused), then the deliveries of its
 * items. The arbiter closes again (a no-op) before counting. (Subject and harness: {@link Subject}.)
 */
public final class CloseTests {
    private CloseTests() {}

    /** write(a1) against close(), with p0 already in the buffer; r2, r3 = deliveries of a1, p0. */
    @Description("write(a1) against close(), with p0 already in: accepted means delivered, refused means not.")
    @Outcome(
            id = "1, 1, 1",
            expect = ACCEPTABLE,
            desc = "write first: a1 got in before close() refused writers (Buffer: overflowed p0's half and"
                    + " swapped, or waited for close()'s cut; AsyncBuffer: reserved its place; ByteBatchBuffer:"
                    + " its crossing claim took the write lock before close() set CLOSED); close() delivered it.")
    @Outcome(
            id = "0, 0, 1",
            expect = ACCEPTABLE,
            desc = "close() first: a1 refused with IllegalStateException and never delivered; p0 delivered.")
    @Outcome(
            id = "1, 0, .*",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: write returned normally, close() returned, a1 never delivered"
                    + " (AsyncBuffer: the drainer ended while a1 was still being offered).")
    @Outcome(id = "0, [1-9], .*", expect = FORBIDDEN, desc = "Refused but delivered: write threw, yet a1 arrived.")
    @Outcome(expect = FORBIDDEN, desc = "Lost, duplicated or torn: p0 or a1 delivered other than exactly once.")
    abstract static class WriteAgainstClose {
        final Subject<String> buffer;

        WriteAgainstClose(Subject<String> buffer) {
            this.buffer = buffer;
            buffer.write("p0");
        }

        public void writer(III_Result r) {
            try {
                buffer.write("a1");
                r.r1 = 1;
            } catch (IllegalStateException refused) {
                r.r1 = 0;
            }
        }

        public void closer() {
            buffer.close();
        }

        public void closeAgainThenCount(III_Result r) {
            buffer.close();
            r.r2 = buffer.count("a1");
            r.r3 = buffer.count("p0");
        }
    }

    /** writeV(a1, a2) against close(); r2, r3 = deliveries of a1, a2. */
    @Description("close() races writeV(a1, a2): the group is delivered whole or refused whole.")
    @Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "writeV got in before close(): delivered whole.")
    @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "close() came first: refused, nothing of it delivered.")
    @Outcome(
            id = "1, 0, 0",
            expect = FORBIDDEN,
            desc = "Accepted but stranded: writeV returned and close() (the drainer) ended without it.")
    @Outcome(id = "0, 1, 1", expect = FORBIDDEN, desc = "Refused but delivered: writeV threw, yet its items arrived.")
    @Outcome(id = ".*", expect = FORBIDDEN, desc = "Half a group, or an item twice.")
    abstract static class WriteVAgainstClose {
        final Subject<String> buffer;
        int ra;

        WriteVAgainstClose(Subject<String> buffer) {
            this.buffer = buffer;
        }

        public void writer() {
            try {
                buffer.writeV("a1", "a2");
                ra = 1;
            } catch (IllegalStateException refused) {
                ra = 0;
            }
        }

        public void closer() {
            buffer.close();
        }

        public void count(III_Result r) {
            buffer.close();
            r.r1 = ra;
            r.r2 = buffer.count("a1");
            r.r3 = buffer.count("a2");
        }
    }

    // The subclasses: one per buffer. Actors are declared again (see Subject).

    @JCStressTest
    @State
    public static class Buffer_WriteAgainstClose extends WriteAgainstClose {
        public Buffer_WriteAgainstClose() {
            super(Subject.buffer(1)); // a1 overflows p0's half
        }

        @Actor
        public void writer(III_Result r) {
            super.writer(r);
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void closeAgainThenCount(III_Result r) {
            super.closeAgainThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_WriteAgainstClose extends WriteAgainstClose {
        public AsyncBuffer_WriteAgainstClose() {
            super(Subject.async(2));
        }

        @Actor
        public void writer(III_Result r) {
            super.writer(r);
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void closeAgainThenCount(III_Result r) {
            super.closeAgainThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class ByteBatchBuffer_WriteAgainstClose extends WriteAgainstClose {
        public ByteBatchBuffer_WriteAgainstClose() {
            super(Subject.bytes(3, new ByteRecorder("p0", "a1"))); // a1's claim [2, 4) crosses the end
        }

        @Actor
        public void writer(III_Result r) {
            super.writer(r);
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void closeAgainThenCount(III_Result r) {
            super.closeAgainThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class Buffer_WriteVAgainstClose extends WriteVAgainstClose {
        public Buffer_WriteVAgainstClose() {
            super(Subject.buffer(4));
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void count(III_Result r) {
            super.count(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_WriteVAgainstClose extends WriteVAgainstClose {
        public AsyncBuffer_WriteVAgainstClose() {
            super(Subject.async(4));
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void count(III_Result r) {
            super.count(r);
        }
    }

    @JCStressTest
    @State
    public static class ByteBatchBuffer_WriteVAgainstClose extends WriteVAgainstClose {
        public ByteBatchBuffer_WriteVAgainstClose() {
            super(Subject.bytes(8, new ByteRecorder("a1", "a2")));
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Actor
        public void closer() {
            super.closer();
        }

        @Arbiter
        public void count(III_Result r) {
            super.count(r);
        }
    }
}
