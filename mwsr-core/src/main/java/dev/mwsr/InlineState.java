package dev.mwsr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of an inline-flushing buffer: OPEN, or CLOSED and/or FAILED. The bits are only ever
 * set, atomically; every read is a volatile read.
 */
final class InlineState {
    static final int OPEN = 0;
    static final int CLOSED = 1;
    static final int FAILED = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(InlineState.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;

    int get() {
        return state;
    }

    boolean failed() {
        return (state & FAILED) != 0;
    }

    /** Sets FAILED, before anything that could throw. */
    void markFailed() {
        STATE.getAndBitwiseOr(this, FAILED);
    }

    void markClosed() {
        STATE.getAndBitwiseOr(this, CLOSED);
    }
}
