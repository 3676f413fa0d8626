package dev.mwsr.io;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;

/**
 * One read-write mapping of a file region, released deterministically where the JDK allows it.
 */
final class Mapping {
    /*
     * Implementation notes.
     *
     * A MappedByteBuffer from FileChannel.map(mode, pos, size) is unmapped only when the garbage
     * collector finds it unreachable: a thousand open/close cycles would keep up to a thousand
     * mappings (and the file space they pin) alive until some GC. The deterministic way is
     * FileChannel.map(mode, pos, size, Arena): the mapping lives exactly as long as the Arena,
     * and Arena.close() unmaps it at once. A *shared* arena is used because the flusher is called
     * from whichever thread runs the flush (Buffer flushes inline on writer threads); a confined
     * arena would throw WrongThreadException. Closing a shared arena is safe against late use:
     * an access through the buffer after close throws IllegalStateException instead of touching
     * unmapped memory.
     *
     * That API is final in Java 22 (JEP 454) but a preview API in Java 21, and a library built
     * with --release 21 cannot link preview APIs (the class files would then run only on 21
     * with --enable-preview). So it is linked here at run time through method handles typed as
     * Object: on 22+ the mapping is released at release(); where the lookup or a probe call
     * fails (Java 21), FileChannel.map without an arena is used and the GC unmaps it. The
     * flusher never touches a released mapping either way.
     */

    private static final MethodHandle OF_SHARED;
    private static final MethodHandle MAP;
    private static final MethodHandle AS_BYTE_BUFFER;
    private static final MethodHandle CLOSE;

    /**
     * {@code -Ddev.mwsr.io.java21Paths=true} forces the Java 21 code paths on any JDK (mappings
     * without an Arena here, copying record reads in {@link MappedWindows}), so that the test
     * suite can run them on 22+; read once, when this class is initialised.
     */
    static final boolean JAVA21_PATHS = Boolean.getBoolean("dev.mwsr.io.java21Paths");

    /** Whether mappings are released at {@link #release()} (Java 22+), not by the GC. */
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

    /** Maps {@code [position, position + size)} of {@code channel} read-write. */
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

    /** The mapped bytes, position 0 at the start of the region; big-endian. */
    ByteBuffer buffer() {
        return buffer;
    }

    /** Writes the given range of the mapping to the storage device. */
    void force(int from, int length) {
        if (length > 0 && buffer instanceof MappedByteBuffer mapped) {
            mapped.force(from, length);
        }
    }

    /** Unmaps now (Java 22+) or leaves it to the GC (Java 21); the buffer must not be used after. */
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

    /** Throws {@code t} as it is when unchecked, else wrapped. */
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
