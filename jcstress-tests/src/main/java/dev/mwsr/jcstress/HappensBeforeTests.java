package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Happens-before edges of {@code Buffer} and {@code AsyncBuffer}, with items that are {@link Box}es
 * (plain fields; the flusher, {@link Box#see}, records what it saw in them): a writer's stores
 * before {@code write} are visible to the flusher, and the flusher's work on everything written
 * before {@code flush()} is visible when {@code flush()} returns. For {@code Buffer} the flusher
 * runs on a writer, on {@code flush()} or {@code close()}; for {@code AsyncBuffer} on the drainer.
 * ({@code ByteBatchBuffer}'s bytes: {@link ByteBatchBufferTests}. Subject and harness:
 * {@link Subject}.)
 */
public final class HappensBeforeTests {
    private HappensBeforeTests() {}

    /** r1, r2 = 10 * x + y of A's and B's item, as the flusher saw them. */
    @Description("Plain fields set before write(x) are visible to the flusher's call holding x, on any thread.")
    @Outcome(
            id = "12, 34",
            expect = ACCEPTABLE,
            desc = "Both items seen whole, whichever thread ran the flusher (the other writer's overflowing"
                    + " write, the item's own writer, the drainer, or close()), in one batch or two.")
    @Outcome(
            id = {"-1, .*", ".*, -1"},
            expect = FORBIDDEN,
            desc = "Accepted but stranded: an item never arrived.")
    @Outcome(
            expect = FORBIDDEN,
            desc = "Stale fields: the flusher saw an item without the stores its writer made before write()"
                    + " (the slot was published without a happens-before edge).")
    abstract static class PlainFields {
        final Subject<Box> buffer;
        Box a;
        Box b;

        PlainFields(Subject<Box> buffer) {
            this.buffer = buffer;
        }

        public void writerA() {
            Box box = new Box();
            box.x = 1;
            box.y = 2;
            buffer.write(box);
            a = box;
        }

        public void writerB() {
            Box box = new Box();
            box.x = 3;
            box.y = 4;
            buffer.write(box);
            b = box;
        }

        public void closeThenRead(II_Result r) {
            buffer.close();
            r.r1 = a.seen;
            r.r2 = b.seen;
        }
    }

    /**
     * write(a); flush() against write; write. r1 = deliveries of a seen by the flushing thread right
     * after flush() (a plain read of a field the flusher wrote); r2 = which thread delivered a (1 the
     * flushing thread itself, 2 another); r3 = deliveries of a after close().
     */
    @Description("write(a); flush() against two writes: when flush() returns, a is delivered and the flusher's"
            + " work on it is visible.")
    @Outcome(
            id = "1, 1, 1",
            expect = ACCEPTABLE,
            desc = "Buffer: flush() found a in the current half, cut it and ran the flusher itself.")
    @Outcome(
            id = "1, 2, 1",
            expect = ACCEPTABLE,
            desc = "Another thread delivered a and flush() waited for that call to return: Buffer, the other"
                    + " writer's overflowing write swapped a out; AsyncBuffer, the drainer (woken by the write"
                    + " or by flush()'s request) cut a alone or with the other writes.")
    @Outcome(
            id = "0, .*",
            expect = FORBIDDEN,
            desc = "flush() returned early: a, written before flush(), was not delivered yet (or the flusher's"
                    + " return did not happen-before flush()'s return).")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: a was delivered other than exactly once.")
    abstract static class FlushAgainstWriter {
        final Subject<Box> buffer;
        final Box a = new Box();

        FlushAgainstWriter(Subject<Box> buffer) {
            this.buffer = buffer;
        }

        public void writeThenFlush(III_Result r) {
            buffer.write(a);
            buffer.flush();
            r.r1 = a.deliveries;
            Thread by = a.deliveredBy;
            r.r2 = by == null ? 0 : by == Thread.currentThread() ? 1 : 2;
        }

        public void writer() {
            buffer.write(new Box());
            buffer.write(new Box());
        }

        public void closeThenCount(III_Result r) {
            buffer.close();
            r.r3 = a.deliveries;
        }
    }

    /** write(a) then a volatile flag; r1 = deliveries of a after flush() (-1: flag not seen), r2 = after close(). */
    @Description("write(a) in one thread, then a volatile flag; another thread that sees the flag calls flush():"
            + " a write that happens-before flush() is delivered when flush() returns.")
    @Outcome(
            id = "1, 1",
            expect = ACCEPTABLE,
            desc = "The flushing thread saw the flag, so a's write happened-before its flush(); a was delivered"
                    + " (Buffer: by the flushing thread, which cut the half; AsyncBuffer: by the drainer).")
    @Outcome(
            id = "-1, 1",
            expect = ACCEPTABLE,
            desc = "The flag was not visible yet: nothing ordered the two, flush() was not called; close()"
                    + " delivered a.")
    @Outcome(
            id = "0, .*",
            expect = FORBIDDEN,
            desc = "flush() returned early: a write that happened-before flush() (through the flag) was not"
                    + " delivered yet, or the flusher's work on it was not visible.")
    @Outcome(expect = FORBIDDEN, desc = "Lost or duplicated: a was delivered other than exactly once.")
    abstract static class FlushAfterOtherThreadsWrite {
        final Subject<Box> buffer;
        final Box a = new Box();
        volatile boolean written;

        FlushAfterOtherThreadsWrite(Subject<Box> buffer) {
            this.buffer = buffer;
        }

        public void writer() {
            buffer.write(a);
            written = true;
        }

        public void flusher(II_Result r) {
            if (written) {
                buffer.flush();
                r.r1 = a.deliveries;
            } else {
                r.r1 = -1;
            }
        }

        public void closeThenCount(II_Result r) {
            buffer.close();
            r.r2 = a.deliveries;
        }
    }

    // The subclasses: one per buffer. Actors are declared again (see Subject).

    @JCStressTest
    @State
    public static class Buffer_PlainFields extends PlainFields {
        public Buffer_PlainFields() {
            super(Subject.buffer(1, new Recorder<>(Box::see))); // b's write swaps a out, on b's thread
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
        public void closeThenRead(II_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_PlainFields extends PlainFields {
        public AsyncBuffer_PlainFields() {
            super(Subject.async(new Recorder<>(Box::see), out -> new AsyncBuffer<>(2, out)));
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
        public void closeThenRead(II_Result r) {
            super.closeThenRead(r);
        }
    }

    @JCStressTest
    @State
    public static class Buffer_FlushAgainstWriter extends FlushAgainstWriter {
        public Buffer_FlushAgainstWriter() {
            super(Subject.buffer(1, new Recorder<>(Box::see)));
        }

        @Actor
        public void writeThenFlush(III_Result r) {
            super.writeThenFlush(r);
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Arbiter
        public void closeThenCount(III_Result r) {
            super.closeThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_FlushAgainstWriter extends FlushAgainstWriter {
        public AsyncBuffer_FlushAgainstWriter() {
            super(Subject.async(new Recorder<>(Box::see), out -> new AsyncBuffer<>(4, out)));
        }

        @Actor
        public void writeThenFlush(III_Result r) {
            super.writeThenFlush(r);
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Arbiter
        public void closeThenCount(III_Result r) {
            super.closeThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class Buffer_FlushAfterOtherThreadsWrite extends FlushAfterOtherThreadsWrite {
        public Buffer_FlushAfterOtherThreadsWrite() {
            super(Subject.buffer(2, new Recorder<>(Box::see)));
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Actor
        public void flusher(II_Result r) {
            super.flusher(r);
        }

        @Arbiter
        public void closeThenCount(II_Result r) {
            super.closeThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_FlushAfterOtherThreadsWrite extends FlushAfterOtherThreadsWrite {
        public AsyncBuffer_FlushAfterOtherThreadsWrite() {
            super(Subject.async(new Recorder<>(Box::see), out -> new AsyncBuffer<>(4, out)));
        }

        @Actor
        public void writer() {
            super.writer();
        }

        @Actor
        public void flusher(II_Result r) {
            super.flusher(r);
        }

        @Arbiter
        public void closeThenCount(II_Result r) {
            super.closeThenCount(r);
        }
    }
}
