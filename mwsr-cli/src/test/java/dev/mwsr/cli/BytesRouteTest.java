package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mwsr.Metrics;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BytesRouteTest {
    @TempDir
    Path dir;

    @Test
    void metrics_countLines_andKeepTheBuffersLag() throws Exception {
        Path file = dir.resolve("lines");
        BenchOptions o = BenchOptions.parse(new String[] {
            "--route", "bytes", "--threads", "1", "--items", "100", "--line-bytes", "32", "--capacity", "320"
        });
        Metrics m;
        try (BytesRoute route = BytesRoute.open(o, file)) {
            route.writeLines(0, 100, new LatencyHistogram());
            route.finish();
            m = route.metrics();
        }
        assertEquals(100, m.enqueued(), "bytes / lineBytes: lines");
        assertEquals(100, m.written());
        assertEquals(10, m.batches());
        assertTrue(m.lagNanos() > 0, "the buffer's lag figure is passed on, not dropped: " + m.lagNanos());
        assertEquals(100L * 32, Files.size(file));
    }
}
