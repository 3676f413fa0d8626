package dev.mwsr.jmh;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The batch consumer every implementation delivers to: it reads every item of the batch (so no
 * implementation can skip touching its items) and counts them. Called by one thread at a time.
 * {@link #deliveredAcquire()} may be read by any thread: the consumer publishes its count with a
 * release store after each batch, so a reader that sees the count also sees the batch done.
 *
 * <p>Two kinds ({@link #create}): {@code noop} only reads and counts; {@code file} also writes
 * every batch to a temporary file with one {@link FileChannel#write(ByteBuffer, long)} of the whole
 * batch, 8 bytes an item (the page cache, no fsync: the cost of a real flusher's system call per
 * batch, which rewards implementations that cut long batches). The file wraps at
 * {@link #FILE_WRAP} bytes so a long run does not fill the disk, and is deleted by {@link #close()}.
 */
final class Drain implements AutoCloseable {
    /** The file sink writes at offsets below this, wrapping to 0: the file stays this small. */
    static final long FILE_WRAP = 64L << 20;

    private static final VarHandle DELIVERED;

    static {
        try {
            DELIVERED = MethodHandles.lookup().findVarHandle(Drain.class, "delivered", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long delivered; // written by the consumer thread only, published with setRelease
    private long batches;
    private long checksum;

    /** The file sink's channel, file and reused batch buffer; null for the no-op sink. */
    private final FileChannel channel;

    private final Path file;
    private ByteBuffer bytes;
    private long position;

    /** A no-op drain: reads and counts. */
    Drain() {
        this.channel = null;
        this.file = null;
    }

    private Drain(Path file, int capacity) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        this.bytes = ByteBuffer.allocateDirect(8 * Math.max(1, capacity));
    }

    /**
     * @param kind {@code noop} or {@code file}
     * @param capacity the largest batch expected (the file sink's buffer grows past it if needed)
     */
    static Drain create(String kind, int capacity) {
        return switch (kind) {
            case "noop" -> new Drain();
            case "file" -> {
                try {
                    yield new Drain(Files.createTempFile("mwsr-jmh-sink-", ".bin"), capacity);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create the file sink's file in java.io.tmpdir", e);
                }
            }
            default -> throw new IllegalArgumentException("unknown sink '" + kind + "': noop or file");
        };
    }

    void accept(List<? extends Long> batch) {
        int n = batch.size();
        long sum = checksum;
        if (channel == null) {
            for (int i = 0; i < n; i++) {
                sum += batch.get(i);
            }
        } else {
            ByteBuffer b = bytes;
            if (b.capacity() < 8 * n) {
                b = bytes = ByteBuffer.allocateDirect(8 * n);
            }
            b.clear();
            for (int i = 0; i < n; i++) {
                long v = batch.get(i);
                sum += v;
                b.putLong(v);
            }
            b.flip();
            write(b);
        }
        checksum = sum;
        batches++;
        DELIVERED.setRelease(this, delivered + n);
    }

    private void write(ByteBuffer b) {
        if (position + b.remaining() > FILE_WRAP) {
            position = 0;
        }
        try {
            int wrote = channel.write(b, position); // one call; a regular file writes it all
            position += wrote;
            while (b.hasRemaining()) { // never seen on a local file, but do not miscount
                position += channel.write(b, position);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("file sink " + file + ": " + e.getMessage(), e);
        }
    }

    /** Items delivered so far; a release/acquire pair with the consumer's last batch. */
    long deliveredAcquire() {
        return (long) DELIVERED.getAcquire(this);
    }

    /** Batches delivered so far; exact only once the consumer has stopped. */
    long batchesPlain() {
        return batches;
    }

    /** Keeps the item reads alive; exact only once the consumer has stopped. */
    long checksumPlain() {
        return checksum;
    }

    /** Closes and deletes the file sink's file; nothing for the no-op sink. Call after the consumer stopped. */
    @Override
    public void close() {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("file sink " + file + ": " + e.getMessage(), e);
        }
    }
}
