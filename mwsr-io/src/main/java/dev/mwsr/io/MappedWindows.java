package dev.mwsr.io;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Path;

/**
 * One read-only mapping of the whole file in a shared {@code Arena} (Java 22+; linked as
 * {@link Mapping} explains); windows are read-only views of slices of it, and {@link #close()}
 * unmaps at once, after which access through a handed-out buffer throws
 * {@link IllegalStateException}.
 */
final class MappedWindows implements Windows {
    // The method handles run once per window (up to 1 GiB), never per record: records are
    // ByteBuffer slices, which keep the arena's liveness check. The whole-file segment may exceed
    // 2 GiB; only a window is limited to Integer.MAX_VALUE. An empty file is not mapped.

    private static final int PREFERRED = 1 << 30;

    private static final MethodHandle OF_SHARED;
    private static final MethodHandle MAP;
    private static final MethodHandle AS_SLICE;
    private static final MethodHandle AS_BYTE_BUFFER;
    private static final MethodHandle CLOSE;
    static final boolean AVAILABLE;

    static {
        MethodHandle[] h = lookup();
        AVAILABLE = h != null;
        OF_SHARED = AVAILABLE ? h[0] : null;
        MAP = AVAILABLE ? h[1] : null;
        AS_SLICE = AVAILABLE ? h[2] : null;
        AS_BYTE_BUFFER = AVAILABLE ? h[3] : null;
        CLOSE = AVAILABLE ? h[4] : null;
    }

    private static MethodHandle[] lookup() {
        if (Runtime.version().feature() < 22 || Mapping.JAVA21_PATHS) {
            return null;
        }
        try {
            Class<?> arena = Class.forName("java.lang.foreign.Arena");
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            return new MethodHandle[] {
                l.findStatic(arena, "ofShared", MethodType.methodType(arena))
                        .asType(MethodType.methodType(Object.class)),
                l.findVirtual(
                                FileChannel.class,
                                "map",
                                MethodType.methodType(segment, MapMode.class, long.class, long.class, arena))
                        .asType(MethodType.methodType(
                                Object.class, FileChannel.class, MapMode.class, long.class, long.class, Object.class)),
                l.findVirtual(segment, "asSlice", MethodType.methodType(segment, long.class, long.class))
                        .asType(MethodType.methodType(Object.class, Object.class, long.class, long.class)),
                l.findVirtual(segment, "asByteBuffer", MethodType.methodType(ByteBuffer.class))
                        .asType(MethodType.methodType(ByteBuffer.class, Object.class)),
                l.findVirtual(arena, "close", MethodType.methodType(void.class))
                        .asType(MethodType.methodType(void.class, Object.class)),
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private final Object arena;
    private final Object segment;
    private boolean closed;

    private MappedWindows(Object arena, Object segment) {
        this.arena = arena;
        this.segment = segment;
    }

    // Closes the channel: the mapping does not need it.
    static MappedWindows open(Path path, FileChannel channel, long size) throws IOException {
        try (channel) {
            if (size == 0) {
                return new MappedWindows(null, null);
            }
            Object arena = invoke(() -> (Object) OF_SHARED.invokeExact());
            try {
                Object segment = invoke(() -> (Object) MAP.invokeExact(channel, MapMode.READ_ONLY, 0L, size, arena));
                return new MappedWindows(arena, segment);
            } catch (IOException | RuntimeException | Error e) {
                invoke(() -> {
                    CLOSE.invokeExact(arena);
                    return null;
                });
                throw e;
            }
        }
    }

    @Override
    public ByteBuffer window(long offset, int length) throws IOException {
        ByteBuffer b = invoke(() ->
                (ByteBuffer) AS_BYTE_BUFFER.invokeExact((Object) AS_SLICE.invokeExact(segment, offset, (long) length)));
        return b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public int preferredWindow() {
        return PREFERRED;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed || arena == null) {
            closed = true;
            return;
        }
        closed = true;
        invoke(() -> {
            CLOSE.invokeExact(arena);
            return null;
        });
    }

    private interface Call<R> {
        R call() throws Throwable;
    }

    private static <R> R invoke(Call<R> call) throws IOException {
        try {
            return call.call();
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unexpected checked exception from the FFM API", t);
        }
    }
}
