package dev.mwsr.jmh;

import java.io.IOException;

/**
 * One way of getting text lines from many threads into one file. {@link #close()} returns once
 * every line written before it is in the file and the file is released. Each line ends up as the
 * given text plus {@code '\n'}.
 */
interface LineSink extends AutoCloseable {
    /** A 99-character ASCII line: 100 bytes in the file with its newline. */
    String LINE = "2026-11-21T07:45:00.000Z INFO  [writer-1] dev.mwsr.jmh.FileBench - request 123456 handled in 420 ms";

    /** Bytes in the file per line written: {@link #LINE}, 99 ASCII characters, and a newline. */
    int LINE_BYTES = 100;

    void write(String line) throws IOException;

    /** Bytes in the file per {@link #write}: {@link #LINE_BYTES} for every text sink. */
    default int bytesPerLine() {
        return LINE_BYTES;
    }

    @Override
    void close() throws IOException;
}
