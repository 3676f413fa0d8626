package dev.mwsr.jmh;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import dev.mwsr.logback.MwsrAsyncAppender;
import dev.mwsr.logback.MwsrFileAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
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
 * SLF4J/Logback events of exactly 100 bytes (a pattern layout with a timestamp, level and logger
 * name) from 1 and 4 threads into one file, through:
 * <ul>
 *   <li>{@code mwsr-file}: {@link MwsrFileAppender} (queue 8192, block flusher);
 *   <li>{@code mwsr-async}: {@link MwsrAsyncAppender} (queue 8192) around Logback's
 *       {@code FileAppender} ({@code immediateFlush=false});
 *   <li>{@code logback-async-tuned}: Logback's {@code AsyncAppender} tuned as its documentation
 *       advises for throughput (queue 8192, {@code discardingThreshold=0}) around a
 *       {@code FileAppender} with {@code immediateFlush=false};
 *   <li>{@code logback-async-default}: the same with every default (queue 256, discarding INFO
 *       when 80 % full, {@code immediateFlush=true}): shown on its own line, since it loses events;
 *   <li>{@code logback-file}: a plain {@code FileAppender}, {@code immediateFlush=false}.
 * </ul>
 * The score is events logged per microsecond. Every iteration logs into a fresh file; after it the
 * context is stopped (outside the measurement), the file's lines are counted, and events logged but
 * missing are reported in the {@code lostEvents} counter; then the file is deleted. The
 * {@code cpuNanos} and {@code cpuItems} counters are the process CPU time of each iteration until
 * the context stops and the events logged in it ({@link CpuClock}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LogbackBench {
    /** The layout before the message: "HH:mm:ss.SSS INFO  bench - " is 27 characters. */
    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger - %msg%n";
    /** 72 characters, so that a line with its '\n' is 100 bytes. */
    static final String MESSAGE = "GET /api/orders/{} 200 served by handler-7 in 42 us, cache hit, db 0 ms ";

    static final int LINE_BYTES = 100;

    @Param({"mwsr-file", "mwsr-async", "logback-async-tuned", "logback-async-default", "logback-file"})
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

        /** Events logged but not in the file (Logback's defaults discard by design). */
        public long lostEvents;

        @Setup(org.openjdk.jmh.annotations.Level.Trial)
        public void register(LogbackBench bench) {
            bench.tally.register(writer);
            bench.counters.add(this);
            owner = Thread.currentThread();
        }
    }

    @Setup(org.openjdk.jmh.annotations.Level.Iteration)
    public void open(CpuClock clock) throws IOException {
        Path parent = Path.of(dir.isEmpty() ? System.getProperty("java.io.tmpdir") : dir);
        file = Files.createTempFile(parent, "mwsr-jmh-logback-" + impl + "-", ".log");
        loggedBefore = tally.items();
        context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        context.setName("bench");
        Appender<ILoggingEvent> appender =
                switch (impl) {
                    case "mwsr-file" -> {
                        MwsrFileAppender a = new MwsrFileAppender();
                        a.setFile(file.toString());
                        a.setEncoder(encoder());
                        yield a;
                    }
                    case "mwsr-async" -> {
                        MwsrAsyncAppender a = new MwsrAsyncAppender();
                        a.setContext(context);
                        a.addAppender(fileAppender(false));
                        yield a;
                    }
                    case "logback-async-tuned" -> {
                        AsyncAppender a = new AsyncAppender();
                        a.setContext(context);
                        a.setQueueSize(8192);
                        a.setDiscardingThreshold(0);
                        a.addAppender(fileAppender(false));
                        yield a;
                    }
                    case "logback-async-default" -> {
                        AsyncAppender a = new AsyncAppender();
                        a.setContext(context);
                        a.addAppender(fileAppender(true));
                        yield a;
                    }
                    case "logback-file" -> fileAppender(false);
                    default -> throw new IllegalArgumentException("unknown impl " + impl);
                };
        appender.setContext(context);
        appender.setName(impl);
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalStateException(
                    impl + " did not start: " + context.getStatusManager().getCopyOfStatusList());
        }
        logger = context.getLogger("bench");
        logger.setLevel(Level.INFO);
        logger.setAdditive(false);
        logger.addAppender(appender);
        clock.start(loggedBefore);
    }

    private PatternLayoutEncoder encoder() {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(context);
        e.setPattern(PATTERN);
        e.start();
        return e;
    }

    private FileAppender<ILoggingEvent> fileAppender(boolean immediateFlush) {
        FileAppender<ILoggingEvent> f = new FileAppender<>();
        f.setContext(context);
        f.setName("file");
        f.setFile(file.toString());
        f.setImmediateFlush(immediateFlush);
        f.setEncoder(encoder());
        f.start();
        return f;
    }

    @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
    public void stopAndCount(CpuClock clock) throws IOException {
        clock.stop(tally.items());
        try {
            context.stop(); // every appender delivers what it still holds (Logback's: within maxFlushTime)
            long logged = tally.items() - loggedBefore;
            long size = Files.size(file);
            if (size % LINE_BYTES != 0) {
                throw new IllegalStateException(impl + " wrote " + size + " bytes: not whole lines of " + LINE_BYTES);
            }
            long lines = size / LINE_BYTES;
            if (lines > logged) {
                throw new IllegalStateException(impl + " wrote " + lines + " lines for " + logged + " events");
            }
            ownCounter().lostEvents += logged - lines;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The counter of the thread running this teardown (JMH reads it on that thread afterwards). */
    private Counter ownCounter() {
        for (Counter counter : counters) {
            if (counter.owner == Thread.currentThread()) {
                return counter;
            }
        }
        throw new IllegalStateException("iteration teardown on a thread that is not a logging thread");
    }

    private void log(Counter counter) {
        logger.info(MESSAGE, "ok");
        counter.writer.items++;
    }

    @Benchmark
    @Group("threads1")
    @GroupThreads(1)
    public void threads1(Counter counter, CpuClock.Counter cpu) {
        log(counter);
    }

    @Benchmark
    @Group("threads4")
    @GroupThreads(4)
    public void threads4(Counter counter, CpuClock.Counter cpu) {
        log(counter);
    }
}
