package dev.mwsr.jmh;

/**
 * One implementation under test: writers hand it items, and it delivers them in batches to a
 * {@link Drain}. {@link #close()} delivers everything written before it and stops any thread the
 * implementation started. Implementations that cannot write a group atomically say so by throwing
 * {@link UnsupportedOperationException} from {@link #writeV}.
 */
interface Sink extends AutoCloseable {
    /** The item every benchmark writes: a cached box, so the harness allocates nothing. */
    Long ITEM = 42L;

    void write(Long item);

    /** Writes all of {@code items} contiguously, with no other writer's item between them. */
    void writeV(Long[] items);

    Drain drain();

    /** Items an overflow policy discarded so far (an estimate while writers run); 0 if it never drops. */
    default long dropped() {
        return 0;
    }

    @Override
    void close();
}
