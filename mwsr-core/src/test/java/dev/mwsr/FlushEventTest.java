package dev.mwsr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Contract 1.4: flushes emit a JDK Flight Recorder event (batch size, duration), disabled by default. */
class FlushEventTest {
    @TempDir
    Path dir;

    @Test
    void everyBuffer_emitsOneFlushEventPerFlusherCall_withBatchSizeAndDuration() throws Exception {
        List<RecordedEvent> events = record(true, () -> {
            try (Buffer<Integer> buffer = new Buffer<>(8, batch -> {})) {
                buffer.writeV(1, 2, 3);
            }
            try (AsyncBuffer<Integer> buffer = new AsyncBuffer<>(8, batch -> {})) {
                buffer.writeV(1, 2, 3, 4);
                buffer.flush();
            }
            try (ByteBatchBuffer buffer = new ByteBatchBuffer(64, bytes -> {})) {
                buffer.write(new byte[5]);
            }
            Buffer<Integer> failing = new Buffer<>(8, batch -> {
                throw new IllegalStateException("planted");
            });
            failing.write(1);
            assertThrows(FlushFailedException.class, failing::close);
        });
        List<Integer> sizes = new ArrayList<>();
        List<Boolean> failed = new ArrayList<>();
        for (RecordedEvent e : events) {
            sizes.add(e.getInt("batchSize"));
            failed.add(e.getBoolean("failed"));
            assertFalse(e.getDuration().isNegative());
        }
        assertEquals(List.of(3, 4, 5, 1), sizes);
        assertEquals(List.of(false, false, false, true), failed);
    }

    @Test
    void flushEvent_isDisabledByDefault() throws Exception {
        List<RecordedEvent> events = record(false, () -> {
            try (Buffer<Integer> buffer = new Buffer<>(8, batch -> {})) {
                buffer.writeV(1, 2, 3);
            }
        });
        assertTrue(events.isEmpty(), "the default JFR configuration recorded " + events);
    }

    private List<RecordedEvent> record(boolean enable, Runnable work) throws Exception {
        Path file = dir.resolve("flush.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            if (enable) {
                recording.enable("dev.mwsr.Flush").withoutThreshold();
            }
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (e.getEventType().getName().equals("dev.mwsr.Flush")) {
                events.add(e);
            }
        }
        events.sort((a, b) -> a.getStartTime().compareTo(b.getStartTime()));
        return events;
    }
}
