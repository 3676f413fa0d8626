package dev.mwsr.io;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;

/** One read-write mapping of a file region, released deterministically where the JDK allows it. */
final class Mapping {
    /*
     * FileChannel.map(mode, pos, size) is unmapped only when the GC finds it unreachable, so many
     * open/close cycles would pin mappings and their file space. FileChannel.map(..., Arena) lives
     * exactly as long as the arena. The arena is shared because flushes run on whichever thread
     * (Buffer flushes inline; a confined arena would throw WrongThreadException), and closing it is
     * safe against late use: access then throws IllegalStateException, never touches unmapped
     * memory.
     *
     * That API is final in Java 22 (JEP 454) but preview in 21, which a --release 21 build cannot
     * link. So it is linked at run time through method handles typed as Object (static finals,
     * inlined by the JIT); where the lookup or a probe fails (Java 21) the GC unmaps instead.
     */

    private static final MethodHandle OF_SHARED;
    private static final MethodHandle MAP;
    private static final MethodHandle AS_BYTE_BUFFER;
    private static final MethodHandle CLOSE;

    // -Ddev.mwsr.io.java21Paths=true forces the Java 21 paths here and in MappedWindows, so tests
    // run them on 22+; read once, at class initialisation.
    static final boolean JAVA21_PATHS = Boolean.getBoolean("dev.mwsr.io.java21Paths");

    static final boolean DETERMINISTIC;

    static {
        MethodHandle ofShared = null;
        MethodHandle map = null;
        MethodHandle asByteBuffer = null;
        MethodHandle close = null;
        boolean available;
        try {
            if (JAVA21_PATHS) {
                throw new UnsupportedOperationException("dev.mwsr.io.java21Paths=true");
            }
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            ofShared = lookup.findStatic(arena, "ofShared", MethodType.methodType(arena))
                    .asType(MethodType.methodType(Object.class));
            map = lookup.findVirtual(
                            FileChannel.class,
                            "map",
                            MethodType.methodType(segment, MapMode.class, long.class, long.class, arena))
                    .asType(MethodType.methodType(
                            Object.class, FileChannel.class, MapMode.class, long.class, long.class, Object.class));
            asByteBuffer = lookup.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                    .asType(MethodType.methodType(ByteBuffer.class, Object.class));
            close = lookup.findVirtual(arena, "close", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
            Object probe = (Object) ofShared.invokeExact();
            close.invokeExact(probe);
            available = true;
        } catch (Throwable unavailable) {
            available = false;
        }
        OF_SHARED = ofShared;
        MAP = map;
        AS_BYTE_BUFFER = asByteBuffer;
        CLOSE = close;
        DETERMINISTIC = available;
    }

    private final Object arena;
    private final ByteBuffer buffer;

    private Mapping(Object arena, ByteBuffer buffer) {
        this.arena = arena;
        this.buffer = buffer;
    }

    static Mapping map(FileChannel channel, long position, int size) throws IOException {
        if (!DETERMINISTIC) {
            return new Mapping(null, channel.map(MapMode.READ_WRITE, position, size));
        }
        Object arena = invokeOfShared();
        try {
            Object segment = (Object) MAP.invokeExact(channel, MapMode.READ_WRITE, position, (long) size, arena);
            return new Mapping(arena, (ByteBuffer) AS_BYTE_BUFFER.invokeExact(segment));
        } catch (Throwable t) {
            closeArena(arena, t);
            if (t instanceof IOException io) {
                throw io;
            }
            throw rethrow(t);
        }
    }

    ByteBuffer buffer() {
        return buffer;
    }

    void force(int from, int length) {
        if (length > 0 && buffer instanceof MappedByteBuffer mapped) {
            mapped.force(from, length);
        }
    }

    // The buffer must not be used after.
    void release() {
        if (arena != null) {
            closeArena(arena, null);
        }
    }

    private static Object invokeOfShared() {
        try {
            return (Object) OF_SHARED.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void closeArena(Object arena, Throwable pending) {
        try {
            CLOSE.invokeExact(arena);
        } catch (Throwable t) {
            if (pending == null) {
                throw rethrow(t);
            }
            pending.addSuppressed(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
