package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A flusher that owns a file: it writes each batch it is given and releases the file on
 * {@link #close()}. Plug it into a {@code Buffer} or {@code AsyncBuffer}; close the buffer first
 * (it delivers everything it accepted) and the flusher after it. With try-with-resources, declare
 * the flusher first so that it is closed last:
 *
 * <pre>{@code
 * try (FileFlusher<CharSequence> file = FileFlusher.block(path);
 *      AsyncBuffer<String> log = new AsyncBuffer<>(1024, file)) {
 *     log.write("hello");
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> Like every flusher, it must be called by one thread at a time (a buffer
 * guarantees that); calls may come from different threads as long as each call happens-before the
 * next, which every mwsr buffer ensures. {@link #close()} must not run concurrently with
 * {@link #accept(Object)}: close the buffer first. Bytes of a batch are handed to the operating
 * system before {@code accept} returns (for {@code mmap}: stored into the shared mapping), so
 * another process reading the file sees them once {@code accept} has returned; they are on the
 * storage device only with {@link Options#fsync()}.
 *
 * <p><b>Failures.</b> Nothing is swallowed: an I/O error is thrown from {@code accept} as an
 * {@link java.io.UncheckedIOException} whose message names the file, so it reaches the buffer's
 * failure path. <b>A batch whose call threw leaves no part of itself in the file</b>, whatever
 * failed (a full disk, a failed fsync, an encoder that threw): what it wrote is cut back off
 * before {@code accept} throws, so the file plus the buffer's {@code undelivered()} hold every
 * item once, and a retried batch is written once, with no torn line. The files are opened for
 * append, so another process may write to them too: a flusher cuts back only while the file
 * still ends where its own writes left it. If another writer appended meanwhile, or the cut
 * itself failed, nothing of anyone else is removed and {@code accept} throws
 * {@link dev.mwsr.PartialFlushException} instead, naming the file, whose {@code durable()} items
 * at the start of the batch are whole in the file (part of the next one may follow them).
 *
 * <p><b>Interrupts.</b> An interrupt that reaches the thread inside {@code accept} (a
 * {@code Future.cancel(true)}, a scope shutting down) closes the
 * {@link java.nio.channels.FileChannel}, as it closes any interruptible channel. The flusher then
 * opens the file again, cuts the batch back, writes it again (once) and returns normally with the
 * interrupt flag set again for the caller.
 *
 * <p><b>Reopening for append.</b> Bytes a clean {@code close()} left are never removed. After a
 * crash, with the text encoder ({@link Encoder#utf8Lines()}), a file whose last byte is not
 * {@code '\n'} (a line torn by the crash, or the zero tail of a crashed {@code mmap} file that
 * has no end marker) gets a {@code '\n'} before the first new line, so new lines start on a line
 * of their own; the torn bytes are kept. With any other encoder the existing bytes are never
 * looked at (binary content is not guessed at) and new items follow them. {@link #mmap(Path)}
 * knows exactly where its data ends; {@link #records(Path, Options)} cuts a torn record off.
 *
 * <p><b>Text flushers</b> ({@link #line(Path)}, {@link #block(Path)}, {@link #mmap(Path)},
 * {@link #appendClose(Path)}) write each item as UTF-8 plus {@code '\n'} (see
 * {@link Encoder#utf8Lines()}); as {@code FileFlusher<CharSequence>} they plug into
 * {@code new AsyncBuffer<String>(…)} or {@code new Buffer<StringBuilder>(…)} with no cast. The
 * overloads taking an {@link Encoder} write items of any type.
 *
 * @param <T> the item type
 */
public interface FileFlusher<T> extends Consumer<List<? extends T>>, Closeable {
    /**
     * The file this flusher writes.
     *
     * @return the path given when it was opened
     */
    Path path();

    /**
     * Writes one batch to the file; see the class comment for visibility, failures and interrupts.
     *
     * @param batch the items, in order; not kept after the call
     * @throws java.io.UncheckedIOException if the file could not be written; the message names it,
     *     and no part of the batch is left in the file
     * @throws dev.mwsr.PartialFlushException if the batch failed and could not be cut back (the
     *     file changed under this flusher, or the cut failed); its first {@code durable()} items
     *     are in the file
     * @throws IllegalStateException if this flusher was closed
     * @throws NullPointerException if {@code batch} or an item is null
     */
    @Override
    void accept(List<? extends T> batch);

    /**
     * Releases the file (and any mapping); an {@code mmap} file is first truncated to exactly the
     * bytes written. Every batch was already written out when its {@code accept} returned.
     * Idempotent: later calls do nothing.
     *
     * @throws IOException if the release failed (the file is closed anyway); the message names
     *     the file
     */
    @Override
    void close() throws IOException;

    /**
     * How a file flusher opens and writes its file. Immutable; start from {@link #DEFAULT}.
     *
     * <p><b>Durability</b> ({@code fsync}). Every batch ends with
     * {@link java.nio.channels.FileChannel#force FileChannel.force(true)} (for {@code mmap}, a force
     * of the mapped range first). When {@code accept} returns, the batch's bytes and the file's
     * size have been handed to the storage device and the device was told to make them durable:
     * they survive a crash of the process or of the operating system, and a power loss on devices
     * that honour cache flushes. It does not make a newly created file's directory entry durable
     * (that needs a force of the parent directory), and it costs a device round trip per batch.
     * Without it, bytes survive a crash of the process but not of the machine.
     *
     * <p><b>Log rotation</b> ({@code reopenOnRotation}). The text flushers follow a log rotator
     * ({@code logrotate} and friends), checked at the start of every batch. <b>Rename-and-create</b>
     * (the rotator renames the file and a new one takes its path, or none does): the flusher
     * finishes with the renamed file (an {@code mmap} file is first truncated to its data) and
     * closes it, then opens the path again (creating it if needed) and appends there.
     * <b>copytruncate</b> (the file is copied and cut to a shorter size in place): the flusher
     * continues at the new end, never past it ({@code block}, {@code line} in truncate mode; an
     * {@code mmap} flusher drops its mapping, which the cut invalidated). Either way every line
     * that was in a batch before the rotation is in the old file and every later one in the new
     * file, exactly once and whole. Limits: lines that the flusher wrote between the rotator's
     * copy and its truncate are lost (copytruncate's own window, as for every writer); a copy of
     * an {@code mmap} file includes the zero-filled rest of its current window, so rotate
     * {@code mmap} files by rename; a file system without file keys
     * ({@code BasicFileAttributes.fileKey()} null, as on Windows) shows only truncation. Off by
     * default: it costs a {@code stat} of the path per batch (and, for {@code mmap}, which
     * otherwise makes no system call per batch, an {@code fstat} as well), and it makes the
     * flusher create a file that someone deleted, which a user should ask for.
     * {@code appendClose} opens the file by its path for every batch in append mode, so it
     * follows both styles with or without this option. Record files ({@link #records}) ignore it.
     *
     * @param bufferSize bytes buffered before a write ({@code line}, {@code block},
     *     {@code appendClose}: the initial size there) or mapped per window ({@code mmap});
     *     {@code 0} picks the default: 64 KiB, or 32 MiB for {@code mmap}
     * @param fsync whether every batch is forced to the storage device (see "Durability" in
     *     {@link Options})
     * @param append whether writing continues at the end of an existing file (the default, as
     *     log appenders do) rather than truncating it when the flusher is opened
     * @param reopenOnRotation whether the text flushers follow a log rotator (see "Log rotation"
     *     in {@link Options}); off by default
     */
    record Options(int bufferSize, boolean fsync, boolean append, boolean reopenOnRotation) {
        /** 64 KiB buffer (32 MiB mapped windows for {@code mmap}), no fsync, append, no rotation. */
        public static final Options DEFAULT = new Options(0, false, true, false);

        /** The smallest buffer accepted, in bytes. */
        public static final int MIN_BUFFER_SIZE = 64;

        /**
         * Validates the options.
         *
         * @throws IllegalArgumentException if {@code bufferSize} is neither 0 nor at least
         *     {@link #MIN_BUFFER_SIZE}, or exceeds 1 GiB
         */
        public Options {
            if (bufferSize != 0 && (bufferSize < MIN_BUFFER_SIZE || bufferSize > 1 << 30)) {
                throw new IllegalArgumentException("bufferSize must be 0 (default) or between " + MIN_BUFFER_SIZE
                        + " and 2^30 bytes, was " + bufferSize);
            }
        }

        /**
         * Options that do not follow rotation, see {@link #reopenOnRotation()}.
         *
         * @param bufferSize see {@link #bufferSize()}
         * @param fsync see {@link #fsync()}
         * @param append see {@link #append()}
         * @throws IllegalArgumentException as the canonical constructor
         */
        public Options(int bufferSize, boolean fsync, boolean append) {
            this(bufferSize, fsync, append, false);
        }

        /**
         * @param bytes the new buffer or window size, see {@link #bufferSize()}
         * @return a copy with that buffer size
         */
        public Options withBufferSize(int bytes) {
            return new Options(bytes, fsync, append, reopenOnRotation);
        }

        /**
         * @param fsync whether every batch is forced to the device, see {@link #fsync()}
         * @return a copy with that setting
         */
        public Options withFsync(boolean fsync) {
            return new Options(bufferSize, fsync, append, reopenOnRotation);
        }

        /**
         * @return a copy that truncates an existing file when the flusher is opened
         */
        public Options truncate() {
            return new Options(bufferSize, fsync, false, reopenOnRotation);
        }

        /**
         * @param append whether to continue at the end of an existing file, see {@link #append()}
         * @return a copy with that setting
         */
        public Options withAppend(boolean append) {
            return new Options(bufferSize, fsync, append, reopenOnRotation);
        }

        /**
         * @param reopen whether a moved or truncated file is followed, see
         *     {@link #reopenOnRotation()}
         * @return a copy with that setting
         */
        public Options withReopenOnRotation(boolean reopen) {
            return new Options(bufferSize, fsync, append, reopen);
        }

        int bufferSizeOr(int defaultSize) {
            return bufferSize == 0 ? defaultSize : bufferSize;
        }
    }

    /**
     * A text flusher that writes each item with its own write, like a line-buffered stream: a
     * reader tailing the file sees every line as soon as it was flushed. Appends to an existing
     * file.
     *
     * @param path the file, created if missing
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> line(Path path) {
        return line(path, Options.DEFAULT);
    }

    /**
     * {@link #line(Path)} with options.
     *
     * @param path the file, created if missing
     * @param options buffer size (an item larger than it takes several writes), fsync, append
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> line(Path path, Options options) {
        return line(path, Encoder.utf8Lines(), options);
    }

    /**
     * A flusher that writes each item, encoded by {@code encoder}, with its own write.
     *
     * @param path the file, created if missing
     * @param encoder turns one item into bytes
     * @param options buffer size, fsync, append
     * @param <T> the item type
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static <T> FileFlusher<T> line(Path path, Encoder<? super T> encoder, Options options) {
        return new LineFlusher<>(path, encoder, options);
    }

    /**
     * A text flusher that encodes items into a 64 KiB buffer and writes it when it is full and
     * at the end of every batch: the fewest system calls. Appends to an existing file.
     *
     * @param path the file, created if missing
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> block(Path path) {
        return block(path, Options.DEFAULT);
    }

    /**
     * {@link #block(Path)} with options.
     *
     * @param path the file, created if missing
     * @param options buffer size, fsync, append
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> block(Path path, Options options) {
        return block(path, Encoder.utf8Lines(), options);
    }

    /**
     * A flusher that encodes items with {@code encoder} into a buffer and writes it when it is
     * full and at the end of every batch.
     *
     * @param path the file, created if missing
     * @param encoder turns one item into bytes
     * @param options buffer size, fsync, append
     * @param <T> the item type
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static <T> FileFlusher<T> block(Path path, Encoder<? super T> encoder, Options options) {
        return new BlockFlusher<>(path, encoder, options);
    }

    /**
     * A text flusher that stores items into a shared memory mapping of the file, 32 MiB at a
     * time. Each window's disk space is allocated by really writing it (zeros) before it is
     * mapped, so a full disk is an {@link java.io.UncheckedIOException} rather than a
     * {@code SIGBUS} crash; when the disk cannot give a whole window, a smaller one is mapped
     * (as large as the disk gave, if the item fits), so a nearly full disk still takes data. A
     * file truncated by someone else under the live mapping fails the batch with an
     * {@link java.io.UncheckedIOException} naming the file. One {@code mmap} flusher per file.
     *
     * <p><b>After a crash.</b> While the flusher is open, a side file {@code <file>.mmap-end} holds
     * where the last batch that returned normally ended (one 8-byte store per batch into a
     * mapping, no system call); a clean close truncates the file and then deletes the marker.
     * Opening for append: without a marker the file was closed cleanly and all of it is data
     * (trailing zero bytes included, so binary items may end in zeros); with a marker the writer
     * died (kill -9, a crash of the machine), and writing continues exactly where the marker
     * says: the bytes after it (a batch that never returned, the rest of the last window) are
     * overwritten and cut off at the next close. So every batch that returned is kept, binary or
     * text, and text continues on a line of its own. Without {@code fsync} the marker survives
     * the death of the process but, like the data, not necessarily a crash of the machine; with
     * it the data is forced before the marker.
     *
     * <p><b>mmap or block?</b> Prefer {@link #block(Path)} for throughput: mmap writes every
     * window twice (zeros first, so that a full disk is an exception and not a {@code SIGBUS};
     * then the data), so on the page cache it is slower. mmap makes no system call per batch:
     * pick it for many small batches, or for readers that map the file too.
     *
     * <p>The mapping is released at {@code close()} on Java 22 and later; on Java 21 it is
     * released when the garbage collector finds it unreachable (see {@code Mapping} in the
     * sources for why).
     *
     * @param path the file, created if missing
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> mmap(Path path) {
        return mmap(path, Options.DEFAULT);
    }

    /**
     * {@link #mmap(Path)} with options.
     *
     * @param path the file, created if missing
     * @param options window size ({@code bufferSize}), fsync, append
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static FileFlusher<CharSequence> mmap(Path path, Options options) {
        return mmap(path, Encoder.utf8Lines(), options);
    }

    /**
     * A flusher that stores items, encoded by {@code encoder}, into a memory mapping of the file;
     * see {@link #mmap(Path)}.
     *
     * @param path the file, created if missing
     * @param encoder turns one item into bytes
     * @param options window size ({@code bufferSize}), fsync, append
     * @param <T> the item type
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be opened; the message names it
     */
    static <T> FileFlusher<T> mmap(Path path, Encoder<? super T> encoder, Options options) {
        return new MappedFlusher<>(path, encoder, options);
    }

    /**
     * A text flusher that holds no file open between batches: per batch it encodes all items into
     * one buffer (grown as needed), opens the file in append mode, writes the buffer in one write
     * loop and closes the file. For network drives and for files that others rotate or move.
     * With the default options an existing file is appended to.
     *
     * @param path the file, created if missing
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be created or opened; the message
     *     names it
     */
    static FileFlusher<CharSequence> appendClose(Path path) {
        return appendClose(path, Options.DEFAULT);
    }

    /**
     * {@link #appendClose(Path)} with options.
     *
     * @param path the file, created if missing
     * @param options initial buffer size, fsync (before each close), append or truncate once
     *     when the flusher is created
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be created or opened; the message
     *     names it
     */
    static FileFlusher<CharSequence> appendClose(Path path, Options options) {
        return appendClose(path, Encoder.utf8Lines(), options);
    }

    /**
     * A flusher that opens, appends one batch encoded by {@code encoder}, and closes, per batch;
     * see {@link #appendClose(Path)}.
     *
     * @param path the file, created if missing
     * @param encoder turns one item into bytes
     * @param options initial buffer size, fsync, append or truncate once at creation
     * @param <T> the item type
     * @return the flusher
     * @throws java.io.UncheckedIOException if the file cannot be created or opened; the message
     *     names it
     */
    static <T> FileFlusher<T> appendClose(Path path, Encoder<? super T> encoder, Options options) {
        return new AppendCloseFlusher<>(path, encoder, options);
    }

    // Record files (TFRecord framing): see RecordReader.

    /**
     * A flusher of records to a TFRecord file, appending; see {@link #records(Path, Options)}.
     *
     * @param path the file; created if missing
     * @return the flusher, which owns the file until closed
     * @throws java.io.UncheckedIOException naming the file if it cannot be opened, or if a
     *     complete record already in it has a corrupt header (appending after it is refused)
     */
    static FileFlusher<java.nio.ByteBuffer> records(Path path) {
        return records(path, Options.DEFAULT);
    }

    /**
     * A flusher of records: each {@link java.nio.ByteBuffer} item, from its position to its
     * limit, becomes one record in TFRecord framing (u64 little-endian length, masked CRC-32C of
     * the length, payload, masked CRC-32C of the payload; no file header), so TensorFlow's
     * {@code TFRecordDataset} and other TFRecord readers read the file, and {@link RecordReader}
     * reads it back. The items' positions and limits are left unchanged. The flusher reads an
     * item only while its batch is being written; until then the buffer holding it keeps a
     * reference, so <b>do not modify a ByteBuffer after writing it</b> (write a copy if you
     * reuse yours). A batch holding a null item or a payload over 2 GiB - 17 bytes is refused
     * whole ({@link NullPointerException}, {@link IllegalArgumentException}): nothing of it is
     * written.
     *
     * <p>Each batch is framed into a reused 256 KiB direct buffer and written with as few system
     * calls as it takes to write it all (larger records go out with a gathering write, uncopied);
     * when {@code accept} returns, the whole batch is in the file. The flusher writes at its own
     * file position: one flusher (in one process) per file. A failed batch is cut back before
     * {@code accept} throws, as for the text flushers; if the cut itself fails, a
     * {@link dev.mwsr.PartialFlushException} says how many records are whole in the file and the
     * torn rest is cut off before the next batch and at close, so the file stays a sequence of
     * whole records.
     *
     * <p>When appending, the existing file is first checked record header by record header
     * (payloads are not read) and a torn tail left by a writer that died mid-record is cut off, so
     * the new records follow the last whole one. A corrupt header is not cut off: opening fails,
     * naming its offset.
     *
     * @param path the file; created if missing
     * @param options append (keep the records, the default) or truncate, fsync per batch as for
     *     the text flushers, the framing buffer's size (0: 256 KiB)
     * @return the flusher, which owns the file until closed
     * @throws java.io.UncheckedIOException naming the file if it cannot be opened, or if (when
     *     appending) a complete record already in it has a corrupt header
     * @throws NullPointerException if {@code path} or {@code options} is null
     */
    static FileFlusher<java.nio.ByteBuffer> records(Path path, Options options) {
        return RecordFileFlusher.open(path, options);
    }
}
