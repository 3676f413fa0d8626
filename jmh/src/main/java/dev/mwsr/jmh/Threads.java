package dev.mwsr.jmh;

import java.util.concurrent.ThreadFactory;

/** Thread factories for the peers' consumer threads. */
final class Threads {
    private Threads() {}

    /** Platform daemon threads named {@code name}, so a stuck benchmark cannot hang its fork. */
    static ThreadFactory daemon(String name) {
        return Thread.ofPlatform().name(name).daemon(true).factory();
    }
}
