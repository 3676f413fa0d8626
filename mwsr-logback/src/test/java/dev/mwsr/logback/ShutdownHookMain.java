package dev.mwsr.logback;

import ch.qos.logback.classic.LoggerContext;
import java.util.Map;

/**
 * Run in a child JVM by the tests: configures shutdown-hook.xml, logs from 4 threads, and exits
 * with System.exit without stopping the context, so only Logback's shutdown hook can deliver.
 */
public final class ShutdownHookMain {
    private ShutdownHookMain() {}

    /**
     * Entry point.
     *
     * @param args the log directory, and the messages per thread
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        LoggerContext ctx = Logs.configure("shutdown-hook.xml", Map.of("LOG", args[0]));
        Logs.logFrom(Thread.ofPlatform().factory(), 4, Integer.parseInt(args[1]), ctx.getLogger("test"));
        System.exit(0);
    }
}
