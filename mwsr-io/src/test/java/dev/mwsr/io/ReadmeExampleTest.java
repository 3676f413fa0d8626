package dev.mwsr.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mwsr.AsyncBuffer;
import dev.mwsr.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick start of the root README.md, as code: if this stops compiling or passing, the README
 * is wrong. Only the file path (a temp dir here) and System.out (captured here) differ.
 */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void quickStart_compilesAndDoesWhatTheReadmeSays() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
        Path appLog = dir.resolve("app.log");

        try (AsyncBuffer<String> events = new AsyncBuffer<>(128, batch -> {
            for (String e : batch) out.println(e); // one call at a time, at most 128 items
        })) {
            events.write("user 42 logged in");
            events.writeV("GROUP 2", "  body line 1", "  body line 2");
            events.flush();
        }

        try (FileFlusher<CharSequence> file = FileFlusher.block(appLog);
                AsyncBuffer<String> log = new AsyncBuffer<>(1024, file)) {
            log.write("hello");
        }

        try (FileFlusher<CharSequence> file = FileFlusher.line(appLog);
                Buffer<StringBuilder> log = new Buffer<>(256, file)) {
            log.write(new StringBuilder("world"));
        }

        assertEquals(
                "user 42 logged in\nGROUP 2\n  body line 1\n  body line 2\n",
                captured.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
        assertEquals(List.of("hello", "world"), Files.readAllLines(appLog));
    }
}
