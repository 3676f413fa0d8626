package dev.mwsr.io;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/**
 * A complete record of a record file failed its CRC-32C check (of the length or of the payload).
 * The message names the file and the byte offset at which the record starts. A torn tail (the
 * file ending inside the last record) is not corruption: {@link RecordReader} stops before it
 * cleanly.
 *
 * <p>It is an {@link IOException}: {@link RecordReader#count()} and friends throw it as itself;
 * iteration, which cannot throw checked exceptions, throws an
 * {@link java.io.UncheckedIOException} whose cause is this exception.
 */
public final class CorruptRecordException extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    /** Byte offset at which the corrupt record starts. */
    private final long offset;

    CorruptRecordException(Path path, long offset, String what) {
        super(path + ": corrupt record at byte offset " + offset + ": " + what);
        this.path = path;
        this.offset = offset;
    }

    /**
     * The file the corrupt record is in.
     *
     * @return the path as given to the reader; null after deserialization
     */
    public Path path() {
        return path;
    }

    /**
     * Where the corrupt record starts: the byte offset of its length field.
     *
     * @return the offset, from the start of the file
     */
    public long offset() {
        return offset;
    }
}
