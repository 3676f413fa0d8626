package dev.mwsr;

import java.util.List;

/**
 * The payload of an {@link InlineEngine}: how units (items or bytes) are stored into a half, the
 * view the flusher gets, and how units are kept once they cannot be delivered. {@link Buffer}
 * supplies object slots, {@link ByteBatchBuffer} byte regions; the algorithm is the engine's.
 *
 * @param <H> a half: the storage writers fill (an oversized write is wrapped as one, too)
 * @param <B> the batch the flusher receives
 */
interface Halves<H, B> {
    void store(H half, int at, Object src, int off, int n);

    /** A byte source's position advances. */
    void accepted(Object src, int n);

    B open(H half, int size);

    /** The first {@code size} units of {@code half} as {@link Abandon#hold(Object, int)} keeps them. */
    Object held(H half, int size);

    /** Adds copies (or references) of {@code n} units of {@code half} from {@code from} to {@code into}. */
    void park(List<Object> into, H half, int from, int n);

    /** After a half's delivery, before it is reused: drops references it holds (objects). */
    void recycle(H half, int size);

    /** What a {@link FlushFailedException} exposes of {@code parked} (each call its own views). */
    List<Object> reported(List<Object> parked);

    /** The unit and form of {@code undelivered()}, for the failure message ("items", "bytes, ..."). */
    String unitsHeld();
}
