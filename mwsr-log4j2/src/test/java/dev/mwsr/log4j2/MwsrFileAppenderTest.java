package dev.mwsr.log4j2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code <MwsrFile>}, alone and behind {@code <MwsrAsync>}, in real Log4j configurations. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class MwsrFileAppenderTest {
    @TempDir
    Path dir;

    private Path mounted;

    @AfterEach
    void unmount() throws Exception {
        if (mounted != null) {
            run("umount", mounted.toString());
        }
    }

    /**
     * 8 platform threads × 20,000 events and 10,000 virtual threads × 10 into {@code <MwsrFile>}
     * behind {@code <MwsrAsync>}: every line in the file once, whole, each thread's in order.
     */
    @Test
    void manyPlatformAndVirtualThreads_everyLineOnce_inEachThreadsOrder() throws Exception {
        Path file = dir.resolve("app.log");
        try (Logs logs =
                Logs.start(dir, "async-file.xml", "FILE", file.toString(), "FILE_ATTRS", "", "QUEUE", "1024")) {
            Logger log = logs.logger();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        log.info("p{} {}", id, i);
                    }
                }));
            }
            for (int t = 0; t < 10_000; t++) {
                int id = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < 10; i++) {
                        log.info("v{} {}", id, i);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            logs.stop();
        }
        Map<String, Integer> next = new HashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines) {
            String[] parts = line.split(" ");
            assertEquals(2, parts.length, () -> "a whole line: [" + line + "]");
            int expected = next.getOrDefault(parts[0], 0);
            assertEquals(expected, Integer.parseInt(parts[1]), () -> parts[0] + " in order, each line once");
            next.put(parts[0], expected + 1);
        }
        assertEquals(8 * 20_000 + 10_000 * 10, lines.size());
        assertEquals(8 + 10_000, next.size());
    }

    /** Header and footer from the layout; the lines in order; the file closed at stop. */
    @Test
    void writesHeaderLinesFooter_andAppendsByDefault() throws Exception {
        Path file = dir.resolve("sub/app.log");
        for (int run = 0; run < 2; run++) {
            try (Logs logs = Logs.start(
                    dir, "file.xml", "FILE", file.toString(), "FILE_ATTRS", "", "HEADER", "H%n", "FOOTER", "F%n")) {
                MwsrFileAppender appender = logs.appender("FILE");
                for (int i = 0; i < 3; i++) {
                    logs.logger().info("line {}", i);
                }
                logs.stop();
                assertEquals(new Metrics(5, 5, 0, 0, appender.metrics().batches(), 0), appender.metrics());
            }
        }
        assertEquals(
                List.of("H", "line 0", "line 1", "line 2", "F", "H", "line 0", "line 1", "line 2", "F"),
                Files.readAllLines(file));
    }

    /** immediateFlush=true: the line is in the file when the logging call returns. */
    @Test
    void immediateFlush_lineIsInTheFileWhenTheCallReturns() throws Exception {
        Path file = dir.resolve("app.log");
        try (Logs logs = Logs.start(
                dir,
                "file.xml",
                "FILE",
                file.toString(),
                "FILE_ATTRS",
                "immediateFlush=\"true\"",
                "HEADER",
                "",
                "FOOTER",
                "")) {
            for (int i = 0; i < 50; i++) {
                logs.logger().info("line {}", i);
                assertEquals("line " + i, Files.readAllLines(file).get(i));
            }
        }
    }

    /** mmap: the file holds exactly the lines, no trailing zeros, after stop. */
    @Test
    void mmapFlusher_fileCutToItsLines() throws Exception {
        Path file = dir.resolve("app.log");
        try (Logs logs = Logs.start(
                dir,
                "file.xml",
                "FILE",
                file.toString(),
                "FILE_ATTRS",
                "flusher=\"mmap\" bufferSize=\"4096\"",
                "HEADER",
                "",
                "FOOTER",
                "")) {
            for (int i = 0; i < 1000; i++) {
                logs.logger().info("line {}", i);
            }
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(1000, lines.size());
        assertEquals("line 999", lines.get(999));
    }

    /** Bad attributes: a clear status error, no appender, no file. */
    @Test
    void badConfiguration_isReported_nothingWritten() throws Exception {
        Path file = dir.resolve("never.log");
        try (Logs logs = Logs.start(
                dir,
                "file.xml",
                "FILE",
                file.toString(),
                "FILE_ATTRS",
                "flusher=\"carrier-pigeon\"",
                "HEADER",
                "",
                "FOOTER",
                "")) {
            assertNull(logs.appender("FILE"));
            assertTrue(
                    logs.hasStatus("ERROR", "flusher must be block, mmap or appendClose"), logs.statuses()::toString);
        }
        assertFalse(Files.exists(file));
    }

    /**
     * A real full disk (a 1 MiB tmpfs filled by another file): logging goes on, failures reported
     * with the file's name, batches given up after giveUpAfter are counted; writing resumes once
     * space returns. Every line in the file once and whole, or counted as dropped.
     */
    @Test
    void fullDisk_everyLineInTheFileOnceOrCountedAsDropped_resumesWhenSpaceReturns() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("small"));
        Assumptions.assumeTrue(
                run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "skipped: cannot mount a tmpfs here (needs root); the full-disk test did not run");
        mounted = mnt;
        Path file = mnt.resolve("app.log");
        Path filler = mnt.resolve("filler");
        try (Logs logs = Logs.start(
                dir,
                "file.xml",
                "FILE",
                file.toString(),
                "FILE_ATTRS",
                "queueSize=\"64\" giveUpAfter=\"200\"",
                "HEADER",
                "",
                "FOOTER",
                "")) {
            MwsrFileAppender appender = logs.appender("FILE");
            Logger log = logs.logger();
            log.info("w0 0");
            fill(filler);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 1; i < 2_000; i++) {
                        log.info("w0 {} {}", i, "x".repeat(100));
                    }
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            writer.join(TimeUnit.SECONDS.toMillis(40));
            assertFalse(writer.isAlive(), "writers behind a dead disk are released as batches are given up");
            assertNull(thrown.get());
            assertTrue(logs.hasStatus("ERROR", file.toString()), logs.statuses()::toString);
            Files.delete(filler);
            for (int i = 2_000; i < 2_100; i++) {
                log.info("w0 {} {}", i, "x".repeat(100));
            }
            logs.stop();
            Metrics m = appender.metrics();
            Map<Integer, Integer> seen = new HashMap<>();
            Pattern whole = Pattern.compile("w0 (\\d+)(?: x{100})?");
            for (String line : Files.readAllLines(file)) {
                Matcher matcher = whole.matcher(line);
                assertTrue(matcher.matches(), () -> "a whole line: [" + line + "]");
                seen.merge(Integer.parseInt(matcher.group(1)), 1, Integer::sum);
            }
            seen.forEach(
                    (n, count) -> assertEquals(1, count, () -> "line " + n + " is in the file " + count + " times"));
            for (int i = 2_000; i < 2_100; i++) {
                assertTrue(seen.containsKey(i), "after space returned, line " + i + " is there");
            }
            long missing = 2_100 - seen.size();
            assertTrue(missing > 0 && m.failures() > 0, () -> "the disk was full for a while: " + m);
            assertEquals(missing, m.dropped(), () -> "every missing line, and only those, counted: " + m);
            assertTrue(logs.hasStatus("WARN", "still fails"), logs.statuses()::toString);
            assertTrue(logs.hasStatus("WARN", "works again"), logs.statuses()::toString);
        }
    }

    private static void fill(Path filler) throws IOException {
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (; ; ) {
                out.write(chunk);
            }
        } catch (IOException full) {
            // the disk is full now
        }
    }

    static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(OutputStream.nullOutputStream());
        return p.waitFor();
    }
}
