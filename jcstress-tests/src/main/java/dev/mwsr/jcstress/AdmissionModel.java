package dev.mwsr.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A tiny model of {@code AsyncBuffer}'s admission and wake-up handshake, beside the real class's
 * tests in {@link AsyncBufferTests} (as {@link PlantedBugs} models {@code Buffer}'s claim). The
 * writer takes a place in the admission word (a CAS in {@code Room.reserve}, here a volatile
 * add), then reads {@code sleeping} and, if it is 1, CASes it to 0 and unparks
 * ({@code Sleeper.wake}). The drainer sets {@code sleeping} = 1 (volatile), re-checks the count,
 * and parks only if it is still 0 ({@code Drainer.sleep}, through {@code Sleeper}). One property:
 * a writer's item never sits in the queue with the drainer parked and nobody waking it (a lost
 * wake-up). Parking is modelled as "decided to park": the result tells whether the drainer would
 * have parked and whether the writer would have unparked it.
 *
 * <p>{@link Handshake} is the real order and must pass. The {@code Planted_} tests each break one
 * piece of it and must be caught, which is what makes the passing one mean something:
 * {@link Planted_ParksWithoutRecheck} checks the queue only before publishing {@code sleeping};
 * {@link Planted_WriterChecksFirst} reads {@code sleeping} before taking its place;
 * {@link Planted_ReleaseAcquire} keeps the order but with release/acquire accesses, which allow the
 * store-load reordering (x86 does it) that the volatile (sequentially consistent) accesses forbid.
 *
 * <p>{@code CiRun} recognises planted bugs by their class: it must also count the
 * {@code AdmissionModel.Planted_} tests as planted (forbidden outcome expected), see the report.
 */
public final class AdmissionModel {
    private AdmissionModel() {}

    /** The two words of the handshake: the count of places taken, and the drainer's sleeping flag. */
    abstract static class Model {
        static final VarHandle COUNT;
        static final VarHandle SLEEPING;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                COUNT = lookup.findVarHandle(Model.class, "count", long.class);
                SLEEPING = lookup.findVarHandle(Model.class, "sleeping", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long count;
        volatile int sleeping;

        /** The writer: take a place, then wake a sleeping drainer. Returns 1 if it unparked. */
        int write() {
            COUNT.getAndAdd(this, 1L);
            return wakeIfSleeping();
        }

        final int wakeIfSleeping() {
            return sleeping == 1 && SLEEPING.compareAndSet(this, 1, 0) ? 1 : 0;
        }

        /** The drainer with nothing to do: returns 1 if it decides to park. */
        int idle() {
            SLEEPING.setVolatile(this, 1);
            return count == 0 ? 1 : 0;
        }
    }

    private static final String OK_AWAKE = "The drainer saw the item and stayed awake (the writer may have"
            + " unparked it too: a spare permit, harmless).";
    private static final String OK_WOKEN = "The drainer parked and the writer saw it sleeping and unparked it.";
    private static final String LOST = "Lost wake-up, accepted but stranded: the drainer parked after the item"
            + " was queued and the writer did not see it sleeping.";

    @JCStressTest
    @Description("AsyncBuffer's wake-up handshake (model): a queued item never leaves the drainer parked unwoken.")
    @Outcome(id = "0, [01]", expect = ACCEPTABLE, desc = OK_AWAKE)
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = OK_WOKEN)
    @Outcome(id = "1, 0", expect = FORBIDDEN, desc = LOST)
    @State
    public static class Handshake {
        final Model model = new Model() {};

        @Actor
        public void writer(II_Result r) {
            r.r2 = model.write();
        }

        @Actor
        public void drainer(II_Result r) {
            r.r1 = model.idle();
        }
    }

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: the drainer checks the queue, then sleeps without re-checking.")
    @Outcome(id = "0, [01]", expect = ACCEPTABLE, desc = OK_AWAKE)
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = OK_WOKEN)
    @Outcome(
            id = "1, 0",
            expect = FORBIDDEN,
            desc = LOST + " Here: the drainer read 0, the writer queued and read sleeping = 0, then the"
                    + " drainer set sleeping and parked. EXPECTED here: proves the test can fail.")
    @State
    public static class Planted_ParksWithoutRecheck {
        final Model model = new Model() {
            @Override
            int idle() {
                boolean empty = count == 0;
                SLEEPING.setVolatile(this, 1);
                return empty ? 1 : 0;
            }
        };

        @Actor
        public void writer(II_Result r) {
            r.r2 = model.write();
        }

        @Actor
        public void drainer(II_Result r) {
            r.r1 = model.idle();
        }
    }

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: the writer reads the sleeping flag before taking its place.")
    @Outcome(id = "0, [01]", expect = ACCEPTABLE, desc = OK_AWAKE)
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = OK_WOKEN)
    @Outcome(
            id = "1, 0",
            expect = FORBIDDEN,
            desc = LOST + " Here: the writer read sleeping = 0 first, the drainer set it and saw an empty"
                    + " queue, then the item arrived. EXPECTED here: proves the test can fail.")
    @State
    public static class Planted_WriterChecksFirst {
        final Model model = new Model() {
            @Override
            int write() {
                boolean wasSleeping = sleeping == 1;
                COUNT.getAndAdd(this, 1L);
                return wasSleeping && SLEEPING.compareAndSet(this, 1, 0) ? 1 : 0;
            }
        };

        @Actor
        public void writer(II_Result r) {
            r.r2 = model.write();
        }

        @Actor
        public void drainer(II_Result r) {
            r.r1 = model.idle();
        }
    }

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: the handshake in release/acquire instead of volatile accesses.")
    @Outcome(id = "0, [01]", expect = ACCEPTABLE, desc = OK_AWAKE)
    @Outcome(id = "1, 1", expect = ACCEPTABLE, desc = OK_WOKEN)
    @Outcome(
            id = "1, 0",
            expect = FORBIDDEN,
            desc = LOST + " Here: each side's store sat in its store buffer while its load read the old"
                    + " value of the other's word (store-load reordering). EXPECTED here: proves the test can fail.")
    @State
    public static class Planted_ReleaseAcquire {
        final Model model = new Model() {
            @Override
            int write() {
                COUNT.setRelease(this, (long) COUNT.getAcquire(this) + 1);
                return (int) SLEEPING.getAcquire(this) == 1 && SLEEPING.compareAndSet(this, 1, 0) ? 1 : 0;
            }

            @Override
            int idle() {
                SLEEPING.setRelease(this, 1);
                return (long) COUNT.getAcquire(this) == 0 ? 1 : 0;
            }
        };

        @Actor
        public void writer(II_Result r) {
            r.r2 = model.write();
        }

        @Actor
        public void drainer(II_Result r) {
            r.r1 = model.idle();
        }
    }
}
