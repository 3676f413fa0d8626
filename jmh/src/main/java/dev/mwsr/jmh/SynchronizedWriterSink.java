package dev.mwsr.jmh;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The everyday baseline: one {@link BufferedWriter} (Files.newBufferedWriter's default 8 KiB
 * buffer) shared by all threads, each line written under its monitor. Writes happen on the
 * writer's thread, so whoever fills the buffer does the system call.
 */
final class SynchronizedWriterSink implements LineSink {
    private final BufferedWriter out;

    SynchronizedWriterSink(Path path) throws IOException {
        this.out = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
    }

    @Override
    public void write(String line) throws IOException {
        synchronized (out) {
            out.write(line);
            out.write('\n');
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (out) {
            out.close();
        }
    }
}
