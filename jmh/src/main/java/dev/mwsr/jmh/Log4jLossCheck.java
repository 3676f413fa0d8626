package dev.mwsr.jmh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Stand-alone check of what {@link FileBench} found about its Log4j2 peer: {@code threads} threads
 * log {@code lines} lines each through {@link Log4jSink}, the context is stopped (which drains
 * the ring), and the file is counted. With Log4j 2.24.3 and Disruptor 4.0.0 on the class path,
 * several threads lose lines as soon as the ring fills; one thread loses none.
 *
 * <pre>{@code java -cp jmh/target/benchmarks.jar dev.mwsr.jmh.Log4jLossCheck 4 5000}</pre>
 */
public final class Log4jLossCheck {
    private Log4jLossCheck() {}

    /**
     * Runs the check and exits with status 1 if lines were lost.
     *
     * @param args threads (default 4) and lines per thread (default 5000)
     * @throws IOException if the temporary file cannot be made or read
     * @throws InterruptedException if interrupted while joining the logging threads
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int lines = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        Path file = Files.createTempFile("mwsr-log4j-check-", ".log");
        try {
            Log4jSink sink = new Log4jSink(file);
            Thread[] loggers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                loggers[t] = new Thread(() -> {
                    for (int i = 0; i < lines; i++) {
                        sink.write(LineSink.LINE);
                    }
                });
                loggers[t].start();
            }
            for (Thread logger : loggers) {
                logger.join();
            }
            sink.close();
            long written = (long) threads * lines;
            long found = Files.size(file) / LineSink.LINE_BYTES;
            System.out.printf(
                    "%d threads x %d lines: %d written, %d in the file, %d lost%n",
                    threads, lines, written, found, written - found);
            if (found != written) {
                System.exit(1);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
