package dev.mwsr;

import java.lang.reflect.Method;

/** Bytes the current thread has allocated so far (HotSpot's ThreadMXBean), for no-allocation tests. */
final class ThreadAllocation {
    // Reflection, because the tests run inside module dev.mwsr.core, which does not read jdk.management.
    private static final Object THREADS;
    private static final Method ALLOCATED_BYTES;

    static {
        try {
            THREADS = Class.forName("java.lang.management.ManagementFactory")
                    .getMethod("getThreadMXBean")
                    .invoke(null);
            ALLOCATED_BYTES =
                    Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ThreadAllocation() {}

    static long bytes() {
        try {
            return (long) ALLOCATED_BYTES.invoke(THREADS, Thread.currentThread().threadId());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
