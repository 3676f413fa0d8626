package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault promises that {@link Buffer} and {@link AsyncBuffer} share: an interrupt
 * never costs data, a {@code VirtualMachineError} is never retried and stays itself, a list that
 * breaks under {@code writeV} writes nothing of its group, and a flusher may say part of a failed
 * batch is durable.
 */
@Timeout(60)
class BatchBufferFaultTest {

    static Stream<BatchBufferContractTest.Impl> buffers() {
        return BatchBufferContractTest.buffers();
    }

    /**
     * A tiny file flusher (not mwsr-io's): one {@link FileChannel} write of 8 bytes per item, the
     * channel opened once. An interruptible channel closes itself when a write starts with the
     * thread's interrupt flag set ({@code ClosedByInterruptException}).
     */
    static final class LongFile implements Consumer<List<Long>>, AutoCloseable {
        final FileChannel channel;
        /** Runs after each call's write (to set an interrupt, as one arriving late in a call would). */
        volatile Runnable after = () -> {};

        LongFile(Path path) throws IOException {
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        }

        @Override
        public void accept(List<Long> batch) {
            ByteBuffer bytes = ByteBuffer.allocate(8 * batch.size());
            for (long x : batch) {
                bytes.putLong(x);
            }
            bytes.flip();
            try {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            after.run();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }

        static List<Long> read(Path path) throws IOException {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(path));
            List<Long> items = new ArrayList<>();
            while (bytes.remaining() >= 8) {
                items.add(bytes.getLong());
            }
            return items;
        }
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void interruptedCaller_flushAndCloseDeliverThroughAFileChannel_andKeepTheFlag(
            BatchBufferContractTest.Impl impl, @TempDir Path dir) throws Exception {
        Path path = dir.resolve("items");
        try (LongFile file = new LongFile(path)) {
            // Buffer: capacity 2, so that writes flush inline; AsyncBuffer: room enough that no
            // write waits (a write that must wait for room is interruptible, as promised).
            BatchBuffer<Long> buffer = impl.factory().create(impl.name().equals("Buffer") ? 2 : 8, file);
            Thread.currentThread().interrupt();
            try {
                buffer.write(1L);
                buffer.write(2L);
                buffer.write(3L); // Buffer: this write flushes [1, 2] inline, with the caller's flag set
                buffer.flush();
                assertTrue(Thread.currentThread().isInterrupted(), "flush() must leave the flag set");
                buffer.write(4L);
                buffer.close();
                assertTrue(Thread.currentThread().isInterrupted(), "close() must leave the flag set");
            } finally {
                Thread.interrupted();
            }
            assertTrue(file.channel.isOpen(), "the flusher ran with the caller's interrupt flag set");
        }
        assertEquals(List.of(1L, 2L, 3L, 4L), LongFile.read(path));
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void interruptArrivingDuringAFlusherCall_doesNotReachTheNextCall(
            BatchBufferContractTest.Impl impl, @TempDir Path dir) throws Exception {
        Path path = dir.resolve("items");
        try (LongFile file = new LongFile(path)) {
            // As Future.cancel(true) would: the flag is set while the first call runs.
            file.after = () -> Thread.currentThread().interrupt();
            BatchBuffer<Long> buffer = impl.factory().create(2, file);
            try {
                for (long i = 0; i < 6; i++) {
                    buffer.write(i);
                }
                buffer.close();
            } finally {
                Thread.interrupted();
            }
            assertTrue(file.channel.isOpen(), "a later flusher call ran with the flag of an earlier one");
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), LongFile.read(path));
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void virtualMachineError_failsAtOnce_isNeverRetried_andStaysItself(BatchBufferContractTest.Impl impl) {
        StackOverflowError error = new StackOverflowError("flusher overflow");
        Recorder<Long> rec = new Recorder<>(4);
        rec.then = batch -> {
            throw error;
        };
        BatchBuffer<Long> buffer = impl.factory().create(4, rec);
        buffer.write(1L);
        Throwable thrown = assertThrows(Throwable.class, buffer::flush);
        if (buffer instanceof Buffer) {
            assertSame(error, thrown, "an inline flush rethrows the error as itself");
        } else {
            assertSame(
                    error, assertInstanceOf(FlushFailedException.class, thrown).getCause());
        }
        FlushFailedException later = assertThrows(FlushFailedException.class, () -> buffer.write(2L));
        assertSame(error, later.getCause());
        assertEquals(List.of(1L), later.undelivered());
        assertThrows(FlushFailedException.class, buffer::close);
        assertEquals(1, rec.calls().size(), "a VirtualMachineError must not be retried");
    }

    /** A list whose second read of element 1 throws, as a list that changes under the caller can. */
    static final class BreakingList extends AbstractList<Long> implements RandomAccess {
        private int reads;

        @Override
        public Long get(int index) {
            if (index == 1 && ++reads == 2) {
                throw new IllegalStateException("changed under the caller");
            }
            return 100L + index;
        }

        @Override
        public int size() {
            return 3;
        }
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void writeV_ofAListThatBreaksUnderTheCaller_deliversNothingOfTheGroup(BatchBufferContractTest.Impl impl) {
        Recorder<Long> rec = new Recorder<>(8);
        BatchBuffer<Long> buffer = impl.factory().create(8, rec);
        buffer.write(1L);
        try {
            buffer.writeV(new BreakingList());
        } catch (IllegalStateException expected) {
            // the list's own exception, or none if it was read only once
        }
        buffer.write(2L);
        buffer.close();
        List<Long> items = rec.items();
        assertTrue(
                items.equals(List.of(1L, 2L)) || items.equals(List.of(1L, 100L, 101L, 102L, 2L)),
                "half a group or nulls reached the flusher: " + items);
    }

    @ParameterizedTest
    @MethodSource("buffers")
    void partialFlush_failFast_onlyTheNonDurableRestIsUndelivered(BatchBufferContractTest.Impl impl) {
        Recorder<Long> rec = new Recorder<>(4);
        rec.then = batch -> {
            throw new PartialFlushException("sink half way", 2, new IOException("sink down"));
        };
        BatchBuffer<Long> buffer = impl.factory().create(4, rec);
        buffer.writeV(List.of(1L, 2L, 3L, 4L));
        FlushFailedException f = assertThrows(FlushFailedException.class, buffer::flush);
        assertInstanceOf(PartialFlushException.class, f.getCause());
        assertEquals(List.of(3L, 4L), f.undelivered());
        assertEquals(2, buffer.metrics().written(), "the durable prefix counts as written");
        assertEquals(2, buffer.metrics().pending());
        assertThrows(FlushFailedException.class, buffer::close);
    }
}
