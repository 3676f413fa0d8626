package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Reads a shard set written by {@link ShardedRecordWriter} (or any files named
 * {@code name-00000-of-0000N} ... in one directory) as one collection of records: one
 * {@link RecordReader} per shard, with the same checks, zero-copy buffers and rules (buffers are
 * invalid after {@link #close()}).
 *
 * <pre>{@code
 * try (ShardedRecordReader shards = ShardedRecordReader.open(dir, "events")) {
 *     long big = shards.stream().filter(r -> r.remaining() > 1000).count();  // shards in parallel
 * }
 * }</pre>
 *
 * <p><b>Parallel.</b> {@link #stream()} is a parallel stream that hands each shard to a
 * different worker of the common {@link java.util.concurrent.ForkJoinPool}, so shards are read and
 * verified in parallel; within a shard, records come in file order, and there is no order between
 * shards (use {@code forEachOrdered} for shard order). {@link #iterator()} reads shard after shard
 * on the calling thread. A corrupt record fails the whole stream or iteration with an
 * {@link UncheckedIOException} whose cause is a {@link CorruptRecordException} naming the file and
 * offset; torn tails stop their shard cleanly.
 *
 * <p><b>Threads.</b> As for {@link RecordReader}: passes may run at once, and everything done with
 * the reader and its buffers must happen-before {@link #close()}.
 */
public final class ShardedRecordReader implements Iterable<ByteBuffer>, Closeable {
    private final List<RecordReader> shards;

    private ShardedRecordReader(List<RecordReader> shards) {
        this.shards = List.copyOf(shards);
    }

    /**
     * Opens every shard of the set {@code name} in {@code dir}.
     *
     * @param dir the directory
     * @param name the shard set's name (the files are {@code name-IIIII-of-NNNNN})
     * @return the reader
     * @throws java.nio.file.NoSuchFileException if there is no such shard set, or a shard is missing
     * @throws IOException if sets of several shard counts share the name, or a shard cannot be opened
     */
    public static ShardedRecordReader open(Path dir, String name) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Shards.checkName(name);
        List<RecordReader> readers = new ArrayList<>();
        try {
            for (Path p : Shards.complete(dir, name)) {
                readers.add(RecordReader.open(p));
            }
        } catch (IOException | RuntimeException e) {
            for (RecordReader r : readers) {
                try {
                    r.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new ShardedRecordReader(readers);
    }

    /**
     * One reader per shard, by index: for per-shard counts and torn-tail reports. They are
     * closed by {@link #close()}.
     *
     * @return the readers, unmodifiable
     */
    public List<RecordReader> shards() {
        return shards;
    }

    /**
     * All records, shard 0 first, on the calling thread.
     *
     * @return an iterator, failing as {@link RecordReader#iterator()} does
     */
    @Override
    public Iterator<ByteBuffer> iterator() {
        return new Iterator<>() {
            private int next;
            private Iterator<ByteBuffer> current = Stream.<ByteBuffer>empty().iterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext()) {
                    if (next == shards.size()) {
                        return false;
                    }
                    current = shards.get(next++).iterator();
                }
                return true;
            }

            @Override
            public ByteBuffer next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no more records");
                }
                return current.next();
            }
        };
    }

    /**
     * All records as a parallel stream: each shard is read and verified by its own worker.
     *
     * @return a parallel stream of read-only buffers
     */
    public Stream<ByteBuffer> stream() {
        return shards.parallelStream().flatMap(RecordReader::stream);
    }

    /**
     * The number of valid records in all shards, verified in parallel.
     *
     * @return the sum of the shards' {@link RecordReader#count()}
     * @throws CorruptRecordException if a record is corrupt
     * @throws IOException if reading fails
     */
    public long count() throws IOException {
        try {
            return shards.parallelStream()
                    .mapToLong(r -> {
                        try {
                            return r.count();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Closes every shard's reader (unmapping its file), even if one fails. Idempotent.
     *
     * @throws IOException if releasing a shard failed (others suppressed in it)
     */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (RecordReader r : shards) {
            try {
                r.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "ShardedRecordReader[" + shards.size() + " shards]";
    }
}
