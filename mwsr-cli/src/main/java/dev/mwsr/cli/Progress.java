package dev.mwsr.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar redrawn five times a second on a terminal, by one platform thread that
 * {@link #close()} stops and joins.
 */
final class Progress implements AutoCloseable {
    private static final int WIDTH = 40;

    private final PrintStream out;
    private final long total;
    private final LongSupplier done;
    private final Thread thread;
    private volatile boolean stopped;

    private Progress(PrintStream out, long total, LongSupplier done) {
        this.out = out;
        this.total = total;
        this.done = done;
        this.thread = Thread.ofPlatform().name("mwsr-bench-progress").daemon().unstarted(this::loop);
    }

    /** Starts a progress bar on {@code out}, or returns null when {@code show} is false. */
    static Progress startIf(boolean show, PrintStream out, long total, LongSupplier done) {
        if (!show) {
            return null;
        }
        Progress p = new Progress(out, total, done);
        p.thread.start();
        return p;
    }

    /** Whether standard output is an interactive terminal. */
    static boolean onTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // Java 22+: System.console() may exist without a terminal; isTerminal() tells.
            return (boolean) MethodHandles.publicLookup()
                    .findVirtual(Console.class, "isTerminal", MethodType.methodType(boolean.class))
                    .invoke(console);
        } catch (NoSuchMethodException | IllegalAccessException java21) {
            return true; // Java 21 returns a console only for a terminal
        } catch (Throwable t) {
            return false;
        }
    }

    private void loop() {
        while (!stopped) {
            draw();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                break;
            }
        }
    }

    private void draw() {
        long d = Math.min(done.getAsLong(), total);
        int filled = total == 0 ? WIDTH : (int) (d * WIDTH / total);
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + (total == 0 ? 100 : d * 100 / total)
                + "% " + d + "/" + total + " lines written");
        out.flush();
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        draw();
        out.println();
    }
}
