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
 * A file appender whose {@code <encoder>} runs on the logging threads, in parallel, while one
 * drainer thread writes the bytes, one write per batch (up to {@code bufferSize} at a time):
 * logging threads never do I/O.
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
 * <p><b>Properties:</b> those of {@link MwsrAppenderBase}, and
 * <ul>
 *   <li>{@code file}, required; relative to the working directory; missing parents are created.
 *   <li>{@code append}: continue an existing file (default) rather than truncate it.
 *   <li>{@code flusher}, case ignored: {@code block} (default; written when its buffer is full and
 *       at the end of every batch), {@code mmap} (the file cut to its exact length at stop) or
 *       {@code appendClose} (opened, written and closed per batch, for network drives); see
 *       {@link FileFlusher}.
 *   <li>{@code bufferSize}: a Logback file size such as {@code 256KB}, 64 bytes to 1 GB; default
 *       64 KB, and 32 MB mapped windows for {@code mmap}.
 *   <li>{@code fsync}: force every batch to the device (default false).
 *   <li>{@code encoder}: called from many threads at once, so it must be thread-safe (Logback's
 *       {@code PatternLayoutEncoder}, the default class, and the common JSON encoders are). Its
 *       header is written at start, its footer at stop; {@link #metrics()} counts both as items.
 * </ul>
 *
 * <p><b>Failures</b> (a full disk, a removed mount) are reported naming the file and retried per
 * batch by mwsr's bounded failure policy ({@code AsyncBuffer.Builder.retryFailedBatches}); the
 * {@link FileFlusher}s cut a failed batch back off the file, so a line is in the file whole and
 * once, or counted as dropped. {@code failures} in {@link #metrics()} counts the writes that threw.
 *
 * <p>Rolling is not supported: rename the file and restart the appender, or put Logback's
 * {@code RollingFileAppender} behind {@link MwsrAsyncAppender}.
 */
public class MwsrFileAppender extends MwsrAppenderBase {
    /*
     * Logging threads encode into a byte[] each; the drainer hands each batch to a FileFlusher,
     * which stays usable after a failed batch (its buffer cleared).
     */

    private String file;
    private boolean append = true;
    private String flusher = "block";
    private FileSize bufferSize;
    private boolean fsync;
    private Encoder<ILoggingEvent> encoder;

    private volatile LogBuffer<byte[]> buffer;
    private volatile FileFlusher<byte[]> out;

    /** Configure it, then {@link #start()} it. */
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

    private void deliver(List<byte[]> batch) {
        try {
            out.accept(batch);
        } finally {
            buffer.afterBatch();
        }
    }

    @Override
    void writeLast() {
        byte[] footer = encoder.footerBytes();
        if (footer != null && footer.length > 0) {
            buffer.write(footer);
        }
    }

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

    @Override
    protected void append(ILoggingEvent event) {
        buffer.write(encoder.encode(event));
    }

    // Properties: see the class comment.

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    public Encoder<ILoggingEvent> getEncoder() {
        return encoder;
    }

    public void setFile(String file) {
        this.file = file;
    }

    public String getFile() {
        return file;
    }

    public void setAppend(boolean append) {
        this.append = append;
    }

    public boolean isAppend() {
        return append;
    }

    public void setFlusher(String flusher) {
        this.flusher = flusher;
    }

    public String getFlusher() {
        return flusher;
    }

    public void setBufferSize(FileSize bufferSize) {
        this.bufferSize = bufferSize;
    }

    public FileSize getBufferSize() {
        return bufferSize;
    }

    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }

    public boolean isFsync() {
        return fsync;
    }
}
