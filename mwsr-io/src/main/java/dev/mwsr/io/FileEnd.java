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
 * Where one flusher expects its file to end, and how every file flusher writes a batch exactly
 * once (the contract is {@link FileFlusher}'s). One thread at a time, like its flusher.
 */
final class FileEnd {
    /*
     * A batch begins at `start` (the file size, or for records the end of the last whole batch).
     * `written` sums what the channel returned; `inFlight` is the write in progress. A write the
     * kernel completed can still throw ClosedByInterruptException (checked after the system call),
     * so after a failure the batch's bytes in the file number in [written, written + inFlight]. The
     * batch is cut back to `start` exactly when size - start lies in that range; otherwise another
     * writer changed the file, its bytes are kept, and the failure becomes a PartialFlushException
     * counting the batch's whole items (`ends`: each item's end in the batch). Benign race: no lock
     * is taken (others would need to take it too), so another process may append in the
     * microseconds between the size check and the truncate.
     *
     * Interrupts: the flag is cleared, the file reopened, the batch cut back and written again from
     * its first item, and the flag set again before returning. Each retry needs a new interrupt, so
     * the loop ends.
     */

    interface Attempt<B> {
        /** Writes the whole batch, from its first item also when retried. */
        void writeOnce(B batch);

        /**
         * Takes back what {@link #writeOnce} wrote, reopening the file if an interrupt closed it.
         * Returns null when done, else the exception to throw instead (caused by {@code failure}).
         */
        RuntimeException undo(Throwable failure);
    }

    final Path path;
    private final OpenOption[] reopen;
    private final boolean bytesAreItems;
    // null for appendClose between batches, or not yet reopened
    private FileChannel channel;

    private long start;
    private long written;
    private long inFlight;
    private long[] ends = new long[64];
    private int items;

    // reopen: never TRUNCATE. bytesAreItems: a byte buffer's batch.
    FileEnd(Path path, FileChannel channel, boolean bytesAreItems, OpenOption... reopen) {
        this.path = path;
        this.channel = channel;
        this.bytesAreItems = bytesAreItems;
        this.reopen = reopen;
    }

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

    // ClosedChannelException with the flag set counts too: the JDK sets the flag before closing
    // the channel, so an operation ending in between returns and the next finds it closed.
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

    FileChannel channel() {
        if (channel == null || !channel.isOpen()) {
            channel = Io.open(path, reopen);
        }
        return channel;
    }

    // After a rotation; a failure leaves no channel, so the next use reopens.
    FileChannel reopen(OpenOption... options) {
        closeChannel();
        channel = Io.open(path, options);
        return channel;
    }

    void closeChannel() {
        FileChannel c = channel;
        channel = null;
        if (c != null) {
            Io.closeUnchecked(c, path);
        }
    }

    void reset() {
        start = -1;
        written = 0;
        inFlight = 0;
        items = 0;
    }

    void begin(long offset) {
        start = offset;
    }

    long written() {
        return written;
    }

    void itemEnded(long batchBytes) {
        if (items == ends.length) {
            ends = Arrays.copyOf(ends, items * 2);
        }
        ends[items++] = batchBytes;
    }

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

    long durableBytes() {
        int n = durableItems();
        return bytesAreItems ? n : n == 0 ? 0 : ends[n - 1];
    }

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
