package dev.mwsr.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which file a flusher holds open, to notice a log rotator's move at the next batch
 * ({@link FileFlusher.Options#reopenOnRotation()}). One thread at a time.
 */
final class Rotation {
    /*
     * The file key (device and inode on Unix) is read through the path right after opening: Java
     * has no fstat of a channel's key. Benign race: a rename in the microseconds between open and
     * that read makes the flusher write on into the renamed file until the next rotation.
     */

    private final Path path;
    private Object key;

    Rotation(Path path) {
        this.path = path;
    }

    void opened() throws IOException {
        key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

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
