package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -Ddev.mwsr.io.java21Paths=true} (the surefire execution {@code java21-paths} of mwsr-io)
 * runs the io suite through the Java 21 code paths on any JDK. Seen from the public API: on the
 * Java 21 path a record is a heap copy that stays readable after {@code close()}; on the mapped
 * path (Java 22+ without the switch) it is a view of the mapping and throws after close.
 */
class Java21PathsTest {
    @TempDir
    Path dir;

    @Test
    void recordReader_takesTheCodePathTheSwitchAndTheJdkSelect() throws IOException {
        Path file = dir.resolve("r.tfrecord");
        try (FileFlusher<ByteBuffer> records = FileFlusher.records(file)) {
            records.accept(List.of(ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8))));
        }
        ByteBuffer first;
        try (RecordReader reader = RecordReader.open(file)) {
            first = reader.iterator().next();
        }
        boolean java21Paths = Boolean.getBoolean("dev.mwsr.io.java21Paths")
                || Runtime.version().feature() < 22;
        if (java21Paths) {
            assertEquals('h', first.get(0), "a heap copy stays readable after close");
        } else {
            assertThrows(IllegalStateException.class, () -> first.get(0), "the mapping is gone after close");
        }
    }
}
