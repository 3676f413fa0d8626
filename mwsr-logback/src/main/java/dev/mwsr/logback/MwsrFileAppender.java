package dev.mwsr.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.util.FileSize;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A file appender whose {@code <encoder>} runs on the logging threads, in parallel, and whose bytes
 * are written by one mwsr drainer thread, one write per batch (up to {@code bufferSize} bytes at a
 * time): logging threads never do I/O and never take a lock.
 *
 * <pre>{@code
 * <appender name="FILE" class="dev.mwsr.logback.MwsrFileAppender">
 *   <file>logs/app.log</file>
 *   <encoder>
 *     <pattern>%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n</pattern>
 *   </encoder>
 * </appender>
 * }</pre>
 *
 * <p><b>Properties.</b> {@code file} (required; missing parent directories are created),
 * {@code append} (default true), {@code flusher} ({@code block} default: encoded events are
 * gathered in a buffer written when full and at the end of every batch; {@code mmap}: written into
 * a mapped region, the file cut to its exact length on stop; {@code appendClose}: opened, written
 * and closed per batch, for network drives), {@code bufferSize} (a Logback file size such as
 * {@code 256KB}; default 64 KB, 32 MB mapped windows for {@code mmap}), {@code fsync} (force every
 * batch to the device; default false), and those of {@link MwsrAppenderBase} ({@code queueSize},
 * {@code maxBatch}, {@code overflow}, {@code appendTimeout}, {@code maxFlushTime},
 * {@code giveUpAfter}). See {@link FileFlusher} for what each flusher writes when.
 *
 * <p><b>The encoder</b> is called from many threads at once, so it must be thread-safe; Logback's
 * {@code PatternLayoutEncoder} (the default when {@code <encoder>} names no class) and the common
 * JSON encoders are. Its header is written at start and its footer at stop.
 *
 * <p><b>Order and stop.</b> The lines of one logging thread are in the file in the order logged.
 * {@link #stop()} (see {@link MwsrAppenderBase}) writes every accepted event and the encoder's
 * footer, joins the drainer and closes the file before it returns.
 *
 * <p><b>Failures.</b> An I/O error (a full disk, a removed mount) is reported through the status
 * manager naming the file, and the batch is retried by the buffer's bounded failure policy
 * ({@code AsyncBuffer.Builder.retryFailedBatches(maxBackoff, giveUpAfter, deadLetter)}): with a
 * pause doubling up to 0.5 s until that batch has been failing for {@code giveUpAfter}; then its
 * events are dropped, counted in {@link #metrics()} and reported (the first batch of an outage at
 * once, then at most once a second), and the next batch is tried. So logging threads wait at most
 * {@code giveUpAfter} per failing batch, and only under {@code BLOCK} with a full queue: each
 * batch given up on makes room. Writing resumes by itself when the file works again, and that is
 * reported with the count lost. The {@link FileFlusher}s cut a failed batch back off the file, so
 * a line is in the file whole and once, or counted as dropped: never torn, never repeated by a
 * retry. A failure is never thrown at a logging thread.
 *
 * <p>{@link #metrics()} counts the encoder's header and footer (if any) as items; its failures are
 * the write attempts that threw.
 *
 * <p>Rolling (by time or size) is not supported: use an external rotation that renames the file
 * and restart the appender, or Logback's {@code RollingFileAppender} behind
 * {@link MwsrAsyncAppender}.
 */
public class MwsrFileAppender extends MwsrAppenderBase {
    /*
     * Implementation notes.
     *
     * Logging threads run encoder.encode(event) and write the byte[] into an AsyncBuffer<byte[]>;
     * the drainer passes each batch to a FileFlusher whose Encoder copies the bytes into its
     * buffer. The queue, the lifecycle and the shared properties are MwsrAppenderBase's, the
     * buffer, its drainer and drop reports LogBuffer's; what happens when the flusher throws is
     * BatchFailures' and core's bounded policy's (per batch: the FileFlusher is still usable after
     * a failed batch, its buffer cleared).
     */

    private String file;
    private boolean append = true;
    private String flusher = "block";
    private FileSize bufferSize;
    private boolean fsync;
    private Encoder<ILoggingEvent> encoder;

    private volatile LogBuffer<byte[]> buffer;
    private volatile FileFlusher<byte[]> out;

    /** Creates an appender; configure it, then {@link #start()} it. */
    public MwsrFileAppender() {
        super("BLOCK");
    }

    @Override
    boolean checkOwn() {
        if (encoder == null) {
            addError("no encoder set for [" + name + "]: add an <encoder> with a <pattern>");
            return false;
        }
        if (file == null || file.isBlank()) {
            addError("no file set for [" + name + "]: add <file>path/to/app.log</file>");
            return false;
        }
        return true;
    }

    /** Opens the file (errors reported, the appender left stopped), then the buffer; writes the header. */
    @Override
    LogBuffer<?> open(OverflowPolicy policy) {
        FileFlusher<byte[]> opened;
        try {
            opened = openFile();
        } catch (IllegalArgumentException | UncheckedIOException | IOException e) {
            addError("[" + name + "] cannot open " + file + ": " + e.getMessage(), e);
            return null;
        }
        out = opened;
        Outage outage = new Outage(
                this,
                "writing " + opened.path(),
                "retrying each batch for " + getGiveUpAfter(),
                ", each after its batch failed for " + getGiveUpAfter() + "; writing resumes when it works again");
        LogBuffer<byte[]> b = newBuffer(policy, outage, null, this::deliver);
        buffer = b;
        byte[] header = encoder.headerBytes();
        if (header != null && header.length > 0) {
            b.write(header);
        }
        addInfo("[" + name + "] writing " + opened.path() + " with the " + flusher + " flusher, queueSize "
                + getQueueSize() + ", overflow " + policy);
        return b;
    }

    private FileFlusher<byte[]> openFile() throws IOException {
        Path path = Path.of(file).toAbsolutePath();
        Path parent = path.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        FileFlusher.Options options = FileFlusher.Options.DEFAULT
                .withAppend(append)
                .withFsync(fsync)
                .withBufferSize(bufferSize == null ? 0 : (int) Math.min(Integer.MAX_VALUE, bufferSize.getSize()));
        dev.mwsr.io.Encoder<byte[]> bytes =
                (item, sink) -> sink.reserve(item.length).put(item);
        return switch (flusher.trim().toLowerCase(Locale.ROOT)) {
            case "block" -> FileFlusher.block(path, bytes, options);
            case "mmap" -> FileFlusher.mmap(path, bytes, options);
            case "appendclose" -> FileFlusher.appendClose(path, bytes, options);
            default ->
                throw new IllegalArgumentException("flusher must be block, mmap or appendClose; was [" + flusher + "]");
        };
    }

    /**
     * On the drainer thread: one batch into the file. A failure is thrown to the buffer, whose
     * bounded policy retries the batch (the flusher has cut back what of it reached the file).
     */
    private void deliver(List<byte[]> batch) {
        try {
            out.accept(batch);
        } finally {
            buffer.afterBatch();
        }
    }

    /** In stop(), before the drain: the encoder's footer. */
    @Override
    void writeLast() {
        byte[] footer = encoder.footerBytes();
        if (footer != null && footer.length > 0) {
            buffer.write(footer);
        }
    }

    /** In stop(), after the drain: closes the file, unless a write into it has not returned. */
    @Override
    void closeSink() {
        if (!buffer.drainerEnded()) {
            addWarn("[" + name + "] leaves " + out.path() + " open: a write into it has not returned");
            return;
        }
        try {
            out.close();
        } catch (IOException e) {
            addError("[" + name + "] cannot close " + out.path() + ": " + e.getMessage(), e);
        }
    }

    /** On the logging thread: encodes the event and queues the bytes. */
    @Override
    protected void append(ILoggingEvent event) {
        buffer.write(encoder.encode(event));
    }

    // ---------------------------------------------------------------------------------------
    // Properties of its own (the shared ones are MwsrAppenderBase's).

    /**
     * The encoder that turns each event into bytes, on the logging thread; it must be
     * thread-safe.
     *
     * @param encoder the encoder
     */
    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    /**
     * The encoder.
     *
     * @return the encoder, or null
     */
    public Encoder<ILoggingEvent> getEncoder() {
        return encoder;
    }

    /**
     * The file to write; relative paths are resolved against the working directory.
     *
     * @param file the path
     */
    public void setFile(String file) {
        this.file = file;
    }

    /**
     * The file.
     *
     * @return the path as configured, or null
     */
    public String getFile() {
        return file;
    }

    /**
     * Whether to continue an existing file (default) rather than truncate it at start.
     *
     * @param append true to append
     */
    public void setAppend(boolean append) {
        this.append = append;
    }

    /**
     * The append setting.
     *
     * @return true if appending
     */
    public boolean isAppend() {
        return append;
    }

    /**
     * How batches reach the file: {@code block} (default), {@code mmap} or {@code appendClose},
     * case ignored; see the class comment.
     *
     * @param flusher the flusher name
     */
    public void setFlusher(String flusher) {
        this.flusher = flusher;
    }

    /**
     * The flusher name.
     *
     * @return the name as configured
     */
    public String getFlusher() {
        return flusher;
    }

    /**
     * Bytes gathered before a write (for {@code mmap}: the size of each mapped window).
     *
     * @param bufferSize a size of at least 64 bytes; unset for the flusher's default
     */
    public void setBufferSize(FileSize bufferSize) {
        this.bufferSize = bufferSize;
    }

    /**
     * The buffer size.
     *
     * @return the size as configured, or null for the default
     */
    public FileSize getBufferSize() {
        return bufferSize;
    }

    /**
     * Whether every batch is forced to the storage device before the next (survives a machine
     * crash; costs a device round trip per batch). Default false.
     *
     * @param fsync true to force every batch
     */
    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }

    /**
     * The fsync setting.
     *
     * @return true if every batch is forced
     */
    public boolean isFsync() {
        return fsync;
    }
}
