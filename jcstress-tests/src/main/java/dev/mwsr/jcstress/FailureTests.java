package dev.mwsr.jcstress;

import static dev.mwsr.jcstress.FaultTests.ITEM_ONCE;
import static dev.mwsr.jcstress.FaultTests.LOST;
import static dev.mwsr.jcstress.FaultTests.TWICE;
import static dev.mwsr.jcstress.FaultTests.attempt;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.FlushFailedException;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * A failing flusher while other writers write, for all three buffers: the flusher's
 * second call throws (recording nothing), and every accepted item must be delivered or in
 * {@link FlushFailedException#undelivered()}, once. Each item is coded as in {@link FaultTests}:
 * what its write did (0 returned, 2 threw) plus how often it was found. Capacity 1 ({@code Buffer},
 * {@code AsyncBuffer} with BLOCK) or one 2-byte item a half ({@code ByteBatchBuffer}), so every
 * write after the first cuts or waits. (Subject and harness: {@link Subject}.)
 */
public final class FailureTests {
    private FailureTests() {}

    @Description("The second flusher call throws while both threads write (or wait for room); every accepted"
            + " item is delivered or undelivered, once.")
    @Outcome(
            id = ITEM_ONCE,
            expect = ACCEPTABLE,
            desc = "Any interleaving: items before the failure delivered, the failed batch and what was accepted"
                    + " after it (AsyncBuffer: everything queued) in undelivered(), writes after the failure"
                    + " (or waiting when it came) refused.")
    @Outcome(
            id = LOST,
            expect = FORBIDDEN,
            desc = "Accepted but lost: a write returned normally and its item is neither delivered nor in"
                    + " undelivered() (a batch dropped on the failure path, the queue not collected).")
    @Outcome(
            id = TWICE,
            expect = FORBIDDEN,
            desc = "Twice: an item both delivered and in undelivered(), or twice in undelivered().")
    abstract static class FailingFlusher {
        final Subject<String> buffer;
        int ra1, ra2, rb1, rb2;

        FailingFlusher(Subject<String> buffer) {
            this.buffer = buffer;
        }

        public void writerA() {
            ra1 = attempt(() -> buffer.write("a1"));
            ra2 = attempt(() -> buffer.write("a2"));
        }

        public void writerB() {
            rb1 = attempt(() -> buffer.write("b1"));
            rb2 = attempt(() -> buffer.write("b2"));
        }

        public void closeThenCount(IIII_Result r) {
            List<String> found = new ArrayList<>();
            try {
                buffer.close(); // for AsyncBuffer this joins the drainer: its records are visible
            } catch (FlushFailedException f) {
                found.addAll(buffer.undelivered(f));
            }
            found.addAll(buffer.delivered());
            r.r1 = ra1 + count(found, "a1");
            r.r2 = ra2 + count(found, "a2");
            r.r3 = rb1 + count(found, "b1");
            r.r4 = rb2 + count(found, "b2");
        }

        private static int count(List<String> found, String item) {
            int n = 0;
            for (String s : found) {
                n += s.equals(item) ? 1 : 0;
            }
            return n;
        }
    }

    // The subclasses: one per buffer. Actors are declared again (see Subject).

    @JCStressTest
    @State
    public static class Buffer_FailingFlusher extends FailingFlusher {
        public Buffer_FailingFlusher() {
            super(Subject.buffer(1, Recorder.failingFrom(2)));
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
        public void closeThenCount(IIII_Result r) {
            super.closeThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class AsyncBuffer_FailingFlusher extends FailingFlusher {
        public AsyncBuffer_FailingFlusher() {
            super(Subject.async(Recorder.failingFrom(2), out -> new AsyncBuffer<>(1, out)));
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
        public void closeThenCount(IIII_Result r) {
            super.closeThenCount(r);
        }
    }

    @JCStressTest
    @State
    public static class ByteBatchBuffer_FailingFlusher extends FailingFlusher {
        public ByteBatchBuffer_FailingFlusher() {
            super(Subject.bytes(2, ByteRecorder.failingFrom(2, "a1", "a2", "b1", "b2")));
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
        public void closeThenCount(IIII_Result r) {
            super.closeThenCount(r);
        }
    }
}
