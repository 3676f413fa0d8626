package dev.mwsr.logback;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.util.FileSize;
import dev.mwsr.AsyncBuffer.OverflowPolicy;
import dev.mwsr.Metrics;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * batch to the device; default false), {@code queueSize} (events waiting, default 8192),
 * {@code maxBatch}, {@code overflow} ({@code BLOCK} default), {@code appendTimeout} (unset),
 * {@code maxFlushTime} (milliseconds, default 10000, 0 for no bound) and {@code giveUpAfter}
 * (default 10 seconds), as for {@link MwsrAsyncAppender}. See {@link FileFlusher} for what each flusher writes when.
 *
 * <p><b>The encoder</b> is called from many threads at once, so it must be thread-safe; Logback's
 * {@code PatternLayoutEncoder} (the default when {@code <encoder>} names no class) and the common
 * JSON encoders are. Its header is written at start and its footer at stop.
 *
 * <p><b>Order and stop.</b> The lines of one logging thread are in the file in the order logged.
 * {@link #stop()} (and {@code LoggerContext.stop()}, and Logback's shutdown hook) refuses later
 * events, writes every accepted one, joins the drainer and closes the file before it returns,
 * waiting at most {@code maxFlushTime}; what it could not write is reported with its count.
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
 * <p>Rolling (by time or size) is not supported: use an external rotation that renames the file
 * and restart the appender, or Logback's {@code RollingFileAppender} behind
 * {@link MwsrAsyncAppender}.
 */
public class MwsrFileAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    /*
     * Implementation notes.
     *
     * Logging threads run encoder.encode(event) and write the byte[] into an AsyncBuffer<byte[]>;
     * the drainer passes each batch to a FileFlusher whose Encoder copies the bytes into its
     * buffer. The buffer, its drainer and drop reports are LogBuffer's; what happens when the
     * flusher throws is SinkFailures' (per batch: the FileFlusher is still usable after a failed
     * batch, its buffer cleared).
     */

    private String file;
    private boolean append = true;
    private String flusher = "block";
    private FileSize bufferSize;
    private boolean fsync;
    private int queueSize = MwsrAsyncAppender.DEFAULT_QUEUE_SIZE;
    private int maxBatch;
    private String overflow = "BLOCK";
    private int maxFlushTime = MwsrAsyncAppender.DEFAULT_MAX_FLUSH_TIME;
    private Duration giveUpAfter = MwsrAsyncAppender.DEFAULT_GIVE_UP_AFTER;
    private Duration appendTimeout;
    private Encoder<ILoggingEvent> encoder;

    private volatile LogBuffer<byte[]> buffer;
    private volatile FileFlusher<byte[]> out;

    /** Creates an appender; configure it, then {@link #start()} it. */
    public MwsrFileAppender() {}

    /**
     * Checks the configuration, opens the file and starts the drainer. Errors (no file or
     * encoder, a bad value, a file that cannot be opened) are reported to the status manager and
     * leave the appender stopped.
     */
    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        if (encoder == null) {
            addError("no encoder set for [" + name + "]: add an <encoder> with a <pattern>");
            return;
        }
        if (file == null || file.isBlank()) {
            addError("no file set for [" + name + "]: add <file>path/to/app.log</file>");
            return;
        }
        OverflowPolicy policy = LogBuffer.parseOverflow(overflow);
        if (policy == null) {
            addError("overflow must be one of BLOCK, DROP_NEWEST, DROP_OLDEST, WARN, GROW; was [" + overflow + "]");
            return;
        }
        if (queueSize < 1 || maxBatch < 0 || maxBatch > queueSize) {
            addError("queueSize must be at least 1 and maxBatch between 1 and queueSize; were " + queueSize + " and "
                    + maxBatch);
            return;
        }
        if (giveUpAfter.isNegative()) {
            addError("giveUpAfter must not be negative, was " + giveUpAfter);
            return;
        }
        if (!MwsrAsyncAppender.checkAppendTimeout(this, appendTimeout, policy)) {
            return;
        }
        FileFlusher<byte[]> opened;
        try {
            opened = open();
        } catch (IllegalArgumentException | UncheckedIOException | IOException e) {
            addError("[" + name + "] cannot open " + file + ": " + e.getMessage(), e);
            return;
        }
        out = opened;
        BatchFailures f = new BatchFailures(this, "writing " + opened.path(), giveUpAfter);
        LogBuffer<byte[]> b = new LogBuffer<>(
                this, name, queueSize, maxBatch, policy, appendTimeout, null, f, giveUpAfter, this::deliver);
        buffer = b;
        byte[] header = encoder.headerBytes();
        if (header != null && header.length > 0) {
            b.write(header);
        }
        addInfo("[" + name + "] writing " + opened.path() + " with the " + flusher + " flusher, queueSize " + queueSize
                + ", overflow " + policy);
        super.start();
    }

    private FileFlusher<byte[]> open() throws IOException {
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

    /**
     * Refuses later events, writes the accepted ones and the encoder's footer (for at most
     * {@code maxFlushTime}), joins the drainer, closes the file and reports drops and losses.
     */
    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        LogBuffer<byte[]> b = buffer;
        byte[] footer = encoder.footerBytes();
        if (footer != null && footer.length > 0) {
            b.write(footer);
        }
        b.stop(maxFlushTime);
        if (!b.drainerEnded()) {
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

    /**
     * The counters since {@link #start()}: events (and the header and footer, if any) enqueued,
     * written, dropped (overflow, refused after stop, or given up after I/O errors), pending, and
     * failed write attempts; exact once stopped.
     *
     * @return the metrics, all zero before the first start
     */
    public Metrics metrics() {
        LogBuffer<byte[]> b = buffer;
        return b == null ? new Metrics(0, 0, 0, 0, 0, 0) : b.metrics();
    }

    // ---------------------------------------------------------------------------------------
    // Properties (set by Joran from logback.xml, or by code before start()).

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

    /**
     * The most events waiting for the drainer.
     *
     * @param queueSize at least 1; default 8192
     */
    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    /**
     * The queue size.
     *
     * @return the most events waiting
     */
    public int getQueueSize() {
        return queueSize;
    }

    /**
     * The most events in one write batch; 0 (the default) means the queue size.
     *
     * @param maxBatch 0, or between 1 and the queue size
     */
    public void setMaxBatch(int maxBatch) {
        this.maxBatch = maxBatch;
    }

    /**
     * The batch bound.
     *
     * @return the most events per batch, 0 for the queue size
     */
    public int getMaxBatch() {
        return maxBatch;
    }

    /**
     * What a logging thread does when the queue is full; as {@link MwsrAsyncAppender#setOverflow}.
     *
     * @param overflow the policy name; default {@code BLOCK}
     */
    public void setOverflow(String overflow) {
        this.overflow = overflow;
    }

    /**
     * The overflow policy.
     *
     * @return the policy name
     */
    public String getOverflow() {
        return overflow;
    }

    /**
     * How long {@link #stop()} waits for the queue to be written, in milliseconds; 0 waits
     * without bound. Default 10000.
     *
     * @param maxFlushTime milliseconds
     */
    public void setMaxFlushTime(int maxFlushTime) {
        this.maxFlushTime = maxFlushTime;
    }

    /**
     * The stop grace period.
     *
     * @return milliseconds, 0 for no bound
     */
    public int getMaxFlushTime() {
        return maxFlushTime;
    }

    /**
     * How long a logging thread waits for room in a full queue before the overflow policy
     * applies; as {@link MwsrAsyncAppender#setAppendTimeout}.
     *
     * @param appendTimeout a Logback duration such as {@code 50 milliseconds}, not negative
     */
    public void setAppendTimeout(ch.qos.logback.core.util.Duration appendTimeout) {
        this.appendTimeout = Duration.ofMillis(appendTimeout.getMilliseconds());
    }

    /**
     * The bounded wait for room.
     *
     * @return the wait, or null if unset (the overflow policy alone decides)
     */
    public Duration getAppendTimeout() {
        return appendTimeout;
    }

    /**
     * How long a batch is retried after I/O errors before it is dropped and counted; in
     * {@code logback.xml} a Logback duration such as {@code 10 seconds}. Default 10 s.
     *
     * @param giveUpAfter not negative; 0 gives up at the second failed attempt, 1 ms after the first
     */
    public void setGiveUpAfter(ch.qos.logback.core.util.Duration giveUpAfter) {
        this.giveUpAfter = Duration.ofMillis(giveUpAfter.getMilliseconds());
    }

    /**
     * The retry bound.
     *
     * @return how long a failing batch is retried
     */
    public Duration getGiveUpAfter() {
        return giveUpAfter;
    }
}
