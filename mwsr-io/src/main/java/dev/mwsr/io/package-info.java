/**
 * Flushers that write batches to files: text lines and items of any type ({@link
 * dev.mwsr.io.FileFlusher}), bytes ({@link dev.mwsr.io.ByteChannelFlusher}) and TFRecord record
 * files ({@link dev.mwsr.io.FileFlusher#records}, {@link dev.mwsr.io.RecordReader}, sharded in
 * {@link dev.mwsr.io.ShardedRecordWriter}).
 *
 * <h2>What every file flusher of {@link dev.mwsr.io.FileFlusher} promises</h2>
 *
 * <p><b>Failures.</b> An I/O error is thrown from {@code accept} as an
 * {@link java.io.UncheckedIOException} whose message names the file, so it reaches the buffer's
 * failure path; nothing is swallowed. <b>A batch whose call threw leaves no part of itself in the
 * file</b> (whatever the failure: a full disk, a failed fsync, an encoder that threw): what it
 * wrote is cut back off before {@code accept} throws, so the file plus the buffer's
 * {@code undelivered()} hold every item once, and a retried batch is written once, with no torn
 * line. The files are opened for append, so another process may write to them too: a flusher cuts
 * back only while the file still ends where its own writes left it. If the file changed otherwise
 * (another writer appended) or the cut itself failed, nothing of anyone else is removed and
 * {@code accept} throws {@link dev.mwsr.PartialFlushException} instead, naming the file, whose
 * {@code durable()} items at the start of the batch are whole in the file (part of the next one
 * may follow them). Opening the file fails the same way, from the factory.
 *
 * <p><b>Interrupts.</b> An interrupt that reaches the thread while it is inside {@code accept}
 * (a {@code Future.cancel(true)}, a scope shutting down) closes the {@link
 * java.nio.channels.FileChannel}, as it closes any interruptible channel. The flusher then opens
 * the file again, cuts the batch back as above, writes it again (once) and returns normally with
 * the interrupt flag set again for the caller.
 *
 * <p><b>Reopening for append.</b> Bytes a clean {@code close()} left are never removed. After a
 * crash: with the text encoder ({@link dev.mwsr.io.Encoder#utf8Lines()}), a file whose last byte is not
 * {@code '\n'} (a line torn by the crash, or the zero tail of a crashed {@code mmap} file that has
 * no end marker) gets a {@code '\n'} before the first new line, so new lines always start on a
 * line of their own; the torn bytes are kept. With any other encoder the existing bytes are never
 * looked at (binary content is not guessed at) and new items follow them. {@code mmap} knows
 * where its data ends exactly (below).
 *
 * <p><b>mmap files after a crash.</b> While an {@code mmap} flusher is open, a side file {@code <file>.mmap-end} holds
 * where the last batch that returned normally ended (one 8-byte store per batch into a
 * mapping, no system call); a clean close truncates the file and then deletes the marker.
 * Opening for append: without a marker the file was closed cleanly and all of it is data
 * (trailing zero bytes included, so binary items may end in zeros); with a marker the writer
 * died (kill -9, a crash of the machine), and writing continues exactly where the marker says:
 * the bytes after it (a batch that never returned, the rest of the last window) are
 * overwritten and cut off at the next close. So every batch that returned is kept, binary or
 * text, and text continues on a line of its own. Without {@code fsync} the marker survives the
 * death of the process but, like the data, not necessarily a crash of the machine; with it the
 * data is forced before the marker.
 *
 * <p><b>Durability.</b> With {@link dev.mwsr.io.FileFlusher.Options#fsync()}, every batch ends
 * with {@link java.nio.channels.FileChannel#force FileChannel.force(true)} (and, for {@code mmap},
 * a force of the mapped range). When {@code accept} returns, the batch's bytes and the file's size
 * have been handed to the storage device and the device was told to make them durable: they
 * survive a crash of the process or of the operating system, and a power loss on devices that
 * honour cache flushes. It does not make a newly created file's directory entry durable (that
 * needs a force of the parent directory), and it costs a device round trip per batch. Without it,
 * bytes survive a crash of the process but not of the machine.
 *
 * <h2>Log rotation</h2>
 *
 * <p>With {@link dev.mwsr.io.FileFlusher.Options#reopenOnRotation()}, the text flushers follow a
 * log rotator ({@code logrotate} and friends), checked at the start of every batch.
 * <b>Rename-and-create</b> (the
 * rotator renames the file and a new one takes its path, or none does): the flusher
 * finishes with the renamed file (an {@code mmap} file is first truncated to its data)
 * and closes it, then opens the path again (creating it if needed) and appends there.
 * <b>copytruncate</b> (the file is copied and cut to a shorter size in place): the flusher
 * continues at the new end, never past it ({@code block}, {@code line} in truncate mode;
 * an {@code mmap} flusher drops its mapping, which the cut invalidated). Either way every
 * line that was in a batch before the rotation is in the old file and every later one in
 * the new file, exactly once and whole. Limits: lines that the flusher wrote between the
 * rotator's copy and its truncate are lost (copytruncate's own window, as for every
 * writer); a copy of an {@code mmap} file includes the zero-filled rest of its current
 * window (see {@link dev.mwsr.io.FileFlusher#mmap(java.nio.file.Path)}), so rotate {@code mmap} files by rename; a file system
 * without file keys ({@code BasicFileAttributes.fileKey()} null, as on Windows) shows
 * only truncation. Off by default: it costs a {@code stat} of the path per batch (and,
 * for {@code mmap}, which otherwise makes no system call per batch, an {@code fstat} as
 * well), and it makes the flusher create a file that someone deleted, which a user
 * should ask for. {@code appendClose} opens the file by its path for every batch in
 * append mode, so it follows both styles with or without this option. Record files
 * ({@link dev.mwsr.io.FileFlusher#records}) ignore it.
 *
 * <h2>Record files</h2>
 *
 * <p>What {@link dev.mwsr.io.FileFlusher#records(java.nio.file.Path,
 * dev.mwsr.io.FileFlusher.Options)} does beyond the promises above.
 *
 * <p>Each batch is framed into a reused 256 KiB direct buffer and written with as few system
 * calls as it takes to write it all (larger records go out with a gathering write, uncopied);
 * when {@code accept} returns, the whole batch is in the file. If a batch fails midway, its
 * partial bytes are cut off before the next batch and at close, so the file stays a sequence
 * of whole records.
 *
 * <p>When appending, the existing file is first checked record header by record header
 * (payloads are not read) and a torn tail left by a writer that died mid-record is cut off,
 * so the new records follow the last whole one. A corrupt header is not cut off: opening
 * fails, naming its offset.
 *
 * <p>The flusher writes at its own file position: one flusher (in one process) per file.
 * A failed batch is cut back before {@code accept} throws, as above; if the
 * cut itself fails, a {@link dev.mwsr.PartialFlushException} says how many records are whole
 * in the file and the torn rest is cut before the next batch and at close. An interrupt that
 * closes the channel during a batch is survived as above.
 */
package dev.mwsr.io;
