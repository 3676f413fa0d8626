package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The wake-up handshake between an {@link AsyncBuffer}'s writers and its idle drainer: one unpark
 * per sleep, none per write. Modelled, with its planted bugs, by jcstress {@code AdmissionModel}.
 */
final class Sleeper {
    /*
     * An idle drainer announces (`sleeping` = 1, a volatile write), re-checks for work, and parks.
     * A writer whose reservation makes count reach the drainer's `wakeAt` (1 in TRIGGER; maxBatch
     * in LOOP with earlyFlush; never otherwise) reads `sleeping` after its CAS and, only if it is
     * 1, CASes it to 0 and unparks. No lost wake-up: the writer's CAS on the count precedes its
     * read of `sleeping`, the drainer's write of `sleeping` precedes its read of the count, so at
     * least one of them sees the other (Room's `word`, not JCTools' internal orderings). The park is
     * bounded anyway (Drainer.IDLE_PARK_NANOS).
     */

    private static final VarHandle SLEEPING;
    private static final VarHandle WAKE_UPS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SLEEPING = lookup.findVarHandle(Sleeper.class, "sleeping", int.class);
            WAKE_UPS = lookup.findVarHandle(Sleeper.class, "wakeUps", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Writers whose reservation brings the count to this wake a sleeping drainer. */
    private final long wakeAt;

    /** Set once, before the drainer starts (published by Thread.start). */
    private Thread drainer;

    /** 1 while the drainer is (about to be) parked; a waker CASes it to 0 and unparks. */
    private volatile int sleeping;

    private volatile long wakeUps;

    Sleeper(long wakeAt) {
        this.wakeAt = wakeAt;
    }

    void drainer(Thread t) {
        this.drainer = t;
    }

    Thread drainer() {
        return drainer;
    }

    /** Drainer: from now on writers past wakeAt unpark it; re-check for work before {@link #park}. */
    void announce() {
        SLEEPING.setVolatile(this, 1);
    }

    void park(long nanos) {
        LockSupport.parkNanos(this, nanos);
    }

    void awake() {
        sleeping = 0;
    }

    /** A writer whose reservation brought the count to {@code countAfter}: wakes the drainer if due. */
    void wrote(long countAfter) {
        if (countAfter >= wakeAt) {
            wake();
        }
    }

    /** Writers and flush(): unparks the drainer only if it announced a sleep nobody ended yet. */
    void wake() {
        if (sleeping == 1 && SLEEPING.compareAndSet(this, 1, 0)) {
            WAKE_UPS.getAndAdd(this, 1L);
            LockSupport.unpark(drainer);
        }
    }

    /** How many times {@link #wake()} unparked the drainer (tests: no unpark per write). */
    long wakeUps() {
        return wakeUps;
    }
}
