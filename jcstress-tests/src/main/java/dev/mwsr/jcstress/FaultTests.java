package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.FlushFailedException;
import java.util.concurrent.CancellationException;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Fault races of one buffer each: {@code close()} racing a writer that waits for room
 * ({@code AsyncBuffer}'s BLOCK, {@code Buffer}'s "both halves full"), and an interrupt racing a
 * BLOCK wait. The failing flusher (all three buffers) is in {@link FailureTests}, {@code close()}
 * racing {@code writeV} in {@link CloseTests}.
 *
 * <p>Most results code one item each, as <em>what its write did</em> plus <em>where the item
 * ended</em>: a write that returned normally gives {@code 0 + n}, a write that threw gives
 * {@code 2 + n}, where {@code n} counts the item's appearances among the delivered items and
 * {@link FlushFailedException#undelivered()} together. So {@code 1} is "accepted, found once",
 * {@code 2} "refused, found nowhere", {@code 3} "threw, but accepted and found once" (a write that
 * ran the failing flush itself, whose own item was already in); {@code 0} is an accepted item lost
 * and {@code 4} or more an item found twice (delivered and undelivered, say).
 */
public final class FaultTests {
    private FaultTests() {}

    /** Runs a write: 0 if it returned normally, 2 if it threw {@code IllegalStateException}. */
    static int attempt(Runnable write) {
        try {
            write.run();
            return 0;
        } catch (IllegalStateException e) { // FlushFailedException, or "closed"
            return 2;
        }
    }

    static final String ITEM_ONCE = "[123], [123], [123], [123]";
    static final String LOST = ".*0.*";
    static final String TWICE = ".*[4-9].*";

    // -------------------------------------------------------------------------------------------
    // Writers that wait for room, racing close(). r1 = what the write did (0 returned, 2 refused).

    @JCStressTest
    @Description("AsyncBuffer, capacity 1, MANUAL, BLOCK, x queued: a writer that must wait for room"
            + " races close(); r1 = what the write did, r2 = deliveries of a, r3 = deliveries of x.")
    @Outcome(
            id = "0, 1, 1",
            expect = ACCEPTABLE,
            desc = "The writer got room (the drainer delivers x while a writer waits) before close():"
                    + " accepted and delivered.")
    @Outcome(
            id = "2, 0, 1",
            expect = ACCEPTABLE,
            desc = "close() started while the writer waited (or before it came): refused, never delivered.")
    @Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Accepted but stranded: the waiter's item was lost.")
    @Outcome(id = "2, 1, .*", expect = FORBIDDEN, desc = "Refused but delivered.")
    @Outcome(id = ".*", expect = FORBIDDEN, desc = "The queued item lost or twice, or an item twice.")
    @State
    public static class CloseRacingBlockedWriter_AsyncBuffer {
        final String a = "a", x = "x";
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(out)
                .capacity(1)
                .mode(AsyncBuffer.Mode.MANUAL)
                .build();
        int ra;

        {
            buffer.write(x); // the queue is full: the writer below waits (BLOCK)
        }

        @Actor
        public void writer() {
            ra = attempt(() -> buffer.write(a));
        }

        @Actor
        public void closer() {
            buffer.close();
        }

        @Arbiter
        public void count(III_Result r) {
            buffer.close();
            r.r1 = ra;
            r.r2 = out.count(a);
            r.r3 = out.count(x);
        }
    }

    @JCStressTest
    @Description("Buffer, capacity 1: writer A writes a1, a2, a3 (each write after the first cuts and"
            + " flushes, so A may wait with both halves full while B's close() flushes); B writes b1"
            + " and closes. Each item coded as in the class comment.")
    @Outcome(
            id = {"1, 1, 1, 1", "1, 1, 2, 1", "1, 2, 2, 1"},
            expect = ACCEPTABLE,
            desc = "Any interleaving: writes before close() accepted and delivered once, writes waiting"
                    + " for room (or starting) when close() began refused and never delivered.")
    @Outcome(id = "1, 2, 1, 1", expect = FORBIDDEN, desc = "Accepted after close(): a2 refused, then a3 accepted.")
    @Outcome(id = LOST, expect = FORBIDDEN, desc = "Accepted but stranded: a write returned, its item never arrived.")
    @Outcome(id = ".*3.*", expect = FORBIDDEN, desc = "Refused but delivered: a write threw, yet its item arrived.")
    @Outcome(id = TWICE, expect = FORBIDDEN, desc = "Delivered twice.")
    @Outcome(
            id = ".*",
            expect = FORBIDDEN,
            desc = "A write refused that must have been accepted (a1, b1 start before any close).")
    @State
    public static class CloseRacingBothHalvesFull_Buffer {
        final String a1 = "a1", a2 = "a2", a3 = "a3", b1 = "b1";
        final Recorder<String> out = new Recorder<>();
        final Buffer<String> buffer = new Buffer<>(1, out);
        int ra1, ra2, ra3;

        {
            buffer.write(a1); // written by the state's creator, so it is always accepted
        }

        @Actor
        public void writerA() {
            ra2 = attempt(() -> buffer.write(a2));
            ra3 = attempt(() -> buffer.write(a3));
        }

        @Actor
        public void writerThenCloser() {
            buffer.write(b1);
            buffer.close();
        }

        @Arbiter
        public void count(IIII_Result r) {
            buffer.close();
            r.r1 = ra1 + out.count(a1);
            r.r2 = ra2 + out.count(a2);
            r.r3 = ra3 + out.count(a3);
            r.r4 = out.count(b1);
        }
    }

    // -------------------------------------------------------------------------------------------
    // An interrupt racing a wait.

    @JCStressTest
    @Description("AsyncBuffer, capacity 1, MANUAL, BLOCK, x queued: a writer that may wait for room is"
            + " interrupted; r1 = what the write did (0 returned, 1 CancellationException), r2 ="
            + " deliveries of its item, r3 = its interrupt flag right after the write (1 set).")
    @Outcome(
            id = "0, 1, [01]",
            expect = ACCEPTABLE,
            desc = "The write got room before the interrupt mattered: accepted and delivered (the flag,"
                    + " if the interrupt came after, is still set).")
    @Outcome(
            id = "1, 0, 1",
            expect = ACCEPTABLE,
            desc = "Interrupted while it waited: CancellationException, nothing written, flag set again.")
    @Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "Flag lost: the wait swallowed the interrupt.")
    @Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "Accepted but stranded.")
    @Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "Cancelled but delivered: half-written.")
    @Outcome(id = ".*", expect = FORBIDDEN, desc = "Delivered twice, or another exception.")
    @State
    public static class InterruptRacingBlockWait_AsyncBuffer {
        final String a = "a";
        final Recorder<String> out = new Recorder<>();
        final AsyncBuffer<String> buffer = AsyncBuffer.<String>builder(out)
                .capacity(1)
                .mode(AsyncBuffer.Mode.MANUAL)
                .build();
        /** The writer's thread while its write runs; the interrupter interrupts only under this lock. */
        private final Object lock = new Object();

        private Thread target;
        private boolean started;
        int ra, flag;

        {
            buffer.write("x"); // the queue is full: the write below may wait (BLOCK)
        }

        @Actor
        public void writer() {
            synchronized (lock) {
                target = Thread.currentThread();
                started = true;
            }
            try {
                buffer.write(a);
                ra = 0;
            } catch (CancellationException e) {
                ra = 1;
            } catch (RuntimeException e) {
                ra = 5;
            }
            synchronized (lock) {
                flag = Thread.currentThread().isInterrupted() ? 1 : 0;
                target = null;
            }
            Thread.interrupted(); // no interrupt may reach the next sample on this thread
        }

        @Actor
        public void interrupter() {
            for (; ; ) {
                synchronized (lock) {
                    if (started) {
                        if (target != null) {
                            target.interrupt();
                        }
                        return;
                    }
                }
                Thread.onSpinWait();
            }
        }

        @Arbiter
        public void count(III_Result r) {
            buffer.close();
            r.r1 = ra;
            r.r2 = out.count(a);
            r.r3 = flag;
        }
    }
}
