package dev.mwsr.jmh;

import java.io.IOException;
import java.nio.file.Path;

/** Builds a {@link LineSink} from the name a benchmark's {@code impl} parameter holds. */
final class LineSinks {
    private LineSinks() {}

    static LineSink create(String impl, Path file, int capacity) throws IOException {
        return switch (impl) {
            case "async-line" -> new MwsrLineSink("line", true, file, capacity);
            case "async-block" -> new MwsrLineSink("block", true, file, capacity);
            case "async-mmap" -> new MwsrLineSink("mmap", true, file, capacity);
            case "async-appendClose" -> new MwsrLineSink("appendClose", true, file, capacity);
            case "buffer-block" -> new MwsrLineSink("block", false, file, capacity);
            case "bytes-file" -> new BytesLineSink(file);
            case "async-records" -> new RecordFileSink(file, capacity);
            case "buffered-writer" -> new SynchronizedWriterSink(file);
            case "log4j2" -> new Log4jSink(file);
            default -> throw new IllegalArgumentException("unknown impl '" + impl + "'");
        };
    }
}
