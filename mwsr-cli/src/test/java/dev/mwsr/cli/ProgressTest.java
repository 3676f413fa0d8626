package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void notShown_startsNothing() {
        assertNull(Progress.startIf(false, System.err, 10, () -> 0));
    }

    @Test
    void close_drawsTheFinalStateAndStopsItsThread() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong done = new AtomicLong();
        long threadsBefore = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("mwsr-bench-progress"))
                .count();
        Progress p = Progress.startIf(true, new PrintStream(bytes, true, StandardCharsets.UTF_8), 200, done::get);
        done.set(200);
        p.close();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.endsWith("] 100% 200/200 lines written" + System.lineSeparator()), out);
        assertTrue(out.contains("\r["), "redraws in place: " + out);
        assertEquals(
                threadsBefore,
                Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("mwsr-bench-progress"))
                        .count(),
                "thread joined");
    }
}
