package dev.mwsr.io;

import java.nio.file.Path;

/**
 * {@link FileFlusher#line}: one write per item, like a line-buffered stream, so a reader tailing
 * the file sees each line as soon as it is flushed. An item larger than the buffer takes several
 * writes.
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
