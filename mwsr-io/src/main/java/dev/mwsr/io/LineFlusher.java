package dev.mwsr.io;

import java.nio.file.Path;

/**
 * {@link FileFlusher#line}.
 *
 * @param <T> the item type
 */
final class LineFlusher<T> extends BlockFlusher<T> {
    LineFlusher(Path path, Encoder<? super T> encoder, FileFlusher.Options options) {
        super(path, encoder, options);
    }

    @Override
    void afterItem() {
        sink.drain();
        super.afterItem();
    }
}
