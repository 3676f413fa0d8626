package dev.mwsr;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A byte buffer for many writers that flushes inline: writers copy their bytes into disjoint
 * ranges of one shared region in parallel, and the writer that finds the region full hands it to
 * the flusher on its own thread (one {@code ByteBuffer}, for example one channel write), while
 * other writers keep writing into the spare region. The byte counterpart of {@link Buffer}: a
 * {@code BatchBuffer<byte[]>} whose item is one array written atomically and whose unit is the
 * byte (capacity and metrics count bytes). The contract is {@link BatchBuffer}'s and the
 * {@linkplain dev.mwsr package documentation}'s, with bytes for items; this page adds what is
 * this class's own, such as writes of {@code ByteBuffer}s.
 *
 * <pre>{@code
 * try (ByteChannelFlusher file = ByteChannelFlusher.toFile(path);    // mwsr-io
 *      ByteBatchBuffer out = new ByteBatchBuffer(1 << 16, file)) {
 *     out.write(record);                                     // from any number of threads
 *     out.writeV(header, body);                              // stays together
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> As {@link Buffer}'s, with regions for halves and bytes for items; a write
 * larger than {@link #capacity()} arrives as one call of exactly its bytes, after everything
 * accepted before it.
 *
 * <p><b>Order and atomicity.</b> Each write call is atomic: its bytes arrive contiguous, in one
 * flusher call, with no other writer's bytes inside them; {@link #writeV} makes a group of
 * buffers one such write. The sources must not change during the call.
 *
 * <p><b>The flusher</b> receives a read-only {@link ByteBuffer} of exactly the batch (position 0,
 * limit its size; direct if the buffer is direct), valid only during the call (an oversized
 * write's view is the writer's own array or buffer). The flusher may move the view's position (a
 * channel write does). A write from inside the flusher is accepted only when it needs no wait, as
 * in {@link Buffer}; a write larger than the capacity from inside the flusher always throws
 * {@link IllegalStateException} and writes nothing.
 *
 * <p><b>Failures.</b> Fail-fast only. {@link FlushFailedException#undelivered()} holds read-only
 * heap {@code ByteBuffer}s whose concatenation, in list order, is every byte accepted but not
 * delivered, the failed batch first and in full (however far the flusher got), except for the
 * first {@code durable()} bytes a {@link PartialFlushException} reports (counted as written). The
 * exceptions of this class are unchecked, also through {@link #asOutputStream()} and the channel
 * methods, so a {@code PrintStream} on top does not turn a failure into a silent
 * {@code checkError()}.
 *
 * <p><b>Channel.</b> This class is a {@link WritableByteChannel}, so {@code Channels.newWriter},
 * {@code Channels.newOutputStream} and friends sit on top, with two differences from a file
 * channel: any number of writes may run at once (each atomic, none partial), and a write after
 * {@code close()} throws {@link IllegalStateException}, not {@code ClosedChannelException}.
 *
 * <p><b>Metrics</b> count <em>bytes</em> (not writes): {@code enqueued}, {@code written} and
 * {@code pending} are bytes, {@code batches} and {@code failures} are flusher calls, and
 * {@code dropped} is always 0; {@code lagNanos} is dated by the cuts, as {@link Buffer}'s. The JFR
 * {@code dev.mwsr.Flush} event's batch size is in bytes too.
 *
 * <p><b>Memory.</b> Two regions of {@code capacity} bytes each, direct by default (a channel
 * writes them without a copy) or on the heap. Steady-state writes allocate nothing. Direct memory
 * is returned by the garbage collector once the buffer is unreachable; {@code close()} does not
 * free it.
 */
public final class ByteBatchBuffer implements BatchBuffer<byte[]>, WritableByteChannel {
    /*
     * InlineEngine's algorithm with bytes for slots; a half is a ByteHalf. A source ByteBuffer's
     * position moves once its bytes are accepted. An oversized write is a ByteHalf over a view of
     * the caller's bytes (a heap copy for a group, which must be contiguous). A failed buffer parks
     * heap copies of the region; each exception gets its own read-only views of them.
     */

    private final int capacity;
    private final InlineEngine<ByteHalf, ByteBuffer> engine;
    private final OutputStream stream = new Stream();

    /**
     * Creates a buffer of two direct regions of {@code capacity} bytes each.
     *
     * @param capacity the most bytes per flusher call (apart from an oversized write), and the
     *     size of each region; at least 1
     * @param flusher receives each batch; called by one thread at a time
     * @throws IllegalArgumentException if {@code capacity < 1} or too large for a buffer
     * @throws NullPointerException if {@code flusher} is null
     */
    public ByteBatchBuffer(int capacity, Consumer<? super ByteBuffer> flusher) {
        this(capacity, true, flusher);
    }

    /**
     * Creates a buffer of two regions of {@code capacity} bytes each, direct or on the heap.
     *
     * @param capacity the most bytes per flusher call (apart from an oversized write), and the
     *     size of each region; at least 1
     * @param direct true for direct regions (best when the flusher writes to a channel), false for
     *     heap arrays (best when the flusher copies into Java objects)
     * @param flusher receives each batch; called by one thread at a time
     * @throws IllegalArgumentException if {@code capacity < 1} or too large for a buffer
     * @throws NullPointerException if {@code flusher} is null
     */
    public ByteBatchBuffer(int capacity, boolean direct, Consumer<? super ByteBuffer> flusher) {
        this.capacity = checked(capacity);
        this.engine = new InlineEngine<>(
                capacity,
                Objects.requireNonNull(flusher, "flusher"),
                new Regions(),
                new ByteHalf(capacity, direct),
                new ByteHalf(capacity, direct));
    }

    /**
     * {@inheritDoc} All of {@code src}, atomically; it must not change during the call. Returns
     * once the bytes are in the buffer, or after flushing inline if this writer found the buffer
     * full. An array larger than {@link #capacity()} goes to the flusher as its own call (a
     * read-only view of the array, no copy) after everything accepted before it.
     */
    @Override
    public void write(byte[] src) {
        Objects.requireNonNull(src, "src");
        writeBytes(src, 0, src.length);
    }

    /**
     * Writes {@code len} bytes of {@code src} from {@code off} atomically; otherwise as, and
     * throwing as, {@link #write(byte[])}.
     *
     * @param src the array, not null
     * @param off the first byte to write
     * @param len the number of bytes to write
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code src};
     *     nothing is written
     */
    public void write(byte[] src, int off, int len) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(off, len, src.length);
        writeBytes(src, off, len);
    }

    /**
     * Writes the bytes from {@code src}'s position to its limit atomically and, once they are
     * accepted, advances its position to its limit, as a channel write does. Never writes part of
     * them: the return value is always the remaining count. If this call throws, the position has
     * moved only if the bytes were accepted (then they are delivered or among
     * {@link FlushFailedException#undelivered()}). Throws as {@link #write(byte[])}.
     *
     * @param src the bytes, not null; its content, position and limit not changed by others
     *     during the call
     * @return the number of bytes written, {@code src.remaining()} on entry
     */
    @Override
    public int write(ByteBuffer src) {
        int n = Objects.requireNonNull(src, "src").remaining();
        writeBytes(src, 0, n);
        return n;
    }

    /**
     * Writes a group of buffers as one atomic write: the remaining bytes of each, in order,
     * arrive contiguous in one flusher call with no other writer's bytes between them (a header
     * and its body stay together). A group larger than {@link #capacity()} is copied into one heap
     * buffer and delivered as its own flusher call after everything accepted before it. Once the
     * bytes are accepted, every position is advanced to its limit. An empty group writes nothing
     * (but still throws if the buffer is closed or failed). Otherwise throws as
     * {@link #writeV(List)}.
     *
     * @param srcs the buffers, none null; not changed during the call
     * @throws IllegalArgumentException if the group holds more than {@code Integer.MAX_VALUE - 8}
     *     bytes; nothing is written
     */
    public void writeV(ByteBuffer... srcs) {
        writeBytes(srcs, 0, ByteSources.remaining(srcs));
    }

    /**
     * {@inheritDoc} The arrays' bytes, in order, as one atomic write, as {@link #writeV(ByteBuffer...)}.
     */
    @Override
    public void writeV(List<? extends byte[]> items) {
        Objects.requireNonNull(items, "items");
        ByteBuffer[] srcs = new ByteBuffer[items.size()];
        for (int i = 0; i < srcs.length; i++) {
            srcs[i] = ByteBuffer.wrap(Objects.requireNonNull(items.get(i), "writeV: null array; nothing was written"));
        }
        writeV(srcs);
    }

    /** One byte, for the OutputStream face: no array, no allocation. */
    private void writeByte(int b) {
        writeBytes(Byte.valueOf((byte) b), 0, 1);
    }

    private void writeBytes(Object src, int off, int n) {
        if (n > capacity) {
            engine.putAlone(new ByteHalf(ByteSources.oversized(src, off, n)), src, n, "write");
        } else {
            engine.put(src, off, n);
        }
    }

    /** {@inheritDoc} If another thread's flush is in progress, waits for it too. */
    @Override
    public void flush() {
        engine.flush();
    }

    /** {@inheritDoc} Does not close the flusher. */
    @Override
    public void close() {
        engine.close();
    }

    /**
     * {@inheritDoc} As {@link Buffer#close(Duration)}: the final flush this call runs itself is not
     * bounded. The units are bytes, each list holding one read-only heap {@code ByteBuffer}.
     */
    @Override
    public long close(Duration timeout) {
        return engine.close(timeout);
    }

    /**
     * Whether writes are still accepted: true until {@link #close()} is called or the buffer
     * failed. A volatile read; another thread may close the buffer right after it.
     *
     * @return true if neither closed nor failed
     */
    @Override
    public boolean isOpen() {
        return engine.accepting();
    }

    /**
     * An {@link OutputStream} over this buffer, for encoders and {@code PrintStream}s: its
     * {@code write(byte[], int, int)} is {@link #write(byte[], int, int)} (one atomic write per
     * call), {@code write(int)} writes one byte (atomic too, and correct, but one lock round per
     * byte: slow, so wrap it in a {@code BufferedOutputStream} per thread for byte-wise
     * encoders), {@code flush()} is {@link #flush()} and {@code close()} is {@link #close()}. It
     * may be shared by any number of threads and throws this buffer's unchecked exceptions.
     *
     * @return the stream; the same instance on every call
     */
    public OutputStream asOutputStream() {
        return stream;
    }

    /** {@inheritDoc} The size of each region, in bytes: the most in one call (but an oversized write). */
    @Override
    public int capacity() {
        return capacity;
    }

    /** {@inheritDoc} In bytes (see the class comment); {@code enqueued} is {@code written + pending}. */
    @Override
    public Metrics metrics() {
        return engine.metrics();
    }

    @Override
    public String toString() {
        return "ByteBatchBuffer[capacity=" + capacity + ", " + metrics() + "]";
    }

    private static int checked(int capacity) {
        if (capacity < 1 || capacity > ByteSources.MAX_GROUP) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and " + ByteSources.MAX_GROUP + " bytes, was " + capacity);
        }
        return capacity;
    }

    private static final class Regions implements Halves<ByteHalf, ByteBuffer> {
        @Override
        public void store(ByteHalf half, int at, Object src, int off, int n) {
            ByteSources.copy(src, off, n, half.region, at);
        }

        @Override
        public void accepted(Object src, int n) {
            ByteSources.consumed(src, n);
        }

        @Override
        public ByteBuffer open(ByteHalf half, int size) {
            return half.open(size);
        }

        @Override
        public Object held(ByteHalf half, int size) {
            return half.region;
        }

        @Override
        public void park(List<Object> into, ByteHalf half, int from, int n) {
            into.add(ByteSources.copyOf(half.region, from, n));
        }

        @Override
        public void recycle(ByteHalf half, int size) {}

        @Override
        public List<Object> reported(List<Object> parked) {
            List<Object> views = new ArrayList<>(parked.size());
            for (Object bytes : parked) {
                views.add(((ByteBuffer) bytes).asReadOnlyBuffer());
            }
            return views;
        }

        @Override
        public String unitsHeld() {
            return " bytes it accepted but did not deliver, as ByteBuffers in order";
        }
    }

    /** Stateless, so as thread-safe as the buffer. */
    private final class Stream extends OutputStream {
        @Override
        public void write(int b) {
            writeByte(b);
        }

        @Override
        public void write(byte[] b) {
            ByteBatchBuffer.this.write(Objects.requireNonNull(b, "b"));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ByteBatchBuffer.this.write(b, off, len);
        }

        @Override
        public void flush() {
            ByteBatchBuffer.this.flush();
        }

        @Override
        public void close() {
            ByteBatchBuffer.this.close();
        }

        @Override
        public String toString() {
            return "OutputStream of " + ByteBatchBuffer.this;
        }
    }
}
