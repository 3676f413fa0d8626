package dev.mwsr.io;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A complete record failed its CRC-32C check (length or payload); the message names the file and
 * the record's offset. A torn tail is not corruption (see {@link RecordReader}). Thrown as itself
 * by {@link RecordReader#count()} and friends; iteration throws an
 * {@link java.io.UncheckedIOException} caused by it.
 */
public final class CorruptRecordException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final long offset;

    CorruptRecordException(Path path, long offset, String what) {
        super(path + ": corrupt record at byte offset " + offset + ": " + what);
        this.path = path;
        this.offset = offset;
    }

    /** @return the file, as given to the reader; null after deserialization */
    public Path path() {
        return path;
    }

    /** @return the byte offset of the corrupt record's length field */
    public long offset() {
        return offset;
    }
}
