package dev.mwsr;

import java.io.Serial;
import java.util.Objects;

/**
 * Thrown by a flusher whose call failed part way, to say that the first {@link #durable()} items
 * (bytes, for a {@link ByteBatchBuffer}) of the batch it was given are durable and must be neither
 * retried nor reported undelivered; the rest of the batch was not written. Examples: a Kafka batch
 * whose first records were acknowledged before one failed, or a file flusher that could not cut a
 * failed batch back because another process appended to the same file.
 *
 * <p>A buffer treats the durable prefix as delivered (counted in {@link Metrics#written()}) and
 * handles only the remainder by its failure policy; the {@linkplain #getCause() cause} is the
 * underlying failure. A flusher that cannot tell how much is durable throws anything else, and the
 * whole batch counts as not delivered.
 */
public class PartialFlushException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int durable;

    /**
     * @param message what failed, naming the sink (a file path, a topic)
     * @param durable how many items at the start of the batch are durable, at least 0
     * @param cause the underlying failure, not null
     * @throws IllegalArgumentException if {@code durable} is negative
     * @throws NullPointerException if {@code cause} is null
     */
    public PartialFlushException(String message, int durable, Throwable cause) {
        super(message, Objects.requireNonNull(cause, "cause"));
        if (durable < 0) {
            throw new IllegalArgumentException("durable (" + durable + ") must be at least 0");
        }
        this.durable = durable;
    }

    /**
     * @return how many items at the start of the failed batch are durable
     */
    public int durable() {
        return durable;
    }
}
