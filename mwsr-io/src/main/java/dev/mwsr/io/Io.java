package dev.mwsr.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Objects;

/** Opening files and naming them in errors: the one place that words I/O failures. */
final class Io {
    private Io() {}

    static UncheckedIOException failed(String action, Path path, IOException cause) {
        return new UncheckedIOException("cannot " + action + " " + path + ": " + cause, cause);
    }

    static FileChannel open(Path path, OpenOption... options) {
        Objects.requireNonNull(path, "path");
        try {
            return FileChannel.open(path, options);
        } catch (IOException e) {
            throw failed("open", path, e);
        }
    }

    static void force(FileChannel channel, Path path) {
        try {
            channel.force(true);
        } catch (IOException e) {
            throw failed("fsync", path, e);
        }
    }

    // Throws pending (a close failure suppressed) if not null, else the close failure.
    static void close(FileChannel channel, Path path, IOException pending) throws IOException {
        IOException failure = pending;
        try {
            channel.close();
        } catch (IOException e) {
            IOException named = new IOException("cannot close " + path + ": " + e, e);
            if (failure == null) {
                failure = named;
            } else {
                failure.addSuppressed(named);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    static void closeUnchecked(FileChannel channel, Path path) {
        try {
            channel.close();
        } catch (IOException e) {
            throw failed("close", path, e);
        }
    }

    static void closeQuietly(FileChannel channel, Throwable failure) {
        try {
            channel.close();
        } catch (IOException closing) {
            failure.addSuppressed(closing);
        }
    }
}
