package dev.mwsr.jmh;

import dev.mwsr.log4j2.MwsrAsyncAppender;
import dev.mwsr.log4j2.MwsrFileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.async.AsyncLoggerContext;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Log4j 2 events of exactly 100 bytes (the pattern and message of {@link LogbackBench}) from 1 and 4
 * threads into one file, through:
 * <ul>
 *   <li>{@code mwsr-file}: {@code <MwsrFile>} (queue 8192, block flusher);
 *   <li>{@code mwsr-async}: {@code <MwsrAsync>} (bufferSize 8192) over a {@code <RandomAccessFile>}
 *       with {@code immediateFlush=false};
 *   <li>{@code log4j-async}: Log4j's {@code <Async>} (bufferSize 8192, otherwise its defaults) over
 *       the same {@code <RandomAccessFile>};
 *   <li>{@code log4j-async-loggers}: all-async loggers (an {@link AsyncLoggerContext}, Log4j's
 *       defaults) into the {@code <RandomAccessFile>}, with <b>Disruptor 3.4.4</b>: this route
 *       refuses to run on Disruptor 4 (which loses events behind Log4j 2's async loggers); run the
 *       benchmark with {@code jmh/target/disruptor-3/disruptor-3.4.4.jar} first on the class path,
 *       as the command in {@code mwsr-log4j2/README.md} does;
 *   <li>{@code log4j-raf}: a plain {@code <RandomAccessFile>}, {@code immediateFlush=false}.
 * </ul>
 * The appenders are built with their builders and added to a started configuration (the shaded
 * benchmark jar keeps one Log4j plugin cache, so the mwsr plugins are not looked up by name). The
 * score is events logged per microsecond. Every iteration logs into a fresh file; after it the
 * context is stopped (outside the measurement), the file's lines are counted, and events logged but
 * missing are reported in the {@code lostEvents} counter; then the file is deleted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class Log4j2Bench {
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger - %msg%n";

    @Param({"mwsr-file", "mwsr-async", "log4j-async", "log4j-async-loggers", "log4j-raf"})
    public String impl;

    @Param("")
    public String dir;

    private LoggerContext context;
    private Logger logger;
    private Path file;
    private long loggedBefore;
    private final ConcurrentLinkedQueue<Counter> counters = new ConcurrentLinkedQueue<>();
    private final Tally tally = new Tally();

    /** One logging thread's count, and the events missing from the file in this iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Counter {
        final Writer writer = new Writer();
        Thread owner;

        /** Events logged but not in the file. */
        public long lostEvents;

        @Setup(org.openjdk.jmh.annotations.Level.Trial)
        public void register(Log4j2Bench bench) {
            bench.tally.register(writer);
            bench.counters.add(this);
            owner = Thread.currentThread();
        }
    }

    @Setup(org.openjdk.jmh.annotations.Level.Trial)
    public void checkDisruptor() {
        if (impl.equals("log4j-async-loggers")) {
            try {
                // present in Disruptor 3 only; Log4j 2.26 tells the versions apart the same way
                Class.forName("com.lmax.disruptor.SequenceReportingEventHandler");
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("log4j-async-loggers needs Disruptor 3.4.4 first on the class path:"
                        + " java -cp jmh/target/disruptor-3/disruptor-3.4.4.jar:jmh/target/benchmarks.jar"
                        + " org.openjdk.jmh.Main Log4j2Bench ...");
            }
        }
    }

    @Setup(org.openjdk.jmh.annotations.Level.Iteration)
    public void open() throws IOException {
        Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
        file = Files.createTempFile(parent, "mwsr-jmh-log4j2-" + impl + "-", ".log");
        loggedBefore = tally.items();
        boolean raf = !impl.equals("mwsr-file");
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setConfigurationName("mwsr-jmh");
        b.setStatusLevel(Level.WARN);
        if (raf) {
            b.add(b.newAppender("raf", "RandomAccessFile")
                    .addAttribute("fileName", file.toString())
                    .addAttribute("append", false)
                    .addAttribute("immediateFlush", false)
                    .add(b.newLayout("PatternLayout").addAttribute("pattern", PATTERN)));
        }
        b.add(b.newRootLogger(Level.OFF));
        b.add(b.newLogger("bench", Level.INFO).addAttribute("additivity", false));
        Configuration config = b.build(false);
        String name = "mwsr-jmh-" + file.getFileName();
        context = impl.equals("log4j-async-loggers") ? new AsyncLoggerContext(name) : new LoggerContext(name);
        context.start(config);
        AppenderRef[] toRaf = {AppenderRef.createAppenderRef("raf", null, null)};
        Appender appender =
                switch (impl) {
                    case "mwsr-file" ->
                        MwsrFileAppender.newBuilder()
                                .setFileName(file.toString())
                                .setAppend(false)
                                .setName(impl)
                                .setConfiguration(config)
                                .setLayout(PatternLayout.newBuilder()
                                        .setPattern(PATTERN)
                                        .setConfiguration(config)
                                        .build())
                                .build();
                    case "mwsr-async" ->
                        MwsrAsyncAppender.newBuilder()
                                .setAppenderRefs(toRaf)
                                .setBufferSize(8192)
                                .setName(impl)
                                .setConfiguration(config)
                                .build();
                    case "log4j-async" ->
                        AsyncAppender.newBuilder()
                                .setAppenderRefs(toRaf)
                                .setBufferSize(8192)
                                .setName(impl)
                                .setConfiguration(config)
                                .build();
                    case "log4j-async-loggers", "log4j-raf" -> config.getAppender("raf");
                    default -> throw new IllegalArgumentException("unknown impl " + impl);
                };
        if (appender != config.getAppender("raf")) {
            config.addAppender(appender);
            appender.start();
        }
        config.getLoggerConfig("bench").addAppender(appender, null, null);
        context.updateLoggers();
        logger = context.getLogger("bench");
    }

    @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
    public void stopAndCount() throws IOException {
        try {
            context.stop(1, TimeUnit.MINUTES); // every appender delivers what it still holds
            long logged = tally.items() - loggedBefore;
            long size = Files.size(file);
            if (size % LogbackBench.LINE_BYTES != 0) {
                throw new IllegalStateException(
                        impl + " wrote " + size + " bytes: not whole lines of " + LogbackBench.LINE_BYTES);
            }
            long lines = size / LogbackBench.LINE_BYTES;
            if (lines > logged) {
                throw new IllegalStateException(impl + " wrote " + lines + " lines for " + logged + " events");
            }
            ownCounter().lostEvents += logged - lines;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private Counter ownCounter() {
        for (Counter counter : counters) {
            if (counter.owner == Thread.currentThread()) {
                return counter;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread that is not a logging thread");
    }

    private void log(Counter counter) {
        logger.info(LogbackBench.MESSAGE, "ok");
        counter.writer.items++;
    }

    @Benchmark
    @Group("threads1")
    @GroupThreads(1)
    public void threads1(Counter counter) {
        log(counter);
    }

    @Benchmark
    @Group("threads4")
    @GroupThreads(4)
    public void threads4(Counter counter) {
        log(counter);
    }
}
