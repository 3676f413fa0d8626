package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * A tiny model of {@code AsyncBuffer}'s one-RMW admission into its ring ({@code Room}): the CAS
 * that admits a writer also gives it its slot, so the writer must never store into a slot whose
 * element the consumer has not polled yet. The writer reads the position P from {@code word},
 * then {@code consumed}, admits only if {@code P + 1 - consumed <= capacity}, CASes P forward and
 * stores its element in slot {@code P mod slots}. The consumer reads its head slot, nulls it, and
 * only then publishes {@code consumed} (once per cut in the real class). The real class under the
 * same race: {@link ExactlyOnceTests}' {@code AsyncBuffer_Capacity1/2/3} (BLOCK writers wrapping a
 * ring of one to four slots).
 *
 * <p>Here: capacity 1, one slot, element A (1) already stored at position 0. The writer tries once
 * to add B (2); the consumer polls once; the arbiter looks at what is left in the slot.
 * {@link Handshake} is the real order and must pass. The {@code Planted_} tests break one piece of
 * it and must be caught ({@code CiRun} counts {@code RingModel.Planted_} as planted):
 * {@link Planted_FitOffByOne} admits into a full ring (its check is {@code <=} one place too
 * generous), so B overwrites A; {@link Planted_PublishBeforeClear} publishes {@code consumed}
 * before nulling the slot (as if the slots were cleared after the batch), so the late null can
 * erase B.
 */
public final class RingModel {
    private RingModel() {}

    abstract static class Model {
        static final VarHandle WORD;
        static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

        static {
            try {
                WORD = MethodHandles.lookup().findVarHandle(Model.class, "word", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static final Integer A = 1;
        static final Integer B = 2;
        static final int CAPACITY = 1;

        final Object[] ring = {A};
        /** P: places ever reserved (A's included). */
        volatile long word = 1;
        /** Places ever taken, published by the consumer. */
        volatile long consumed;

        long head;

        /** The writer: one attempt to admit B; 1 if admitted (and stored). */
        int write() {
            long w = word;
            if (w + 1 - consumed <= CAPACITY && WORD.compareAndSet(this, w, w + 1)) {
                SLOT.setRelease(ring, (int) (w & (ring.length - 1)), B);
                return 1;
            }
            return 0;
        }

        /** The consumer: polls the head slot; returns what it got (0: nothing stored yet). */
        int poll() {
            int slot = (int) (head & (ring.length - 1));
            Object e = SLOT.getAcquire(ring, slot);
            if (e == null) {
                return 0;
            }
            ring[slot] = null;
            head++;
            consumed = head;
            return (Integer) e;
        }

        int left() {
            Object e = ring[0];
            return e == null ? 0 : (Integer) e;
        }
    }

    private static final String OK_FULL =
            "The writer found the ring full (A not yet taken) and was not admitted;" + " the consumer took A.";
    private static final String OK_AFTER =
            "The consumer took A and published it; the writer was admitted after" + " that and B waits in the slot.";
    private static final String OVERWRITTEN =
            "Accepted item lost: B was stored over A before the consumer polled" + " it (A never delivered).";
    private static final String ERASED =
            "Accepted item lost: B was stored, then the consumer's late null" + " erased it.";

    @JCStressTest
    @Description("AsyncBuffer's ring (model): an admitted writer never stores over an element not yet polled.")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = OK_FULL)
    @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = OK_AFTER)
    @Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = OVERWRITTEN)
    @Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = ERASED)
    @Outcome(expect = FORBIDDEN, desc = "Impossible in the real order.")
    @State
    public static class Handshake {
        final Model model = new Model() {};

        @Actor
        public void writer(III_Result r) {
            r.r1 = model.write();
        }

        @Actor
        public void consumer(III_Result r) {
            r.r2 = model.poll();
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = model.left();
        }
    }

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: the fit check admits one place too many.")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = OK_FULL)
    @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = OK_AFTER)
    @Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = OVERWRITTEN + " EXPECTED here: proves the test can fail.")
    @Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = ERASED + " EXPECTED here: proves the test can fail.")
    @Outcome(expect = FORBIDDEN, desc = "Impossible in the real order.")
    @State
    public static class Planted_FitOffByOne {
        final Model model = new Model() {
            @Override
            int write() {
                long w = word;
                if (w - consumed <= CAPACITY && WORD.compareAndSet(this, w, w + 1)) {
                    SLOT.setRelease(ring, (int) (w & (ring.length - 1)), B);
                    return 1;
                }
                return 0;
            }
        };

        @Actor
        public void writer(III_Result r) {
            r.r1 = model.write();
        }

        @Actor
        public void consumer(III_Result r) {
            r.r2 = model.poll();
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = model.left();
        }
    }

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: the consumer publishes consumed before it nulls the slot.")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = OK_FULL)
    @Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = OK_AFTER)
    @Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = OVERWRITTEN + " EXPECTED here: proves the test can fail.")
    @Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = ERASED + " EXPECTED here: proves the test can fail.")
    @Outcome(expect = FORBIDDEN, desc = "Impossible in the real order.")
    @State
    public static class Planted_PublishBeforeClear {
        final Model model = new Model() {
            @Override
            int poll() {
                int slot = (int) (head & (ring.length - 1));
                Object e = SLOT.getAcquire(ring, slot);
                if (e == null) {
                    return 0;
                }
                head++;
                consumed = head;
                ring[slot] = null;
                return (Integer) e;
            }
        };

        @Actor
        public void writer(III_Result r) {
            r.r1 = model.write();
        }

        @Actor
        public void consumer(III_Result r) {
            r.r2 = model.poll();
        }

        @Arbiter
        public void left(III_Result r) {
            r.r3 = model.left();
        }
    }
}
