package dev.mwsr.io;

import dev.mwsr.PartialFlushException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Where one flusher expects its file to end, and the one algorithm by which every file flusher
 * writes a batch exactly once: count what it writes, cut a failed batch back out of the file while
 * the file still ends where this flusher expects, reopen a channel that an interrupt closed and
 * write the batch again. Used by one thread at a time, like the flusher that owns it.
 */
final class FileEnd {
    /*
     * Implementation notes.
     *
     * A batch begins at `start`: the file's size when the batch began (flushers that append) or
     * the end of the last whole batch (records). Every write is counted: `written` sums what the
     * channel returned, `inFlight` is the size of the write in progress. A write that the kernel
     * completed can still throw ClosedByInterruptException (FileChannel checks the interrupt
     * after the system call), so after a failure this batch's bytes in the file are anywhere in
     * [written, written + inFlight]. The file holds nothing but them after `start` exactly when
     * its size minus `start` lies in that range: then it is truncated back to `start`. Any other
     * size means another writer appended (or truncated) since the batch began; their bytes are
     * kept, and the failure becomes a PartialFlushException counting this batch's items that are
     * wholly in the file (`ends` holds each item's end within the batch). Between the size check
     * and the truncate another process could still append; no lock is taken (the other writer
     * would need to take it too), so that window stays, a few microseconds wide.
     *
     * Interrupts: an interrupt arriving during a call closes the FileChannel (it is an
     * interruptible channel), and the operation in progress or the next one throws. The flag is
     * cleared, the file reopened, the batch cut back as above
     * and written again from its first item; the flag is set again before the call returns.
     * Each retry needs a new interrupt, so the loop ends.
     */

    /** One attempt at a batch, and how to take it back. Implemented by each flusher. */
    interface Attempt<B> {
        /** Writes the whole batch (from its first item, also when retried). */
        void writeOnce(B batch);

        /**
         * Takes what {@link #writeOnce} wrote back out of the file after it threw, reopening
         * the file if an interrupt closed it. Returns null when done, else the exception to
         * throw instead of {@code failure} (which it has as its cause).
         */
        RuntimeException undo(Throwable failure);
    }

    final Path path;
    private final OpenOption[] reopen;
    private final boolean bytesAreItems;
    /** The open channel, or null (appendClose between batches, or not yet reopened). */
    private FileChannel channel;

    private long start;
    private long written;
    private long inFlight;
    private long[] ends = new long[64];
    private int items;

    /**
     * @param reopen how to open the file again after an interrupt closed it (never TRUNCATE)
     * @param bytesAreItems whether the batch's items are its bytes (a byte buffer's batch)
     */
    FileEnd(Path path, FileChannel channel, boolean bytesAreItems, OpenOption... reopen) {
        this.path = path;
        this.channel = channel;
        this.bytesAreItems = bytesAreItems;
        this.reopen = reopen;
    }

    /**
     * Runs {@code attempt} on {@code batch} until it completes; a failure is undone and thrown,
     * a failure caused by an interrupt is undone and the batch written again.
     */
    static <B> void writeExactlyOnce(B batch, Attempt<B> attempt) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    attempt.writeOnce(batch);
                    return;
                } catch (RuntimeException | Error e) {
                    boolean retry = byInterrupt(e);
                    if (retry) {
                        Thread.interrupted(); // so that reopening and cutting back can run
                        interrupted = true;
                    }
                    RuntimeException instead;
                    try {
                        instead = attempt.undo(e);
                    } catch (RuntimeException | Error undoing) {
                        e.addSuppressed(undoing);
                        throw e;
                    }
                    if (instead != null) {
                        throw instead;
                    }
                    if (!retry) {
                        throw e;
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Whether {@code e} comes from an interrupt that closed a channel: a
     * ClosedByInterruptException, or a ClosedChannelException while the flag is set. (The JDK
     * sets the flag first and closes the channel after: if the thread's operation ends in
     * between, it returns normally and the next operation finds the channel closed.)
     */
    static boolean byInterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClosedByInterruptException
                    || t instanceof ClosedChannelException
                            && Thread.currentThread().isInterrupted()) {
                return true;
            }
        }
        return false;
    }

    /** The channel, opened again if an interrupt (or appendClose) closed it. */
    FileChannel channel() {
        if (channel == null || !channel.isOpen()) {
            channel = Io.open(path, reopen);
        }
        return channel;
    }

    /**
     * Closes the channel and opens the path again with {@code options} (a rotator moved the file
     * away); a failure names the file and leaves no channel, so the next use reopens.
     */
    FileChannel reopen(OpenOption... options) {
        closeChannel();
        channel = Io.open(path, options);
        return channel;
    }

    /** Closes the channel (appendClose, after each batch); a failure names the file. */
    void closeChannel() {
        FileChannel c = channel;
        channel = null;
        if (c != null) {
            Io.closeUnchecked(c, path);
        }
    }

    /** Forgets the last batch's counts: a new attempt begins, nothing written yet. */
    void reset() {
        start = -1;
        written = 0;
        inFlight = 0;
        items = 0;
    }

    /** The batch's bytes begin at {@code offset} of the file. */
    void begin(long offset) {
        start = offset;
    }

    /** Bytes of this batch that the channel took. */
    long written() {
        return written;
    }

    /** Records that the current item ends at byte {@code batchBytes} of the batch. */
    void itemEnded(long batchBytes) {
        if (items == ends.length) {
            ends = Arrays.copyOf(ends, items * 2);
        }
        ends[items++] = batchBytes;
    }

    /** Writes all of {@code bytes}, counting them. */
    void write(ByteBuffer bytes) {
        try {
            FileChannel c = channel();
            while (bytes.hasRemaining()) {
                inFlight = bytes.remaining();
                written += c.write(bytes);
                inFlight = 0;
            }
        } catch (IOException e) {
            throw Io.failed("write", path, e);
        }
    }

    /** Writes all of {@code bytes} with gathering writes, counting them. */
    void write(ByteBuffer[] bytes) {
        try {
            FileChannel c = channel();
            ByteBuffer last = bytes[bytes.length - 1];
            while (last.hasRemaining()) {
                long rest = 0;
                for (ByteBuffer b : bytes) {
                    rest += b.remaining();
                }
                inFlight = rest;
                written += c.write(bytes);
                inFlight = 0;
            }
        } catch (IOException e) {
            throw Io.failed("write", path, e);
        }
    }

    /**
     * The {@link Attempt#undo} of channel flushers: cuts the batch back to where it began if the
     * file still ends where this flusher's writes put it; else returns the
     * {@link PartialFlushException} saying what stays. Positions the channel at the cut.
     */
    RuntimeException cutBack(Throwable failure) {
        if (written == 0 && inFlight == 0) {
            return null; // nothing of this batch reached the file
        }
        try {
            FileChannel c = channel();
            long size = c.size();
            long mine = size - start;
            if (start >= 0 && mine >= written && mine <= written + inFlight) {
                c.truncate(start);
                c.position(start);
                return null;
            }
            return partial(
                    "the file is " + size + " bytes, not the " + (start + written) + " this flusher wrote:"
                            + " another writer changed it, so nothing was cut back",
                    failure);
        } catch (IOException | UncheckedIOException cutting) {
            PartialFlushException p = partial("cannot cut the failed batch back out: " + cutting, failure);
            p.addSuppressed(cutting);
            return p;
        }
    }

    /** The items of the failed batch that are wholly in the file (all of them before a torn one). */
    int durableItems() {
        if (bytesAreItems) {
            return (int) Math.min(written, Integer.MAX_VALUE);
        }
        int n = 0;
        while (n < items && ends[n] <= written) {
            n++;
        }
        return n;
    }

    /** Bytes of the durable items: where the failed batch's whole items end. */
    long durableBytes() {
        int n = durableItems();
        return bytesAreItems ? n : n == 0 ? 0 : ends[n - 1];
    }

    /** Whether the failed batch's bytes in the file end inside an item (a torn line or record). */
    boolean torn() {
        return written > durableBytes();
    }

    private PartialFlushException partial(String why, Throwable failure) {
        int durable = durableItems();
        String unit = bytesAreItems ? " bytes" : " items";
        return new PartialFlushException(
                path + ": a batch failed (" + failure + ") and " + why + "; its first " + durable + unit
                        + " are in the file" + (torn() ? ", followed by part of the next one" : ""),
                durable,
                failure);
    }
}
