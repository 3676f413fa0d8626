package dev.mwsr.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns a failure into the one line a command-line user reads: {@code command: FILE: reason}.
 * The library's messages are written for programmers (they name API methods such as
 * {@code undelivered()} and wrap causes several levels deep); the CLI prints only the innermost
 * I/O exception's reason, which is what the operating system said, without class names.
 */
final class CliErrors {
    private CliErrors() {}

    /** The innermost {@link IOException} of the cause chain, or null if there is none. */
    static IOException innermostIo(Throwable t) {
        IOException found = null;
        int depth = 0;
        for (Throwable c = t; c != null && depth < 64; c = c.getCause(), depth++) {
            if (c instanceof IOException io) {
                found = io;
            }
        }
        return found;
    }

    /**
     * What went wrong, without the file name and without class names: the operating system's
     * reason ("No space left on device", "Permission denied", ...) or a plain description.
     */
    static String reason(Throwable failure, Path file) {
        IOException io = innermostIo(failure);
        Throwable t = io != null ? io : failure;
        if (t instanceof FileSystemException fse) {
            if (fse.getReason() != null) {
                return fse.getReason();
            }
            return switch (fse) {
                case NoSuchFileException e -> "No such file or directory";
                case AccessDeniedException e -> "Permission denied";
                case FileAlreadyExistsException e -> "File exists";
                case NotDirectoryException e -> "Not a directory";
                case DirectoryNotEmptyException e -> "Directory not empty";
                default -> "cannot access";
            };
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return io != null
                    ? "I/O error"
                    : "unexpected failure (" + t.getClass().getSimpleName() + ")";
        }
        // Strip a leading copy of the file name ("/x/y: No space left on device").
        String prefix = file == null ? null : file + ": ";
        if (prefix != null && message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        return message.lines().findFirst().orElse(message).strip();
    }

    /** {@code command: FILE: reason}, one line. */
    static String line(String command, Path file, Throwable failure) {
        String reason = reason(failure, file);
        return file == null ? command + ": " + reason : command + ": " + file + ": " + lowerFirst(reason);
    }

    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
        }
        return s;
    }
}
