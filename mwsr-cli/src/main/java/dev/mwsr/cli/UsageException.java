package dev.mwsr.cli;

import java.io.Serial;

/** A command line that cannot be run; its message says what to change. Exit code 2. */
final class UsageException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
