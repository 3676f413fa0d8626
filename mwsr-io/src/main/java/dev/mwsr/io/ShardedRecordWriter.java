package dev.mwsr.io;

import dev.mwsr.Buffer;
import dev.mwsr.FlushFailedException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes records from many threads over N record files {@code name-00000-of-0000N} ... in one
 * directory, each with its own {@link Buffer} and {@linkplain FileFlusher#records(Path) record
 * flusher}, so the N files are written in parallel. Read them back with
 * {@link ShardedRecordReader}.
 *
 * <pre>{@code
 * try (ShardedRecordWriter out = ShardedRecordWriter.open(dir, "events", 4)) {
 *     out.write(ByteBuffer.wrap(bytes));       // from any thread
 * }
 * }</pre>
 *
 * <p><b>Threads and order.</b> All methods are thread-safe. A thread is given a shard on its first
 * write (round-robin in the order threads first write) and all its records go there in the order
 * written; a {@link #writeV(List)} group is contiguous. There is no order between threads. Writes
 * flush inline, as in {@link Buffer}: the writer that fills a shard's buffer writes that batch while
 * others keep writing. Actions of a thread before {@code write(r)} happen-before the bytes of
 * {@code r} are read; {@link #flush()} returns once everything written before it is in the files.
 *
 * <p><b>Payloads are not copied</b>: a record is read (position to limit, left unchanged) when its
 * batch is flushed, after {@code write} returned; do not modify it after writing it. Each shard holds
 * up to {@code capacity} references in each of its buffer's two halves and a 256 KiB direct buffer.
 *
 * <p><b>Failures</b> are the {@link Buffer}'s: a failed write to a shard throws
 * {@link FlushFailedException} (cause: the {@link UncheckedIOException} naming the file) from that
 * call and every later one on that shard; its undelivered records are in the exception.
 */
public final class ShardedRecordWriter implements Closeable {
    /** Pending records per shard unless told otherwise. */
    public static final int DEFAULT_CAPACITY = 1024;

    private final Path dir;
    private final String name;
    private final List<Path> paths;
    private final List<FileFlusher<ByteBuffer>> files;
    private final List<Buffer<ByteBuffer>> buffers;
    private final AtomicInteger nextShard = new AtomicInteger();
    // An index, not the Buffer: a pool thread outliving the writer pins nothing big.
    private final ThreadLocal<Integer> shardOfThread;

    private volatile boolean closed;

    private ShardedRecordWriter(
            Path dir, String name, List<Path> paths, List<FileFlusher<ByteBuffer>> files, int capacity) {
        this.dir = dir;
        this.name = name;
        this.paths = List.copyOf(paths);
        this.files = List.copyOf(files);
        List<Buffer<ByteBuffer>> bs = new ArrayList<>(files.size());
        for (FileFlusher<ByteBuffer> f : files) {
            bs.add(new Buffer<>(capacity, f));
        }
        this.buffers = List.copyOf(bs);
        int n = buffers.size();
        this.shardOfThread = ThreadLocal.withInitial(() -> Math.floorMod(nextShard.getAndIncrement(), n));
    }

    /**
     * {@link #open(Path, String, int, int, boolean, boolean)} appending, with
     * {@value #DEFAULT_CAPACITY} records pending per shard and no fsync.
     *
     * @param dir the directory, created if missing
     * @param name the shard set's name, a plain file name
     * @param shards how many files, 1 to 99999
     * @return the writer
     */
    public static ShardedRecordWriter open(Path dir, String name, int shards) {
        return open(dir, name, shards, DEFAULT_CAPACITY, true, false);
    }

    /**
     * Opens {@code shards} record files in {@code dir}, each as
     * {@link FileFlusher#records(Path, FileFlusher.Options)} does. Nothing is created if the
     * arguments are bad or {@code dir} holds a shard set of that name with another count (the
     * reader's set would be ambiguous).
     *
     * @param dir the directory, created if missing
     * @param name the shard set's name, a plain file name
     * @param shards how many files, 1 to 99999
     * @param capacity records pending per shard before the writer that fills it flushes it
     * @param append true to add to existing shards, false to truncate them
     * @param fsyncPerBatch true to force each batch to the device before the flush returns
     * @return the writer
     * @throws IllegalArgumentException for a bad name, count or capacity
     * @throws IllegalStateException if {@code dir} holds a shard set of that name with another count
     * @throws UncheckedIOException naming the file if the directory or a shard cannot be opened
     */
    public static ShardedRecordWriter open(
            Path dir, String name, int shards, int capacity, boolean append, boolean fsyncPerBatch) {
        Objects.requireNonNull(dir, "dir");
        Shards.checkName(name);
        if (shards < 1 || shards > Shards.MAX_SHARDS) {
            throw new IllegalArgumentException("shards must be between 1 and " + Shards.MAX_SHARDS + ", was " + shards);
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        try {
            for (int other : Shards.find(dir, name).keySet()) {
                if (other != shards) {
                    throw new IllegalStateException(dir + " already holds a shard set " + name + " of " + other
                            + " shards; open it with " + other + " shards, or remove those files first");
                }
            }
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot prepare the shard directory: " + e.getMessage(), e);
        }
        List<Path> paths = new ArrayList<>(shards);
        List<FileFlusher<ByteBuffer>> files = new ArrayList<>(shards);
        try {
            for (int i = 0; i < shards; i++) {
                Path p = dir.resolve(Shards.fileName(name, i, shards));
                paths.add(p);
                files.add(FileFlusher.records(
                        p, FileFlusher.Options.DEFAULT.withAppend(append).withFsync(fsyncPerBatch)));
            }
        } catch (RuntimeException e) {
            for (FileFlusher<ByteBuffer> f : files) {
                try {
                    f.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new ShardedRecordWriter(dir, name, paths, files, capacity);
    }

    /**
     * Writes one record to the calling thread's shard.
     *
     * @param record the payload, from its position to its limit
     * @throws IllegalStateException if closed
     * @throws FlushFailedException if writing that shard failed
     */
    public void write(ByteBuffer record) {
        Objects.requireNonNull(record, "record");
        shard().write(record);
    }

    /**
     * Writes records to the calling thread's shard as one contiguous group, as {@link #write}.
     *
     * @param records the payloads
     * @throws NullPointerException if the list or a record is null; nothing is written
     */
    public void writeV(List<? extends ByteBuffer> records) {
        Objects.requireNonNull(records, "records");
        shard().writeV(records);
    }

    /**
     * Writes everything written so far to the files, each shard in turn on this thread.
     *
     * @throws FlushFailedException if writing a shard failed
     */
    public void flush() {
        for (Buffer<ByteBuffer> b : buffers) {
            b.flush();
        }
    }

    /** @return the shard files by index, unmodifiable */
    public List<Path> paths() {
        return paths;
    }

    /**
     * Refuses further writes, writes everything accepted, and closes every file; every shard is
     * closed even if one fails. Idempotent.
     *
     * @throws FlushFailedException if a shard's last writes failed (others are suppressed in it)
     * @throws IOException naming the file if closing a file failed
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Throwable first = null;
        for (Buffer<ByteBuffer> b : buffers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = add(first, e);
            }
        }
        for (FileFlusher<ByteBuffer> f : files) {
            try {
                f.close();
            } catch (IOException | RuntimeException e) {
                first = add(first, e);
            }
        }
        if (first instanceof IOException e) {
            throw e;
        }
        if (first != null) {
            throw (RuntimeException) first;
        }
    }

    @Override
    public String toString() {
        return "ShardedRecordWriter[" + dir.resolve(name) + ", " + paths.size() + " shards]";
    }

    private Buffer<ByteBuffer> shard() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        return buffers.get(shardOfThread.get());
    }

    private static Throwable add(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
