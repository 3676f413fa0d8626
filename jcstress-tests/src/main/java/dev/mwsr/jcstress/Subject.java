package dev.mwsr.jcstress;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import dev.mwsr.ByteBatchBuffer;
import dev.mwsr.FlushFailedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One buffer under test, as the shared properties see it: the four calls they race, and what the
 * test flusher recorded. The properties are written once, in abstract harness classes that hold a
 * subject; each buffer gets a one-screen subclass that picks its subject (capacity, set-up).
 *
 * <p>jcstress' annotation processor (0.16) takes {@code @Actor} and {@code @Arbiter} only from the
 * methods a test class declares itself ({@code ElementFilter.methodsIn(e.getEnclosedElements())}
 * in {@code JCStressTestProcessor}): an inherited actor is not seen, and the test fails to build
 * with "defines no @Result". So each subclass declares its actors again, one line each calling the
 * harness. {@code @Outcome} and {@code @Description} are {@code @Inherited}: a harness's outcomes
 * apply to a subclass that declares none; a subclass that declares two or more of its own hides
 * the inherited ones, so it names the harness in {@code @JCStressMeta} to get them back (first the
 * harness's, then its own; an exact id wins over a pattern wherever it is listed).
 *
 * <p>The adapter adds no synchronization: each call is the buffer's own.
 */
abstract class Subject<T> {
    abstract void write(T item);

    /** {@code writeV} of an array (the varargs path). */
    abstract void writeV(T first, T second);

    /** {@code writeV} of a {@code List} (the list path). */
    abstract void writeV(List<T> items);

    abstract void flush();

    abstract void close();

    /** How many times the flusher received {@code item}. */
    abstract int count(T item);

    /** The flusher calls in order, {@code "[a1 a2] [b1]"}. */
    abstract String batches();

    /** The items in delivery order, {@code "a1 b1 a2 b2"}. */
    abstract String sequence();

    /** Every item the flusher received, in order. */
    abstract List<T> delivered();

    /** The items of {@link FlushFailedException#undelivered()}, in order. */
    abstract List<T> undelivered(FlushFailedException failure);

    static <T> Subject<T> buffer(int capacity) {
        return buffer(capacity, new Recorder<>());
    }

    static <T> Subject<T> buffer(int capacity, Recorder<T> out) {
        Buffer<T> buffer = new Buffer<>(capacity, out);
        return new Items<>(out, buffer::write, buffer::writeV, buffer::writeV, buffer::flush, buffer::close);
    }

    static <T> Subject<T> async(int capacity) {
        return async(new Recorder<T>(), out -> new AsyncBuffer<>(capacity, out));
    }

    /** An {@code AsyncBuffer} that {@code build} makes around the recorder (builder set-ups). */
    static <T> Subject<T> async(Recorder<T> out, Function<Recorder<T>, AsyncBuffer<T>> build) {
        AsyncBuffer<T> buffer = build.apply(out);
        return new Items<>(out, buffer::write, buffer::writeV, buffer::writeV, buffer::flush, buffer::close);
    }

    /** A {@code ByteBatchBuffer} of heap regions; items are the ASCII bytes of {@code records}. */
    static Subject<String> bytes(int capacity, ByteRecorder out) {
        ByteBatchBuffer buffer = new ByteBatchBuffer(capacity, false, out);
        return new Subject<>() {
            @Override
            void write(String item) {
                buffer.write(ascii(item));
            }

            @Override
            void writeV(String first, String second) {
                buffer.writeV(ByteBuffer.wrap(ascii(first)), ByteBuffer.wrap(ascii(second)));
            }

            @Override
            void writeV(List<String> items) {
                buffer.writeV(items.stream().map(s -> ByteBuffer.wrap(ascii(s))).toArray(ByteBuffer[]::new));
            }

            @Override
            void flush() {
                buffer.flush();
            }

            @Override
            void close() {
                buffer.close();
            }

            @Override
            int count(String item) {
                return out.count(item);
            }

            @Override
            String batches() {
                return out.batches();
            }

            @Override
            String sequence() {
                return out.sequence();
            }

            @Override
            List<String> delivered() {
                return out.delivered();
            }

            @Override
            List<String> undelivered(FlushFailedException failure) {
                List<String> records = new ArrayList<>();
                for (Object chunk : failure.undelivered()) {
                    records.addAll(out.records(((ByteBuffer) chunk).duplicate()));
                }
                return records;
            }
        };
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The array for a varargs call: {@code Buffer.writeV(T...)} only reads it, as {@code Object[]}. */
    @SuppressWarnings("unchecked")
    private static <T> T[] pair(T first, T second) {
        return (T[]) new Object[] {first, second};
    }

    /**
     * An object buffer (or a model of one) as a subject: its calls, and what its {@link Recorder}
     * saw. The calls are handles, so Buffer, AsyncBuffer and the planted models share one class.
     */
    static final class Items<T> extends Subject<T> {
        private final Recorder<T> out;
        private final Consumer<T> write;
        private final Consumer<T[]> writeArray;
        private final Consumer<List<T>> writeList;
        private final Runnable flush;
        private final Runnable close;

        Items(
                Recorder<T> out,
                Consumer<T> write,
                Consumer<T[]> writeArray,
                Consumer<List<T>> writeList,
                Runnable flush,
                Runnable close) {
            this.out = out;
            this.write = write;
            this.writeArray = writeArray;
            this.writeList = writeList;
            this.flush = flush;
            this.close = close;
        }

        @Override
        void write(T item) {
            write.accept(item);
        }

        @Override
        void writeV(T first, T second) {
            writeArray.accept(pair(first, second));
        }

        @Override
        void writeV(List<T> items) {
            writeList.accept(items);
        }

        @Override
        void flush() {
            flush.run();
        }

        @Override
        void close() {
            close.run();
        }

        @Override
        int count(T item) {
            return out.count(item);
        }

        @Override
        String batches() {
            return out.batches();
        }

        @Override
        String sequence() {
            return out.sequence();
        }

        @Override
        List<T> delivered() {
            return out.delivered();
        }

        @Override
        @SuppressWarnings("unchecked") // the buffer's undelivered items are the T written to it
        List<T> undelivered(FlushFailedException failure) {
            return (List<T>) failure.undelivered();
        }
    }
}
