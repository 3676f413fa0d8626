package dev.mwsr.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which file a flusher holds open, so that it notices at its next batch when a log rotator moved
 * the file away ({@link FileFlusher.Options#reopenOnRotation()}): the path then names another file,
 * or none. Used by one thread at a time, like the flusher that owns it.
 */
final class Rotation {
    /*
     * Implementation notes.
     *
     * The identity of a file is its file key (device and inode on Unix), read through the path
     * right after the flusher opened it: Java has no fstat of an open channel's key. A rename in
     * the microseconds between the open and that read would make the flusher take the new file
     * for its own and write on into the renamed one until the next rotation; a rotator renames
     * once a day or so, well apart from a reopen. A file system without file keys (fileKey() is
     * null) cannot tell a moved file: only truncation (copytruncate) is then followed.
     */

    private final Path path;
    /** The key of the file this flusher has open, or null if the file system has none. */
    private Object key;

    Rotation(Path path) {
        this.path = path;
    }

    /** Records that the flusher has just opened the file {@code path} names. */
    void opened() throws IOException {
        key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /**
     * Whether the path no longer names the file opened last (renamed away, or deleted): one
     * {@code stat} of the path.
     */
    boolean moved() throws IOException {
        if (key == null) {
            return false;
        }
        try {
            return !key.equals(
                    Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException gone) {
            return true;
        }
    }
}
