/**
 * mwsr-io: ready-made flushers that write batches to files, and TFRecord record files.
 * See {@link dev.mwsr.io.FileFlusher}.
 */
module dev.mwsr.io {
    requires transitive dev.mwsr.core;

    exports dev.mwsr.io;
}
