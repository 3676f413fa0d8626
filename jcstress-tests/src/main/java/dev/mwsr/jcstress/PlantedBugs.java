package dev.mwsr.jcstress;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.L_Result;

/**
 * Proof that the suite can fail: a tiny model of {@code Buffer}'s claim with a bug planted in it,
 * run by the very harness of the real buffers' exactly-once property,
 * {@link ExactlyOnceTests.TwoWriters}, at capacity 2 as {@link ExactlyOnceTests.Buffer_Capacity2}
 * (a model next to the real class, as Caffeine's RingBufferPublication does). Two bugs, each the reason for
 * one piece of the real design: {@link RacyClaim} claims with a plain read and write of the
 * position instead of one atomic add; {@link UnlockedCopy} claims atomically but without the read
 * lock that keeps a cut from overtaking a claimed copy.
 *
 * <p>{@link CiRun} treats every test in this class the other way round: a FORBIDDEN outcome here
 * is the expected result, and its absence fails the build (the suite would have lost its teeth).
 */
public final class PlantedBugs {
    private PlantedBugs() {}

    /**
     * A single-array model of the buffer: claim a slot, store the item; a writer that finds the
     * array full flushes it under the monitor and starts the next batch with its own item.
     */
    abstract static class Model<T> {
        final Object[] slots;
        final Consumer<? super List<T>> flusher;

        Model(int capacity, Consumer<? super List<T>> flusher) {
            this.slots = new Object[capacity];
            this.flusher = flusher;
        }

        /** Claims one slot; returns its index, or a value at or past capacity if full. */
        abstract int claim();

        /** Resets the position to {@code p}; called under the monitor only. */
        abstract void reset(int p);

        /** The valid slots; called under the monitor only. */
        abstract int filled();

        void write(T item) {
            int p = claim();
            if (p < slots.length) {
                slots[p] = item;
                return;
            }
            synchronized (this) {
                flushLocked();
                slots[0] = item;
                reset(1);
            }
        }

        synchronized void close() {
            flushLocked();
            reset(0);
        }

        @SuppressWarnings("unchecked")
        private void flushLocked() {
            int n = filled();
            if (n > 0) {
                flusher.accept((List<T>) Arrays.asList(Arrays.copyOf(slots, n)));
                Arrays.fill(slots, null);
            }
        }
    }

    /**
     * Planted bug 2: the claim is atomic, but there is no read lock around claim-and-store, so a
     * writer that flushes can cut the array between another writer's claim and its store.
     */
    static final class UnlockedCopy<T> extends Model<T> {
        private final AtomicInteger position = new AtomicInteger();

        UnlockedCopy(int capacity, Consumer<? super List<T>> flusher) {
            super(capacity, flusher);
        }

        @Override
        int claim() {
            return position.getAndIncrement();
        }

        @Override
        void reset(int p) {
            position.set(p);
        }

        @Override
        int filled() {
            return Math.min(position.get(), slots.length);
        }
    }

    /** Planted bug 1: the claim reads and writes a plain position, so two writers can claim one slot. */
    static final class RacyClaim<T> extends Model<T> {
        private int position;

        RacyClaim(int capacity, Consumer<? super List<T>> flusher) {
            super(capacity, flusher);
        }

        @Override
        int claim() {
            int p = position;
            position = p + 1;
            return p;
        }

        @Override
        void reset(int p) {
            position = p;
        }

        @Override
        int filled() {
            return Math.min(position, slots.length);
        }
    }

    /** The model as a {@link Subject}: {@code write} and {@code close} only. */
    static Subject<String> subject(Model<String> model, Recorder<String> out) {
        return new Subject.Items<>(
                out,
                model::write,
                group -> notModelled(),
                group -> notModelled(),
                PlantedBugs::notModelled,
                model::close);
    }

    private static void notModelled() {
        throw new UnsupportedOperationException("not modelled");
    }

    // The planted tests: the exactly-once property, capacity 2, on each model (see Subject).

    @JCStressTest
    @Description("PLANTED BUG, expected to be caught: a non-atomic claim, under the exactly-once property.")
    @State
    public static class ExactlyOnce_RacyClaim extends ExactlyOnceTests.TwoWriters {
        public ExactlyOnce_RacyClaim() {
            this(new Recorder<>());
        }

        private ExactlyOnce_RacyClaim(Recorder<String> out) {
            super(subject(new RacyClaim<>(2, out), out));
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
    @Description(
            "PLANTED BUG, expected to be caught: a claim and copy without the read lock, under the exactly-once property.")
    @State
    public static class ExactlyOnce_UnlockedCopy extends ExactlyOnceTests.TwoWriters {
        public ExactlyOnce_UnlockedCopy() {
            this(new Recorder<>());
        }

        private ExactlyOnce_UnlockedCopy(Recorder<String> out) {
            super(subject(new UnlockedCopy<>(2, out), out));
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
