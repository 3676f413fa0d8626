package dev.mwsr.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Does Log4j2's documented all-asynchronous setup deliver every line? {@code threads} threads log
 * {@code total} lines between them through {@code AsyncLoggerContextSelector} (set as the
 * {@code log4j2.contextSelector} system property before Log4j starts, as Log4j's manual says) into
 * a {@code RandomAccessFile} appender ({@code %m%n}, {@code immediateFlush=false}, from an XML
 * configuration file); everything else, the ring's size (256 Ki entries) included, is at Log4j's
 * defaults. After the threads are joined the program waits {@code pauseMs}, calls
 * {@code LogManager.shutdown()} and reads the file: a line is lost unless it is there, once and whole
 * (duplicates and malformed lines are counted apart). It prints one line naming the
 * Log4j, Disruptor and Java versions it ran on and exits 1 if any line is missing.
 *
 * <p>It is self-contained (only the Log4j API at compile time) and Java 17 compatible, so it also
 * runs as a single source file on any JDK 17+ with any Log4j and Disruptor jars:
 *
 * <pre>{@code java -cp log4j-api.jar:log4j-core.jar:disruptor.jar \
 *     jmh/src/main/java/dev/mwsr/jmh/Log4jLossCheck.java 4 20000 3000}</pre>
 *
 * {@code jmh/run.sh log4j-loss} runs the matrix (Disruptor 4.0.0 and 3.4.4, 1 and 4 threads,
 * every installed JDK 17+) with the versions the jmh pom names.
 */
public final class Log4jLossCheck {
    private Log4jLossCheck() {}

    /**
     * Runs the check and exits with status 1 if lines were lost.
     *
     * @param args threads (default 4), lines in total (default 20000), pause in ms before the
     *     shutdown (default 3000)
     * @throws IOException if the temporary files cannot be made or read
     * @throws InterruptedException if interrupted while joining the logging threads
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int total = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        long pauseMs = args.length > 2 ? Long.parseLong(args[2]) : 3_000;
        Path file = Files.createTempFile("mwsr-log4j-loss-", ".log");
        Path config = Files.createTempFile("mwsr-log4j-loss-", ".xml");
        try {
            Files.writeString(config, """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Configuration status="WARN">
                      <Appenders>
                        <RandomAccessFile name="file" fileName="%s" append="false" immediateFlush="false">
                          <PatternLayout pattern="%%m%%n"/>
                        </RandomAccessFile>
                      </Appenders>
                      <Loggers>
                        <Root level="info"><AppenderRef ref="file"/></Root>
                      </Loggers>
                    </Configuration>
                    """.formatted(file), StandardCharsets.UTF_8);
            System.setProperty(
                    "log4j2.contextSelector", "org.apache.logging.log4j.core.async.AsyncLoggerContextSelector");
            System.setProperty("log4j2.configurationFile", config.toString());
            Logger logger = LogManager.getLogger(Log4jLossCheck.class);
            String loggerClass = logger.getClass().getSimpleName();
            Thread[] loggers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                int lines = total / threads + (t < total % threads ? 1 : 0);
                loggers[t] = new Thread(() -> {
                    for (int i = 0; i < lines; i++) {
                        logger.info("thread {} line {}", id, i);
                    }
                });
                loggers[t].start();
            }
            for (Thread t : loggers) {
                t.join();
            }
            Thread.sleep(pauseMs);
            LogManager.shutdown();
            java.util.List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            long found = lines.size();
            long distinct = lines.stream().distinct().count();
            long malformed = lines.stream()
                    .filter(l -> !l.matches("thread \\d+ line \\d+"))
                    .count();
            long lost = total - (distinct - malformed);
            System.out.printf(
                    Locale.ROOT,
                    "log4j-core %s, %s, Java %s, %s: %d threads, %d written, %d lines in the file (%d duplicates, %d"
                            + " malformed), %d lost (%.1f %%)%n",
                    version("org.apache.logging.log4j.core.LoggerContext"),
                    jarName("com.lmax.disruptor.RingBuffer"),
                    Runtime.version(),
                    loggerClass,
                    threads,
                    total,
                    found,
                    found - distinct,
                    malformed,
                    lost,
                    100.0 * lost / total);
            if (lost != 0) {
                System.exit(1);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(config);
        }
    }

    private static String version(String className) {
        try {
            String v = Class.forName(className).getPackage().getImplementationVersion();
            return v != null ? v : "?";
        } catch (ClassNotFoundException e) {
            return "absent";
        }
    }

    /** The jar a class comes from, e.g. {@code disruptor-4.0.0.jar}: Disruptor's manifest has no version. */
    private static String jarName(String className) {
        try {
            var source = Class.forName(className).getProtectionDomain().getCodeSource();
            if (source == null) {
                return className + " (no jar)";
            }
            String path = source.getLocation().getPath();
            return path.substring(path.lastIndexOf('/') + 1);
        } catch (ClassNotFoundException e) {
            return "no Disruptor";
        }
    }
}
