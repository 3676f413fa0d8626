package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * mwsr reaches no {@code sun.misc.Unsafe}, in its own code or through JCTools: every buffer, every
 * overflow policy and every mode runs in a child JVM on the newest installed JDK (24 or later, where
 * {@code --sun-misc-unsafe-memory-access=deny} makes any such access throw) with an empty stderr.
 */
class NoUnsafeTest {

    @Test
    void everyBufferAndPolicy_runsWithSunMiscUnsafeDenied_andPrintsNothingOnStderr() throws Exception {
        Optional<Path> java = newestJava(24);
        assumeTrue(
                java.isPresent(),
                "skipped: no JDK 24 or later under /usr/lib/jvm (needed for --sun-misc-unsafe-memory-access=deny)");
        String classpath = String.join(
                File.pathSeparator,
                locationOf(Buffer.class),
                locationOf(Child.class),
                locationOf(Class.forName("org.jctools.queues.MessagePassingQueue")),
                locationOf(Class.forName("org.jctools.queues.varhandle.MpscVarHandleArrayQueue")));
        Process p = new ProcessBuilder(
                        java.get().toString(),
                        "--sun-misc-unsafe-memory-access=deny",
                        "-cp",
                        classpath,
                        Child.class.getName())
                .start();
        p.getOutputStream().close();
        String out;
        String err;
        try (var o = p.getInputStream();
                var e = p.getErrorStream()) {
            StringBuilder errBuf = new StringBuilder();
            Thread errText = Thread.ofPlatform().start(() -> {
                try {
                    errBuf.append(new String(e.readAllBytes()));
                } catch (IOException ignored) {
                    // the child ended; whatever was read is reported
                }
            });
            out = new String(o.readAllBytes());
            errText.join(120_000);
            err = errBuf.toString();
        }
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end in 120 s");
        assertEquals("", err, "stderr of the child JVM (stdout: " + out + ")");
        assertEquals(0, p.exitValue(), "exit code of the child JVM; stdout: " + out);
        assertEquals("ok " + Child.RUNS + "\n", out, "every run delivered what it wrote");
    }

    /** The newest JDK under /usr/lib/jvm whose feature version is at least {@code least}. */
    private static Optional<Path> newestJava(int least) throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> dirs = Files.list(jvms)) {
            return dirs.filter(d -> Files.isExecutable(d.resolve("bin/java")))
                    .filter(d -> feature(d) >= least)
                    .max(Comparator.comparingInt(NoUnsafeTest::feature))
                    .map(d -> d.resolve("bin/java"));
        }
    }

    /** The feature version in a JDK's {@code release} file (JAVA_VERSION="25.0.1"); 0 if unknown. */
    private static int feature(Path jdk) {
        try {
            for (String line : Files.readAllLines(jdk.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                    return Integer.parseInt(v.split("[.+-]")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static String locationOf(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    /** The child JVM's program: items through every buffer; prints "ok N" or exits 1. */
    static final class Child {
        static final int RUNS = 1 + 3 * AsyncBuffer.OverflowPolicy.values().length + 1;
        private static final int ITEMS = 1000;

        public static void main(String[] args) throws Exception {
            int runs = 0;
            AtomicLong got = new AtomicLong();
            try (Buffer<Integer> b = new Buffer<>(64, batch -> got.addAndGet(batch.size()))) {
                push(b);
            }
            runs += check("Buffer", got.getAndSet(0), ITEMS);
            for (AsyncBuffer.Mode mode : AsyncBuffer.Mode.values()) {
                for (AsyncBuffer.OverflowPolicy policy : AsyncBuffer.OverflowPolicy.values()) {
                    AsyncBuffer.Builder<Integer> builder = AsyncBuffer.<Integer>builder(
                                    batch -> got.addAndGet(batch.size()))
                            .capacity(2 * ITEMS)
                            .mode(mode)
                            .overflow(policy);
                    if (mode == AsyncBuffer.Mode.LOOP) {
                        builder.interval(Duration.ofMillis(1));
                    }
                    try (AsyncBuffer<Integer> b = builder.build()) {
                        push(b);
                        b.flush();
                    }
                    runs += check("AsyncBuffer " + mode + " " + policy, got.getAndSet(0), ITEMS);
                }
            }
            try (ByteBatchBuffer b = new ByteBatchBuffer(256, batch -> got.addAndGet(batch.remaining()))) {
                for (int i = 0; i < ITEMS; i++) {
                    b.write(new byte[] {1, 2, 3});
                    b.writeV(ByteBuffer.wrap(new byte[] {4}), ByteBuffer.wrap(new byte[] {5, 6}));
                }
            }
            runs += check("ByteBatchBuffer", got.get(), 6L * ITEMS);
            System.out.println("ok " + runs);
        }

        /** Half single writes, half groups (which go through the group pool). */
        private static void push(BatchBuffer<Integer> b) {
            List<Integer> pair = new ArrayList<>(List.of(0, 0));
            for (int i = 0; i < ITEMS / 2; i++) {
                b.write(i);
            }
            for (int i = 0; i < ITEMS / 4; i++) {
                b.writeV(pair);
            }
        }

        private static int check(String what, long got, long want) {
            if (got != want) {
                System.out.println(what + ": delivered " + got + " of " + want);
                System.exit(1);
            }
            return 1;
        }
    }
}
