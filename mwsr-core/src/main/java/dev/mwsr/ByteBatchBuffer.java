package dev.mwsr;

import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;

/**
 * A byte buffer for many writers that flushes inline: writers copy their bytes into disjoint
 * ranges of one shared region in parallel, and the writer that finds the region full hands it to
 * the flusher on its own thread (one {@code ByteBuffer}, for example one channel write), while
 * other writers keep writing into the spare region. The byte counterpart of {@link Buffer}.
 *
 * <pre>{@code
 * try (ByteChannelFlusher file = ByteChannelFlusher.toFile(path);    // mwsr-io
 *      ByteBatchBuffer out = new ByteBatchBuffer(1 << 16, file)) {
 *     out.write(record);                                     // from any number of threads
 *     out.writeV(header, body);                              // stays together
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Every method may be called from any thread. The flusher is called by one
 * thread at a time (a writer whose claim overflowed, or a caller of {@link #flush()} or
 * {@link #close()}), never concurrently with itself, never with no bytes and never with more than
 * {@link #capacity()} bytes, except for a single write larger than the capacity, which arrives as
 * one call holding exactly its bytes, after everything accepted before it. A writer waits only
 * when both regions are full, that is while the previous batch is still in the flusher and the
 * current region has filled up again.
 *
 * <p><b>Memory model.</b> Actions of a thread before a write happen-before the flusher's call that
 * holds its bytes (so the flusher sees exactly the bytes written); the flusher's return for them
 * happens-before {@code flush()} returns in any thread whose call to {@code flush()} happens-after
 * those writes.
 *
 * <p><b>Order and atomicity.</b> Each write call is atomic: its bytes arrive contiguous, in one
 * flusher call, with no other writer's bytes inside them; {@link #writeV} makes a group of
 * buffers one such write. Bytes written by one thread arrive in the order written, and flusher
 * calls follow the order in which batches were cut. The sources must not change during the call.
 *
 * <p><b>The flusher</b> receives a read-only {@link ByteBuffer} of exactly the batch (position 0,
 * limit its size; direct if the buffer is direct), valid only during the call: its memory is
 * reused for later batches (an oversized write's view is the writer's own array or buffer), so a
 * flusher that keeps bytes copies them. The flusher may move the view's position (a channel write
 * does). It must not call {@link #flush()} or {@link #close()} on its own buffer: these throw
 * {@link IllegalStateException} rather than wait for themselves. A write from inside the flusher
 * is accepted only when it needs no wait: it fits in the region being filled and no other thread
 * holds that region for a cut at that moment (a writer that found both regions full, or a
 * {@code flush()}/{@code close()} on another thread, holds it while it waits for this very flusher
 * call). Otherwise, and for a write larger than the capacity, it throws
 * {@link IllegalStateException} and writes nothing, rather than wait for itself.
 *
 * <p><b>Failures.</b> If the flusher throws, the buffer fails fast: the call that ran the flush
 * throws {@link FlushFailedException} (its cause is the flusher's exception), and so does every
 * later write, {@code flush} and {@code close}. Nothing accepted is lost silently:
 * {@link FlushFailedException#undelivered()} holds read-only heap {@code ByteBuffer}s whose
 * concatenation, in list order, is every byte accepted but not delivered, the failed batch first
 * and in full (however far the flusher got), except for the first {@code durable()} bytes a
 * {@link PartialFlushException} reports (counted as written). A {@link VirtualMachineError} from
 * the flusher is rethrown as itself to the call that ran the flush, the buffer failed all the same
 * (as {@link Buffer} does). The exceptions of this class are unchecked, also
 * through {@link #asOutputStream()} and the channel methods, so a {@code PrintStream} on top does
 * not turn a failure into a silent {@code checkError()}.
 *
 * <p><b>Interrupts.</b> A writer interrupted while it waits for room throws
 * {@link CancellationException} with the {@link InterruptedException} as cause, its interrupt
 * flag set again, and none of its bytes written; only a real wait is interrupted. {@code flush()}
 * and {@code close()} wait without regard to interrupts. The flusher is never called with the
 * calling thread's interrupt flag set (cleared around the call, set again after it), so an
 * interrupted thread's flush reaches a file channel as usual and still has its flag afterwards.
 *
 * <p><b>Channel.</b> This class is a {@link WritableByteChannel}, so {@code Channels.newWriter},
 * {@code Channels.newOutputStream} and friends sit on top, with two differences from a file
 * channel: any number of writes may run at once (each atomic, none partial), and a write after
 * {@code close()} throws {@link IllegalStateException}, not {@code ClosedChannelException}.
 *
 * <p><b>Metrics</b> count <em>bytes</em> (not writes): {@code enqueued}, {@code written} and
 * {@code pending} are bytes, {@code batches} and {@code failures} are flusher calls, and
 * {@code dropped} is always 0. They are estimates for monitoring, read without locks, exact when
 * the buffer is quiescent. The JFR {@code dev.mwsr.Flush} event's batch size is in bytes too.
 *
 * <p><b>Memory.</b> Two regions of {@code capacity} bytes each, direct by default (a channel
 * writes them without a copy) or on the heap. Steady-state writes allocate nothing. Direct memory
 * is returned by the garbage collector once the buffer is unreachable; {@code close()} does not
 * free it.
 */
public final class ByteBatchBuffer implements WritableByteChannel {
    /*
     * Implementation notes.
     *
     * This is Buffer's algorithm with bytes for slots; read Buffer's notes first. Two regions
     * ("halves", ByteHalf): `current` is written by writers; the other one, held by `delivery`
     * (ByteDelivery: flushLock, the spare, the flusher calls, the failure), is idle or being
     * flushed.
     *
     * Fast path, under the StampedLock read lock: read `state`, claim n bytes with one getAndAdd
     * on `position`, and if [start, start+n) fits below `capacity`, copy with an absolute bulk put
     * (ByteSources.copy). Absolute puts change no field of the region, so any number of writers
     * copy into it at once. The write-lock holder who cuts waits for every read lock, so every
     * claimed range is filled, and the unlockRead -> writeLock edge publishes the bytes to the
     * flushing thread. No per-range flag, no spin.
     *
     * A claim that does not fit stores nothing; `position` grows past `capacity`, and the one
     * claim with start <= capacity < start+n records its start in `limit` (opaque, before its
     * unlockRead) as the number of valid bytes. filled() reads it under the write lock.
     *
     * Slow path, no lock held: take the write lock. If the bytes now fit behind the valid ones
     * (another writer cut meanwhile), copy them and repair `position`. If not, take flushLock too
     * (waiting here is the "both halves full" case), swap the halves, copy the writer's bytes to
     * the start of the new half (any write of up to `capacity` bytes makes progress), release the
     * write lock and run the flusher on the old half holding only flushLock, while other writers
     * fill the new half. A write of more than `capacity` bytes cuts what is there the same way and
     * then, still under the same flushLock hold, hands its own bytes to the flusher as one call
     * (a view of the caller's bytes; a heap copy for a group, which must be contiguous).
     *
     * Lock order is always write lock -> flushLock; the flushing thread holds flushLock alone, so
     * it never waits for the swapper that waits for it. Every cut and every flusher call happen
     * under flushLock, hence one call at a time and in cut order, and flush() acquiring flushLock
     * after the call released it gives the happens-before from the flusher's return.
     *
     * `state` (CLOSED | FAILED) is read by writers under the read lock, so an accepted write is in
     * a half that the next write-lock holder sees. FAILED is set under flushLock, before the
     * failing delivery releases it, so a flush() that waited for it sees it. CLOSED is set by
     * close() *before* it takes the write lock, as in Buffer: a writer that read OPEN under a read
     * lock finishes its copy before close() gets the write lock, so its bytes are delivered;
     * writers waiting for the read lock, and a cutter waiting for the flush in progress (it reads
     * `state` again once it has flushLock), are refused, as the contract asks of writers blocked
     * by backpressure. On failure, the delivery keeps heap copies of the failed batch (read from
     * the region, not from the view the flusher may have consumed), of every later cut, and of the
     * remains of `current` (failureException() parks them under both locks before building the
     * exception). A source ByteBuffer's position moves when its bytes are accepted, under the
     * lock that accepted them. Counters live in the delivery, under flushLock; writers touch none.
     * close(Duration) gives up exactly as in Buffer (GiveUp: polled waits for flushLock, the held
     * region copied for inDoubt, publication before FAILED); read Buffer's notes.
     */

    private static final int OPEN = 0;
    private static final int CLOSED = 1;
    private static final int FAILED = 2;

    private static final VarHandle POSITION;
    private static final VarHandle LIMIT;
    private static final VarHandle STATE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            POSITION = lookup.findVarHandle(ByteBatchBuffer.class, "position", long.class);
            LIMIT = lookup.findVarHandle(ByteBatchBuffer.class, "limit", int.class);
            STATE = lookup.findVarHandle(ByteBatchBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int capacity;
    private final StampedLock lock = new StampedLock();
    private final ByteDelivery delivery;
    /** delivery.lock, named as in Buffer: taken after the write lock, never before. */
    private final ReentrantLock flushLock;
    /** delivery.giveUp: close(Duration) giving up on a stuck flusher call (see Buffer's notes). */
    private final GiveUp giveUp;

    private final OutputStream stream = new ByteBatchOutputStream(this);

    /** The half writers fill; replaced under the write lock, read under the read lock. */
    private ByteHalf current;

    /** Next free byte of {@code current}; may run past capacity (see notes). */
    private volatile long position;
    /** Valid bytes of {@code current} once position > capacity; written by the first failed claim. */
    private int limit;
    /** OPEN, or CLOSED and/or FAILED; bits only ever set, atomically. */
    private volatile int state;

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
        if (capacity < 1 || capacity > ByteSources.MAX_GROUP) {
            throw new IllegalArgumentException(
                    "capacity must be between 1 and " + ByteSources.MAX_GROUP + " bytes, was " + capacity);
        }
        Objects.requireNonNull(flusher, "flusher");
        this.capacity = capacity;
        this.current = new ByteHalf(capacity, direct);
        this.delivery =
                new ByteDelivery(flusher, new ByteHalf(capacity, direct), () -> STATE.getAndBitwiseOr(this, FAILED));
        this.flushLock = delivery.lock;
        this.giveUp = delivery.giveUp;
    }

    /**
     * Writes all of {@code src} atomically. Returns once the bytes are in the buffer, or after
     * flushing inline if this writer found the buffer full. An array larger than
     * {@link #capacity()} goes to the flusher as its own call (a read-only view of the array, no
     * copy) after everything accepted before it.
     *
     * @param src the bytes, not null; not changed during the call
     * @throws NullPointerException if {@code src} is null
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    public void write(byte[] src) {
        Objects.requireNonNull(src, "src");
        writeBytes(src, 0, src.length);
    }

    /**
     * Writes {@code len} bytes of {@code src} from {@code off} atomically; see {@link #write(byte[])}.
     *
     * @param src the array, not null
     * @param off the first byte to write
     * @param len the number of bytes to write
     * @throws NullPointerException if {@code src} is null; nothing is written
     * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code src};
     *     nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
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
     * {@link FlushFailedException#undelivered()}).
     *
     * @param src the bytes, not null; its content, position and limit not changed by others
     *     during the call
     * @return the number of bytes written, {@code src.remaining()} on entry
     * @throws NullPointerException if {@code src} is null
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
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
     * (but still throws if the buffer is closed or failed).
     *
     * @param srcs the buffers, none null; not changed during the call
     * @throws NullPointerException if the array or any buffer is null; nothing is written
     * @throws IllegalArgumentException if the group holds more than {@code Integer.MAX_VALUE - 8}
     *     bytes; nothing is written
     * @throws IllegalStateException if the buffer is closed
     * @throws FlushFailedException if the buffer failed, or if the inline flush this call ran threw
     * @throws CancellationException if interrupted while waiting for room
     */
    public void writeV(ByteBuffer... srcs) {
        writeBytes(srcs, 0, ByteSources.remaining(srcs));
    }

    /** One byte, for the OutputStream face: no array, no allocation. */
    void writeByte(int b) {
        writeBytes(Byte.valueOf((byte) b), 0, 1);
    }

    private void writeBytes(Object src, int off, int n) {
        if (n > capacity) {
            writeOversized(src, off, n);
            return;
        }
        int s;
        boolean done = false;
        long stamp = Waits.readLock(lock, flushLock);
        try {
            s = state;
            if (s == OPEN && n > 0) {
                long start = (long) POSITION.getAndAdd(this, (long) n);
                if (start + n <= capacity) {
                    ByteSources.copy(src, off, n, current.region, (int) start);
                    done = true;
                } else if (start <= capacity) {
                    LIMIT.setOpaque(this, (int) start);
                }
            }
        } finally {
            lock.unlockRead(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        if (done) {
            ByteSources.consumed(src, n);
        } else if (n > 0) {
            writeSlow(src, off, n);
        }
    }

    /**
     * The slow path of a write whose claim failed: under the write lock, copy behind the valid
     * bytes if there is room now, else cut the current half, copy to the start of the new one,
     * and flush the cut half on this thread.
     */
    private void writeSlow(Object src, int off, int n) {
        Waits.checkNotInsideFlusher(flushLock, "write");
        ByteHalf cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state;
            if (s == OPEN) {
                int filled = filled();
                if (n <= capacity - filled) {
                    ByteSources.copy(src, off, n, current.region, filled);
                    position = filled + n;
                    ByteSources.consumed(src, n);
                    return;
                }
                s = lockFlushThenRecheck();
                if (s == OPEN) {
                    cutSize = filled;
                    cut = cutLocked(cutSize);
                    ByteSources.copy(src, off, n, current.region, 0);
                    position = n;
                    ByteSources.consumed(src, n);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        deliverAndUnlock(cut, cutSize);
    }

    /** A write larger than a half: cut what is there, then hand the write to the flusher alone. */
    private void writeOversized(Object src, int off, int n) {
        Waits.checkNotInsideFlusher(flushLock, "write");
        ByteBuffer bytes = ByteSources.oversized(src, off, n);
        ByteHalf cut = null;
        int cutSize = 0;
        int s;
        long stamp = Waits.writeLock(lock);
        try {
            s = state;
            if (s == OPEN) {
                s = lockFlushThenRecheck();
            }
            if (s == OPEN) {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
                ByteSources.consumed(src, n);
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (s != OPEN) {
            throw stateException(s);
        }
        boolean ok;
        try {
            ok = cut == null || delivery.deliver(cut, cutSize);
            ok = delivery.deliverAlone(bytes, n) && ok; // parks the bytes instead if the cut failed
            markFailedUnless(ok);
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    /**
     * Delivers everything written before this call and returns once the flusher has returned for
     * it. If another thread's flush is in progress, waits for it too. After {@link #close()} there
     * is nothing left to deliver and this returns at once.
     *
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    public void flush() {
        Waits.checkNotInsideFlusher(flushLock, "flush");
        ByteHalf cut = null;
        int cutSize = 0;
        int s;
        boolean locked = false;
        long stamp = lock.writeLock();
        try {
            s = state;
            if ((s & FAILED) == 0) {
                cutSize = filled();
                if (cutSize > 0 && (locked = giveUp.lockFlush(flushLock, false))) {
                    cut = cutLocked(cutSize);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if ((s & FAILED) != 0 || (cutSize > 0 && !locked)) {
            throw failureException();
        }
        // Nothing here; a batch cut earlier may still be in the flusher, and it holds flushLock.
        if (cut == null && !giveUp.lockFlush(flushLock, false)) {
            throw failureException();
        }
        deliverAndUnlock(cut, cutSize);
        if ((state & FAILED) != 0) {
            // The flush in progress when we arrived failed: we observed it, so we report it.
            throw failureException();
        }
    }

    /**
     * Refuses new writes, delivers everything accepted, then returns. Idempotent: a second call
     * waits for the first one's delivery and returns (or throws the same failure). Writes that
     * start after this call, and writers waiting for room when it starts, throw
     * {@link IllegalStateException} and are never delivered. Does not close the flusher.
     *
     * @throws FlushFailedException if the buffer failed, now or before (on every call)
     * @throws IllegalStateException if called from inside this buffer's flusher
     */
    @Override
    public void close() {
        Waits.checkNotInsideFlusher(flushLock, "close");
        ByteHalf cut = null;
        int cutSize = 0;
        STATE.getAndBitwiseOr(this, CLOSED); // before the write lock: refuses the writers waiting for room
        boolean locked;
        long stamp = lock.writeLock();
        try {
            locked = giveUp.lockFlush(flushLock, false);
            if (locked) {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
            }
        } finally {
            lock.unlockWrite(stamp);
        }
        if (!locked) {
            throw failureException(); // close(Duration) gave up meanwhile
        }
        deliverAndUnlock(cut, cutSize);
        if ((state & FAILED) != 0) {
            throw failureException();
        }
    }

    /**
     * As {@link #close()}, but gives up on a flusher call that does not return within
     * {@code timeout}, as {@link Buffer#close(java.time.Duration)} does (read it for the details):
     * the call is never interrupted, no call starts any more, threads waiting for it stop waiting,
     * and the buffer fails; every later call throws a {@link FlushFailedException} whose
     * {@link FlushFailedException#undelivered()} holds the accepted bytes never handed to the
     * flusher and whose {@link FlushFailedException#inDoubt()} holds the bytes of the call still
     * running (each as one read-only heap {@code ByteBuffer}).
     *
     * @param timeout how long to wait for a flush in progress
     * @return 0 if everything accepted was delivered; otherwise the number of bytes given up on,
     *     undelivered and in doubt together
     * @throws FlushFailedException if the buffer failed, now or before
     * @throws IllegalStateException if called from inside this buffer's flusher
     * @throws NullPointerException if {@code timeout} is null
     */
    public long close(java.time.Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        Waits.checkNotInsideFlusher(flushLock, "close");
        if (giveUp.started()) {
            throw giveUp.exception();
        }
        STATE.getAndBitwiseOr(this, CLOSED);
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long stamp = GiveUp.writeLockUntil(lock, deadline);
        if (stamp != 0L && GiveUp.lockUntil(flushLock, deadline)) {
            ByteHalf cut = null;
            int cutSize;
            try {
                cutSize = filled();
                if (cutSize > 0) {
                    cut = cutLocked(cutSize);
                }
            } finally {
                lock.unlockWrite(stamp);
            }
            deliverAndUnlock(cut, cutSize);
            if ((state & FAILED) != 0) {
                throw failureException();
            }
            return 0L;
        }
        giveUp.start(); // waiters for the stuck flush let go of the write lock; then collect under it
        if (stamp == 0L) {
            stamp = lock.writeLock();
        }
        try {
            int filled = filled();
            List<Object> lost = filled == 0
                    ? List.of()
                    : List.of(ByteSources.copyOf(current.region, 0, filled).asReadOnlyBuffer());
            position = 0;
            int doubtBytes = giveUp.heldSize();
            List<Object> doubt = giveUp.heldCopy();
            giveUp.publish(
                    new java.util.concurrent.TimeoutException(
                            "close(" + timeout + ") gave up: a flusher call did not return in time"),
                    lost,
                    doubt);
            delivery.gaveUp(filled);
            STATE.getAndBitwiseOr(this, FAILED);
            return (long) filled + doubtBytes;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Whether writes are still accepted: true until {@link #close()} is called or the buffer
     * failed. A volatile read; another thread may close the buffer right after it.
     *
     * @return true if neither closed nor failed
     */
    @Override
    public boolean isOpen() {
        return state == OPEN;
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

    /**
     * The size of each region: the most bytes in one flusher call (apart from an oversized write).
     *
     * @return the capacity given to the constructor
     */
    public int capacity() {
        return capacity;
    }

    /**
     * A snapshot of the counters in bytes (see the class comment): estimates while writers run,
     * exact when quiescent. {@code enqueued} is derived ({@code written + pending}), so writers pay
     * for no counter.
     *
     * @return the metrics
     */
    public Metrics metrics() {
        long done = delivery.stats().written();
        long batchCount = delivery.stats().batches();
        long failed = delivery.stats().failures();
        long pending = delivery.pending() + filled();
        return new Metrics(done + pending, done, 0L, pending, batchCount, failed);
    }

    @Override
    public String toString() {
        return "ByteBatchBuffer[capacity=" + capacity + ", " + metrics() + "]";
    }

    // ---------------------------------------------------------------------------------------
    // Cutting and delivering.

    /** Valid bytes of {@code current}: exact under the write lock, a racy estimate otherwise. */
    private int filled() {
        long p = position;
        return p <= capacity ? (int) p : (int) LIMIT.getOpaque(this);
    }

    /** Swaps the halves. Caller holds the write lock and flushLock, and owns the result until delivered. */
    private ByteHalf cutLocked(int size) {
        ByteHalf full = current;
        delivery.giveUp.hold(full.region, size);
        current = delivery.takeSpare();
        position = 0;
        return full;
    }

    /** Delivers a cut half (if any) and releases flushLock; throws if this delivery failed. */
    private void deliverAndUnlock(ByteHalf cut, int size) {
        boolean ok = true;
        try {
            if (cut != null) {
                ok = delivery.deliver(cut, size);
                markFailedUnless(ok);
            }
        } finally {
            flushLock.unlock();
        }
        if (!ok) {
            throw failureException();
        }
    }

    /** Sets FAILED after a failed delivery, before flushLock is released. Caller holds flushLock. */
    private void markFailedUnless(boolean ok) {
        if (!ok) {
            STATE.getAndBitwiseOr(this, FAILED);
        }
    }

    // ---------------------------------------------------------------------------------------
    // States and their exceptions.

    /**
     * Builds the exception for a failed buffer, after parking what is left in {@code current}, so
     * that it holds every byte accepted and not delivered. Caller holds no lock.
     */
    private FlushFailedException failureException() {
        if (!giveUp.started()) {
            long stamp = lock.writeLock();
            try {
                if (giveUp.lockFlush(flushLock, false)) {
                    try {
                        int filled = filled();
                        if (filled > 0) {
                            delivery.park(current.region, filled);
                            position = 0;
                        }
                        return delivery.failureException();
                    } finally {
                        flushLock.unlock();
                    }
                }
            } finally {
                lock.unlockWrite(stamp);
            }
        }
        return giveUp.exception(); // close(Duration) gave up: its report, once published
    }

    private RuntimeException stateException(int s) {
        if ((s & FAILED) != 0) {
            return failureException();
        }
        return new IllegalStateException("buffer is closed: write before close(), or use a new buffer");
    }

    // ---------------------------------------------------------------------------------------
    // Waits.

    /**
     * Waits for the flush in progress (the "both halves full" wait) and returns the state then:
     * if close() started or the flush failed meanwhile, releases flushLock again and returns the
     * new state, so the waiting writer is refused rather than accepted. Caller holds the write
     * lock, which the caller's finally releases if this throws.
     */
    private int lockFlushThenRecheck() {
        if (!giveUp.lockFlush(flushLock, true)) {
            return state | CLOSED; // close(Duration) gave up on the flush this writer waited for
        }
        int s = state;
        if (s != OPEN) {
            flushLock.unlock();
        }
        return s;
    }
}
