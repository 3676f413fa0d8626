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
 * Reads a shard set written by {@link ShardedRecordWriter} (or any files {@code name-00000-of-0000N}
 * ... in one directory) as one collection: one {@link RecordReader} per shard, with its checks,
 * buffers and thread rules.
 *
 * <pre>{@code
 * try (ShardedRecordReader shards = ShardedRecordReader.open(dir, "events")) {
 *     long big = shards.stream().filter(r -> r.remaining() > 1000).count();  // shards in parallel
 * }
 * }</pre>
 *
 * <p>{@link #stream()} is parallel: each shard is read and verified by its own worker of the common
 * {@link java.util.concurrent.ForkJoinPool}; records keep file order within a shard, none between
 * shards ({@code forEachOrdered} gives shard order). {@link #iterator()} reads shard after shard on
 * the calling thread. A corrupt record fails the whole pass with an {@link UncheckedIOException}
 * caused by a {@link CorruptRecordException} naming file and offset; a torn tail ends its shard.
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
     * @param name the shard set's name
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

    /** @return one reader per shard, by index, unmodifiable; {@link #close()} closes them */
    public List<RecordReader> shards() {
        return shards;
    }

    /** @return all records, shard 0 first, failing as {@link RecordReader#iterator()} does */
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

    /** @return all records as a parallel stream of read-only buffers */
    public Stream<ByteBuffer> stream() {
        return shards.parallelStream().flatMap(RecordReader::stream);
    }

    /**
     * @return the sum of the shards' {@link RecordReader#count()}, verified in parallel
     * @throws IOException as {@link RecordReader#count()}
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
     * Closes every shard's reader, even if one fails; idempotent.
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
