package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The jar's entry point: one line on a Java older than 21, the tool itself on 21+. */
class LauncherTest {
    private static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    private record Exit(int code, String out, String err) {}

    private static Exit java(Path java, String classPath, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-cp", classPath));
        command.add("dev.mwsr.cli.Launcher");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM ended");
        return new Exit(
                p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    private static String locationOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
    }

    private static String classesDir() throws Exception {
        return locationOf(Launcher.class);
    }

    /** The tool's class path as the cli jar holds it: mwsr-cli, mwsr-io, mwsr-core, JCTools. */
    private static String toolClassPath() throws Exception {
        return String.join(
                java.io.File.pathSeparator,
                classesDir(),
                locationOf(dev.mwsr.io.FileFlusher.class),
                locationOf(dev.mwsr.AsyncBuffer.class),
                locationOf(jar("org.jctools.queues.MessagePassingQueue")),
                locationOf(jar("org.jctools.queues.varhandle.MpscVarHandleArrayQueue")));
    }

    /** Finds a class without initializing it (an Unsafe JCTools queue would warn on JDK 24+). */
    private static Class<?> jar(String name) throws ClassNotFoundException {
        return Class.forName(name, false, LauncherTest.class.getClassLoader());
    }

    @Test
    void onJava17_saysInOneLineThatItNeeds21() throws Exception {
        assumeTrue(Files.isExecutable(JAVA_17), "needs a Java 17 at " + JAVA_17);
        // Only the classes directory: the launcher must not need (or load) anything else on 17.
        Exit e = java(JAVA_17, classesDir(), "bench", "--items", "10");
        assertEquals(Launcher.WRONG_JAVA, e.code(), e.err());
        assertEquals(1, e.err().lines().count(), e.err());
        assertTrue(e.err().startsWith("mwsr: needs Java 21 or newer, but this java is 17"), e.err());
        assertFalse(e.err().contains("UnsupportedClassVersionError") || e.err().contains("Exception"), e.err());
        assertEquals("", e.out());
    }

    @Test
    void onJava21OrNewer_runsTheTool() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Exit help = java(java, toolClassPath(), "--help");
        assertEquals(0, help.code(), help.err());
        assertTrue(help.out().startsWith("usage: java -jar mwsr-cli-"), help.out());
        Exit usage = java(java, toolClassPath(), "bench", "--max-batch", "100000");
        assertEquals(2, usage.code(), "Main's exit code reaches the process: " + usage.err());
    }

    @Test
    void supported_isFalseBelow21WithOneLine_trueFrom21() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertFalse(Launcher.supported(Runtime.Version.parse("20.0.2"), "/opt/jdk20", err));
        assertEquals(1, bytes.toString(StandardCharsets.UTF_8).lines().count());
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("20.0.2 (/opt/jdk20)"));
        bytes.reset();
        assertTrue(Launcher.supported(Runtime.Version.parse("21"), "/opt/jdk21", err));
        assertTrue(Launcher.supported(Runtime.Version.parse("25.0.1"), "/opt/jdk25", err));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
