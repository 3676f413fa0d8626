package dev.mwsr.jmh;

/** Per-writer-thread count of items written (plain: only its own thread writes it). */
final class Writer {
    long items;
}
