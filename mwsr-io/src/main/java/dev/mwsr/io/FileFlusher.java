package dev.mwsr.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A flusher that owns a file: it writes each batch it is given and releases the file on
 * {@link #close()}. Close the buffer first (it delivers everything it accepted), then the flusher;
 * in try-with-resources, declare the flusher first:
 *
 * <pre>{@code
 * try (FileFlusher<CharSequence> file = FileFlusher.block(path);
 *      AsyncBuffer<String> log = new AsyncBuffer<>(1024, file)) {
 *     log.write("hello");
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One call at a time, each happening-before the next (every mwsr buffer ensures
 * it); {@link #close()} never concurrently with {@link #accept(Object)}. When {@code accept}
 * returns, the batch's bytes are with the operating system (for {@code mmap}: in the shared
 * mapping), visible to other processes; they are on the device only with {@link Options#fsync()}.
 *
 * <p><b>Failures.</b> An I/O error is thrown from {@code accept} as an
 * {@link java.io.UncheckedIOException} naming the file. <b>A batch whose call threw leaves no part
 * of itself in the file</b>, whatever failed (full disk, fsync, encoder): it is cut back before
 * {@code accept} throws, so the file plus the buffer's {@code undelivered()} hold every item once
 * and a retried batch is written once, with no torn line. Files are opened for append, so others
 * may write too: a flusher cuts back only while the file still ends where its own writes left it.
 * If another writer appended meanwhile, or the cut failed, nothing of anyone else is removed and
 * {@code accept} throws {@link dev.mwsr.PartialFlushException} naming the file, whose
 * {@code durable()} first items of the batch are whole in the file (part of the next may follow).
 *
 * <p><b>Interrupts.</b> An interrupt inside {@code accept} closes the
 * {@link java.nio.channels.FileChannel}; the flusher reopens the file, cuts the batch back, writes
 * it again (once) and returns normally with the interrupt flag set again.
 *
 * <p><b>Reopening for append.</b> Bytes a clean {@code close()} left are never removed. With
 * {@link Encoder#utf8Lines()}, a file whose last byte is not {@code '\n'} (a line torn by a crash,
 * or the zero tail of a crashed {@code mmap} file without end marker) gets a {@code '\n'} before
 * the first new line; the torn bytes are kept. Other encoders never look at existing bytes (binary
 * content is not guessed at). {@link #mmap(Path)} knows exactly where its data ends;
 * {@link #records(Path, Options)} cuts a torn record off.
 *
 * <p><b>Text flushers</b> ({@link #line(Path)}, {@link #block(Path)}, {@link #mmap(Path)},
 * {@link #appendClose(Path)}) write each item as {@link Encoder#utf8Lines()} does; as
 * {@code FileFlusher<CharSequence>} they plug into {@code AsyncBuffer<String>} or
 * {@code Buffer<StringBuilder>} with no cast. The overloads taking an {@link Encoder} write items of
 * any type. Every factory creates a missing file and throws {@link java.io.UncheckedIOException}
 * naming the file if it cannot be opened.
 *
 * <p><b>Encoding on the writing threads.</b> The text flushers (and the encoder-taking factories
 * given {@link Encoder#utf8Lines()}) are also {@link dev.mwsr.PreparingFlusher}{@code
 * <CharSequence, byte[]>}: an {@link dev.mwsr.AsyncBuffer} calls {@code prepare} on each writing
 * thread, which returns the item's UTF-8 bytes (what {@code utf8Lines} writes, without the
 * {@code '\n'}), and {@code acceptPrepared} writes each one and a {@code '\n'} through the same
 * batch writing as {@code accept}: the same bytes, every promise above. The one drainer thread
 * then only moves bytes, with no change to the caller's code. On that route a line is taken when
 * it is written (a {@code StringBuilder} changed after {@code write} is written as it was), and
 * a {@link dev.mwsr.FlushFailedException}'s {@code undelivered()} and {@code inDoubt()} hold those
 * {@code byte[]}s (decode them as UTF-8), not the items. {@link dev.mwsr.Buffer}, and an
 * {@code AsyncBuffer} with a dead-letter handler or {@code maxBatchBytes}, call {@code accept}.
 * Other encoders run on the thread that calls {@code accept} (they need not be thread-safe).
 *
 * @param <T> the item type
 */
public interface FileFlusher<T> extends Consumer<List<? extends T>>, Closeable {
    /** @return the file, as given when it was opened */
    Path path();

    /**
     * Writes one batch; see the class comment.
     *
     * @param batch the items, in order; not kept after the call
     * @throws java.io.UncheckedIOException if the file could not be written; nothing of the batch stays
     * @throws dev.mwsr.PartialFlushException if the batch failed and could not be cut back
     * @throws IllegalStateException if this flusher was closed
     * @throws NullPointerException if {@code batch} or an item is null
     */
    @Override
    void accept(List<? extends T> batch);

    /**
     * Releases the file (and any mapping), first truncating an {@code mmap} file to the bytes
     * written; idempotent.
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
     * {@link java.nio.channels.FileChannel#force FileChannel.force(true)} (for {@code mmap}, after a
     * force of the mapped range): when {@code accept} returns, the bytes and the file size were
     * handed to the device and it was told to make them durable; they survive a crash of the
     * process or the OS, and power loss on devices that honour cache flushes. A new file's
     * directory entry is not forced (that needs the parent directory). Costs a device round trip
     * per batch. Without it, bytes survive a process crash but not a machine crash.
     *
     * <p><b>Log rotation</b> ({@code reopenOnRotation}), checked at the start of every batch by the
     * text flushers. <b>Rename-and-create</b> (the file renamed; a new one, or none, takes the
     * path): the flusher finishes the renamed file (truncating an {@code mmap} file to its data),
     * closes it, reopens the path (creating it) and appends there. <b>copytruncate</b> (copied, then
     * cut shorter in place): it continues at the new end, never past it (an {@code mmap} flusher
     * drops its invalidated mapping). Either way each line batched before the rotation is in the
     * old file and each later one in the new, once and whole. Limits: lines written between the
     * rotator's copy and truncate are lost (as for every writer); a copy of an {@code mmap} file
     * includes its window's zero-filled rest, so rotate {@code mmap} files by rename; without file
     * keys ({@code BasicFileAttributes.fileKey()} null, as on Windows) only truncation is seen. Off
     * by default: it costs a {@code stat} per batch (plus an {@code fstat} for {@code mmap}, which
     * otherwise makes no system call per batch) and recreates a file someone deleted.
     * {@code appendClose} opens by path per batch and so follows both styles anyway.
     *
     * @param bufferSize bytes buffered before a write or mapped per window ({@code mmap});
     *     {@code 0}: 64 KiB, 32 MiB for {@code mmap}, 256 KiB for {@code records}
     * @param fsync whether every batch is forced to the storage device
     * @param append whether writing continues at the end of an existing file (the default) rather
     *     than truncating it when the flusher is opened
     * @param reopenOnRotation whether the text flushers follow a log rotator
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

        /** The canonical constructor with {@code reopenOnRotation} false. */
        public Options(int bufferSize, boolean fsync, boolean append) {
            this(bufferSize, fsync, append, false);
        }

        /** @return a copy with {@link #bufferSize()} {@code bytes} */
        public Options withBufferSize(int bytes) {
            return new Options(bytes, fsync, append, reopenOnRotation);
        }

        /** @return a copy with that {@link #fsync()} */
        public Options withFsync(boolean fsync) {
            return new Options(bufferSize, fsync, append, reopenOnRotation);
        }

        /** @return a copy that truncates an existing file when the flusher is opened */
        public Options truncate() {
            return new Options(bufferSize, fsync, false, reopenOnRotation);
        }

        /** @return a copy with that {@link #append()} */
        public Options withAppend(boolean append) {
            return new Options(bufferSize, fsync, append, reopenOnRotation);
        }

        /** @return a copy with that {@link #reopenOnRotation()} */
        public Options withReopenOnRotation(boolean reopen) {
            return new Options(bufferSize, fsync, append, reopen);
        }

        int bufferSizeOr(int defaultSize) {
            return bufferSize == 0 ? defaultSize : bufferSize;
        }
    }

    /**
     * A text flusher that writes each item with its own write, like a line-buffered stream: a
     * reader tailing the file sees every line as soon as it was flushed.
     */
    static FileFlusher<CharSequence> line(Path path) {
        return line(path, Options.DEFAULT);
    }

    /** {@link #line(Path)} with options; an item larger than the buffer takes several writes. */
    static FileFlusher<CharSequence> line(Path path, Options options) {
        return line(path, Encoder.utf8Lines(), options);
    }

    /** {@link #line(Path)} for items encoded by {@code encoder}. */
    static <T> FileFlusher<T> line(Path path, Encoder<? super T> encoder, Options options) {
        return TextFileFlusher.of(encoder, new LineFlusher<>(path, encoder, options));
    }

    /**
     * A text flusher that encodes items into a 64 KiB buffer and writes it when full and at the
     * end of every batch: the fewest system calls.
     */
    static FileFlusher<CharSequence> block(Path path) {
        return block(path, Options.DEFAULT);
    }

    /** {@link #block(Path)} with options. */
    static FileFlusher<CharSequence> block(Path path, Options options) {
        return block(path, Encoder.utf8Lines(), options);
    }

    /** {@link #block(Path)} for items encoded by {@code encoder}. */
    static <T> FileFlusher<T> block(Path path, Encoder<? super T> encoder, Options options) {
        return TextFileFlusher.of(encoder, new BlockFlusher<>(path, encoder, options));
    }

    /**
     * A text flusher that stores items into a shared mapping of the file, 32 MiB at a time. Each
     * window's disk space is allocated by writing zeros before it is mapped, so a full disk is an
     * {@link java.io.UncheckedIOException}, not a {@code SIGBUS} crash; when the disk cannot give a
     * whole window, a smaller one is mapped if the item fits. A file truncated by someone else
     * under the mapping fails the batch with an {@link java.io.UncheckedIOException} naming the
     * file. One {@code mmap} flusher per file.
     *
     * <p><b>After a crash.</b> While open, a side file {@code <file>.mmap-end} holds where the last
     * batch that returned normally ended (one 8-byte store per batch into a mapping, no system
     * call); a clean close truncates the file, then deletes the marker. Opening for append without
     * a marker takes all of the file as data (trailing zeros included, so binary items may end in
     * zeros); with one (kill -9, a machine crash) writing continues exactly where it says, the
     * bytes after it overwritten and cut off at the next close. So every batch that returned is
     * kept, binary or text, and text continues on a line of its own. Without {@code fsync} the
     * marker, like the data, survives the process but not necessarily the machine; with it the
     * data is forced before the marker.
     *
     * <p><b>mmap or block?</b> {@link #block(Path)} has more throughput: mmap writes every window
     * twice (zeros, then data). mmap makes no system call per batch: pick it for many small
     * batches, or for readers that map the file too. The mapping is released at {@code close()} on
     * Java 22+, by the garbage collector on Java 21.
     */
    static FileFlusher<CharSequence> mmap(Path path) {
        return mmap(path, Options.DEFAULT);
    }

    /** {@link #mmap(Path)} with options. */
    static FileFlusher<CharSequence> mmap(Path path, Options options) {
        return mmap(path, Encoder.utf8Lines(), options);
    }

    /** {@link #mmap(Path)} for items encoded by {@code encoder}. */
    static <T> FileFlusher<T> mmap(Path path, Encoder<? super T> encoder, Options options) {
        return TextFileFlusher.of(encoder, new MappedFlusher<>(path, encoder, options));
    }

    /**
     * A text flusher that holds no file open between batches: per batch it encodes all items into
     * one buffer (grown as needed), opens the file for append, writes the buffer, forces it with
     * {@code fsync}, and closes it. For network drives and files that others rotate or move.
     * {@code append == false} truncates once, when the flusher is created; {@code bufferSize} is the
     * initial size.
     */
    static FileFlusher<CharSequence> appendClose(Path path) {
        return appendClose(path, Options.DEFAULT);
    }

    /** {@link #appendClose(Path)} with options. */
    static FileFlusher<CharSequence> appendClose(Path path, Options options) {
        return appendClose(path, Encoder.utf8Lines(), options);
    }

    /** {@link #appendClose(Path)} for items encoded by {@code encoder}. */
    static <T> FileFlusher<T> appendClose(Path path, Encoder<? super T> encoder, Options options) {
        return TextFileFlusher.of(encoder, new AppendCloseFlusher<>(path, encoder, options));
    }

    /** {@link #records(Path, Options)} with the default options (appending). */
    static FileFlusher<java.nio.ByteBuffer> records(Path path) {
        return records(path, Options.DEFAULT);
    }

    /**
     * A flusher of records: each {@link java.nio.ByteBuffer} item, position to limit (left
     * unchanged), becomes one TFRecord record (u64 little-endian length, masked CRC-32C of the
     * length, payload, masked CRC-32C of the payload; no file header), readable by TensorFlow's
     * {@code TFRecordDataset} and by {@link RecordReader}. An item is read only when its batch is
     * written, so <b>do not modify a ByteBuffer after writing it</b>. A batch holding a null item
     * or a payload over 2 GiB - 17 bytes is refused whole ({@link NullPointerException},
     * {@link IllegalArgumentException}), nothing written.
     *
     * <p>Each batch is framed into a reused direct buffer ({@code bufferSize}, 0: 256 KiB) and written with as few system
     * calls as it takes (larger records go out uncopied in a gathering write). One flusher (in one
     * process) per file: it writes at its own position. {@code append}, {@code fsync} as for the
     * text flushers; rotation is not followed. A failed batch is cut back as for the text
     * flushers; if the cut fails, the {@link dev.mwsr.PartialFlushException} counts the whole
     * records and the torn rest is cut off before the next batch and at close, so the file stays a
     * sequence of whole records.
     *
     * <p>Appending first checks the file header by header (payloads unread) and cuts off a torn
     * tail, so new records follow the last whole one. A corrupt header is not cut off: opening
     * fails with an {@link java.io.UncheckedIOException} naming its offset.
     */
    static FileFlusher<java.nio.ByteBuffer> records(Path path, Options options) {
        return RecordFileFlusher.open(path, options);
    }
}
