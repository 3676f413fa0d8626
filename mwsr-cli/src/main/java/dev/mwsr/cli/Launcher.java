package dev.mwsr.cli;

import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The cli jar's {@code Main-Class}. It is compiled for Java 17 (every other class of the tool is
 * compiled for 21), so that on an older {@code java} the tool says in one line that it needs Java
 * 21 or newer, instead of an {@code UnsupportedClassVersionError} stack trace. On 21+ it hands the
 * arguments to {@link Main#main}, which it reaches by name: this class must not refer to a class
 * compiled for 21, which the Java 17 verifier could otherwise try to load.
 */
public final class Launcher {
    /** The oldest Java feature release the tool runs on. */
    static final int REQUIRED = 21;
    /** The exit code on an older Java: Main.USAGE_ERROR (the command must be run differently). */
    static final int WRONG_JAVA = 2;

    private Launcher() {}

    /**
     * Checks the running Java, then runs the tool.
     *
     * @param args the tool's arguments
     * @throws Throwable whatever {@link Main#main} throws
     */
    public static void main(String[] args) throws Throwable {
        if (!supported(Runtime.version(), System.getProperty("java.home"), System.err)) {
            System.exit(WRONG_JAVA);
        }
        MethodHandle main = MethodHandles.publicLookup()
                .findStatic(
                        Class.forName("dev.mwsr.cli.Main"), "main", MethodType.methodType(void.class, String[].class));
        main.invokeExact(args);
    }

    /**
     * Whether {@code version} can run the tool; if not, prints the one line that says so.
     *
     * @return true on Java 21 or newer
     */
    static boolean supported(Runtime.Version version, String javaHome, PrintStream err) {
        if (version.feature() >= REQUIRED) {
            return true;
        }
        err.println("mwsr: needs Java " + REQUIRED + " or newer, but this java is " + version + " (" + javaHome
                + "); run the jar with the java of a JDK " + REQUIRED + "+");
        return false;
    }
}
