package dev.mwsr.log4j2;

import dev.mwsr.Metrics;
import dev.mwsr.io.FileFlusher;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.AppenderLoggingException;
import org.apache.logging.log4j.core.config.ConfigurationException;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginBuilderFactory;
import org.apache.logging.log4j.core.impl.LocationAware;

/**
 * {@code <MwsrFile>}: a file appender whose layout runs on the logging threads, in parallel, and
 * whose bytes one mwsr drainer thread writes through a {@link FileFlusher}, one write per batch (up
 * to {@code bufferSize} bytes at a time). Logging threads never do I/O (unless
 * {@code immediateFlush}) and never take a lock.
 *
 * <pre>{@code
 * <MwsrFile name="FILE" fileName="logs/app.log">
 *   <PatternLayout pattern="%d %-5level [%t] %logger{36} - %msg%n"/>
 * </MwsrFile>
 * }</pre>
 *
 * <p><b>Attributes.</b> {@code name}, a layout (default {@code %m%n}) and a filter; {@code fileName}
 * (required; missing parent directories are created), {@code append} (default true),
 * {@code immediateFlush} (default false; true: the line is in the file, handed to the operating
 * system, when the logging call returns, which costs the logging thread a wait for the drainer),
 * {@code flusher} ({@code block}, the default: lines gathered in a buffer written when full and at
 * the end of every batch; {@code mmap}: written into a mapped region, the file cut to its exact length
 * on stop; {@code appendClose}: opened, written and closed per batch, for network drives),
 * {@code bufferSize} (bytes; default 64 KiB, 32 MiB mapped windows for {@code mmap}), {@code fsync}
 * (force every batch to the device; default false), and the queue and stop attributes of
 * {@link MwsrAsyncAppender} with the queue's size named {@code queueSize} (default
 * {@value #DEFAULT_QUEUE_SIZE}; {@code bufferSize} is the file buffer's, as in Log4j's file
 * appenders): {@code overflow} (default {@code BLOCK}), {@code blocking}, {@code appendTimeout},
 * {@code shutdownTimeout} (default 0, without bound), {@code giveUpAfter} (default 10,000 ms) and
 * {@code ignoreExceptions}. A bad attribute, or a file that cannot be opened, is a configuration
 * error reported through the status logger: the appender is not created and writes nothing.
 *
 * <p><b>The layout</b> is called from many threads at once, so it must be thread-safe, as Log4j's
 * layouts are. Its header is written at start and its footer at stop.
 *
 * <p><b>Order and stop.</b> The lines of one logging thread are in the file in the order logged,
 * each once and whole. The stop writes every accepted line and the footer, joins the drainer and
 * closes the file, bounded by {@code shutdownTimeout} (what it then could not write is reported).
 *
 * <p><b>Failures.</b> An I/O error (a full disk, a removed mount) is reported naming the file, and
 * the batch is retried by the buffer's bounded failure policy, with a pause doubling up to 0.5 s,
 * until that batch has been failing for {@code giveUpAfter}; then its lines are dropped, counted in
 * {@link #metrics()} and reported, and the next batch is tried. Writing resumes by itself when the
 * file works again, reported with the count lost. The flushers cut a failed batch back off the file,
 * so a line is in the file whole and once, or counted as dropped. A failure is never thrown at a
 * logging thread.
 *
 * <p>Rolling is not supported: rotate the file externally, or use Log4j's
 * {@code <RollingRandomAccessFile>} behind {@link MwsrAsyncAppender}.
 */
@Plugin(name = "MwsrFile", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE, printObject = true)
public final class MwsrFileAppender extends AbstractAppender {
    /*
     * Implementation notes.
     *
     * Logging threads run layout.toByteArray(event) and write the byte[] into the EventQueue; the
     * drainer passes each batch to a FileFlusher whose Encoder copies the bytes into its buffer. The
     * queue, the drainer, the drop reports and the bounded stop are EventQueue's; what happens when
     * a write fails is BatchGiveUp's and core's bounded policy's (the FileFlusher stays usable after
     * a failed batch, which it cut back off the file).
     */

    /** The default {@code queueSize}. */
    public static final int DEFAULT_QUEUE_SIZE = 8192;

    private final QueueSettings settings;
    private final FileFlusher<byte[]> out;
    private final boolean immediateFlush;
    private final String flusherName;

    private volatile EventQueue<byte[]> queue;

    private MwsrFileAppender(
            String name,
            Filter filter,
            Layout<? extends Serializable> layout,
            boolean ignoreExceptions,
            Property[] properties,
            QueueSettings settings,
            FileFlusher<byte[]> out,
            boolean immediateFlush,
            String flusherName) {
        super(name, filter, layout, ignoreExceptions, properties);
        this.settings = settings;
        this.out = out;
        this.immediateFlush = immediateFlush;
        this.flusherName = flusherName;
    }

    /**
     * The builder Log4j fills from the configuration; also for code.
     *
     * @return a new builder
     */
    @PluginBuilderFactory
    public static Builder newBuilder() {
        return new Builder();
    }

    /** Starts the drainer and writes the layout's header. */
    @Override
    public void start() {
        if (isStarted()) {
            return;
        }
        BatchGiveUp giveUp = new BatchGiveUp(getName(), out.path(), settings.giveUpAfter());
        EventQueue<byte[]> q = new EventQueue<>(settings, giveUp.watch(out), giveUp::gaveUp, giveUp);
        queue = q;
        byte[] header = getLayout().getHeader();
        if (header != null && header.length > 0) {
            q.write(header);
        }
        EventQueue.STATUS.debug(
                "appender [{}] writes {} with the {} flusher, queueSize {}, overflow {}",
                getName(),
                out.path(),
                flusherName,
                settings.queueSize(),
                settings.overflow());
        super.start();
    }

    /** On the logging thread: lays the event out and queues the bytes. */
    @Override
    public void append(LogEvent event) {
        EventQueue<byte[]> q = queue;
        boolean accepted = q != null && q.write(getLayout().toByteArray(event));
        if (accepted && immediateFlush) {
            q.flush();
        }
        if (!accepted && !ignoreExceptions()) {
            throw new AppenderLoggingException("appender [" + getName() + "] refused an event (stopped, or the queue"
                    + " stayed full for appendTimeout); it is counted as dropped");
        }
    }

    /** Writes the footer, drains the queue (bounded by shutdownTimeout), then closes the file. */
    @Override
    public boolean stop(long timeout, TimeUnit timeUnit) {
        setStopping();
        EventQueue<byte[]> q = queue;
        if (q != null) {
            byte[] footer = getLayout().getFooter();
            if (footer != null && footer.length > 0) {
                q.write(footer);
            }
            q.stop();
        }
        if (q != null && !q.drainerEnded()) {
            EventQueue.STATUS.warn(
                    "appender [{}] leaves {} open: a write into it has not returned", getName(), out.path());
        } else {
            try {
                out.close();
            } catch (IOException e) {
                EventQueue.STATUS.error("appender [{}] cannot close {}: {}", getName(), out.path(), e.getMessage(), e);
            }
        }
        super.stop(timeout, timeUnit, false);
        setStopped();
        return true;
    }

    /**
     * Whether async loggers must take the caller's location: if the layout shows it.
     *
     * @return the layout's need
     */
    @Override
    public boolean requiresLocation() {
        return getLayout() instanceof LocationAware l && l.requiresLocation();
    }

    /**
     * The counters since start, in lines (the layout's header and footer included): enqueued,
     * written, dropped (overflow, refusals, and lines given up after failed writes), pending,
     * batches, and failures (write attempts that threw). Exact once stopped.
     *
     * @return the metrics, all zero before start
     */
    public Metrics metrics() {
        EventQueue<byte[]> q = queue;
        return q == null ? new Metrics(0, 0, 0, 0, 0, 0) : q.metrics(false);
    }

    /**
     * The file.
     *
     * @return the absolute path written
     */
    public Path getFile() {
        return out.path();
    }

    /**
     * The builder behind {@code <MwsrFile>}: its attributes are the class comment's.
     */
    public static final class Builder extends AbstractAppender.Builder<Builder>
            implements org.apache.logging.log4j.core.util.Builder<MwsrFileAppender> {
        @PluginBuilderAttribute
        private String fileName;

        @PluginBuilderAttribute
        private boolean append = true;

        @PluginBuilderAttribute
        private boolean immediateFlush;

        @PluginBuilderAttribute
        private String flusher = "block";

        @PluginBuilderAttribute
        private int bufferSize;

        @PluginBuilderAttribute
        private boolean fsync;

        @PluginBuilderAttribute
        private int queueSize = DEFAULT_QUEUE_SIZE;

        @PluginBuilderAttribute
        private Boolean blocking;

        @PluginBuilderAttribute
        private String overflow;

        @PluginBuilderAttribute
        private long appendTimeout = -1;

        @PluginBuilderAttribute
        private long shutdownTimeout;

        @PluginBuilderAttribute
        private long giveUpAfter = MwsrAsyncAppender.DEFAULT_GIVE_UP_AFTER;

        private Builder() {}

        /**
         * The file to write; relative paths resolve against the working directory.
         *
         * @param fileName the path
         * @return this builder
         */
        public Builder setFileName(String fileName) {
            this.fileName = fileName;
            return this;
        }

        /**
         * Whether to continue an existing file (default) rather than truncate it.
         *
         * @param append true to append
         * @return this builder
         */
        public Builder setAppend(boolean append) {
            this.append = append;
            return this;
        }

        /**
         * Whether each logging call returns only once its line is written.
         *
         * @param immediateFlush true to wait
         * @return this builder
         */
        public Builder setImmediateFlush(boolean immediateFlush) {
            this.immediateFlush = immediateFlush;
            return this;
        }

        /**
         * How batches reach the file.
         *
         * @param flusher {@code block}, {@code mmap} or {@code appendClose}, case ignored
         * @return this builder
         */
        public Builder setFlusher(String flusher) {
            this.flusher = flusher;
            return this;
        }

        /**
         * Bytes gathered before a write (for {@code mmap}, bytes per mapped window).
         *
         * @param bufferSize 0 for the default, else at least 64
         * @return this builder
         */
        public Builder setBufferSize(int bufferSize) {
            this.bufferSize = bufferSize;
            return this;
        }

        /**
         * Whether every batch is forced to the device.
         *
         * @param fsync true to force
         * @return this builder
         */
        public Builder setFsync(boolean fsync) {
            this.fsync = fsync;
            return this;
        }

        /**
         * The queue's size, in lines.
         *
         * @param queueSize at least 1
         * @return this builder
         */
        public Builder setQueueSize(int queueSize) {
            this.queueSize = queueSize;
            return this;
        }

        /**
         * {@code blocking=false} means {@code overflow=DROP_NEWEST}.
         *
         * @param blocking whether logging threads wait for room
         * @return this builder
         */
        public Builder setBlocking(boolean blocking) {
            this.blocking = blocking;
            return this;
        }

        /**
         * What a full queue does.
         *
         * @param overflow a policy name, case ignored
         * @return this builder
         */
        public Builder setOverflow(String overflow) {
            this.overflow = overflow;
            return this;
        }

        /**
         * How long a logging thread waits for room before {@code overflow} applies.
         *
         * @param appendTimeout milliseconds; negative for unset
         * @return this builder
         */
        public Builder setAppendTimeout(long appendTimeout) {
            this.appendTimeout = appendTimeout;
            return this;
        }

        /**
         * How long the stop may write, in milliseconds; 0 without bound.
         *
         * @param shutdownTimeout milliseconds, not negative
         * @return this builder
         */
        public Builder setShutdownTimeout(long shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
            return this;
        }

        /**
         * How long a failing batch is retried before its lines are dropped.
         *
         * @param giveUpAfter milliseconds, not negative
         * @return this builder
         */
        public Builder setGiveUpAfter(long giveUpAfter) {
            this.giveUpAfter = giveUpAfter;
            return this;
        }

        /**
         * Checks the attributes, opens the file and builds the appender (not started).
         *
         * @return the appender
         * @throws ConfigurationException with what to change, if an attribute is wrong or the file
         *     cannot be opened (nothing is left open)
         */
        @Override
        public MwsrFileAppender build() {
            QueueSettings s = QueueSettings.of(
                    getName(), "queueSize", queueSize, overflow, blocking, appendTimeout, shutdownTimeout, giveUpAfter);
            String at = "appender [" + getName() + "]: ";
            if (fileName == null || fileName.isBlank()) {
                throw new ConfigurationException(at + "no fileName; add fileName=\"logs/app.log\"");
            }
            String kind = flusher == null ? "block" : flusher.trim().toLowerCase(Locale.ROOT);
            if (!List.of("block", "mmap", "appendclose").contains(kind)) {
                throw new ConfigurationException(
                        at + "flusher must be block, mmap or appendClose; was [" + flusher + "]");
            }
            FileFlusher.Options options;
            try {
                options = FileFlusher.Options.DEFAULT
                        .withAppend(append)
                        .withFsync(fsync)
                        .withBufferSize(bufferSize);
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException(at + e.getMessage(), e);
            }
            FileFlusher<byte[]> out;
            try {
                Path path = Path.of(fileName).toAbsolutePath();
                Path parent = path.getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                dev.mwsr.io.Encoder<byte[]> bytes =
                        (item, sink) -> sink.reserve(item.length).put(item);
                out = switch (kind) {
                    case "mmap" -> FileFlusher.mmap(path, bytes, options);
                    case "appendclose" -> FileFlusher.appendClose(path, bytes, options);
                    default -> FileFlusher.block(path, bytes, options);
                };
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                throw new ConfigurationException(at + "cannot open " + fileName + ": " + e.getMessage(), e);
            }
            return new MwsrFileAppender(
                    getName(),
                    getFilter(),
                    getOrCreateLayout(),
                    isIgnoreExceptions(),
                    getPropertyArray(),
                    s,
                    out,
                    immediateFlush,
                    kind);
        }
    }
}
