package dev.mwsr.io;

import dev.mwsr.PreparingFlusher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A text flusher ({@link Encoder#utf8Lines()}) as a {@link PreparingFlusher}: writer threads
 * encode each line to its UTF-8 bytes, and the flusher writes them through the same batch
 * algorithm as {@link #accept}, with a different item encoder.
 */
final class TextFileFlusher implements FileFlusher<CharSequence>, PreparingFlusher<CharSequence, byte[]> {
    private final AbstractFileFlusher<CharSequence> engine;

    TextFileFlusher(AbstractFileFlusher<CharSequence> engine) {
        this.engine = engine;
    }

    // Only for the text encoder: an item type T it accepts is a CharSequence.
    @SuppressWarnings("unchecked")
    static <T> FileFlusher<T> of(Encoder<? super T> encoder, AbstractFileFlusher<T> engine) {
        return encoder == ByteSink.UTF8_LINES
                ? (FileFlusher<T>) (FileFlusher<?>) new TextFileFlusher((AbstractFileFlusher<CharSequence>) engine)
                : engine;
    }

    @Override
    public Path path() {
        return engine.path();
    }

    /**
     * {@inheritDoc}
     *
     * @return the item's UTF-8 bytes without the line break
     */
    @Override
    public byte[] prepare(CharSequence item) {
        return ByteSink.utf8(Objects.requireNonNull(item, "item"));
    }

    @Override
    public void accept(List<? extends CharSequence> batch) {
        engine.accept(batch);
    }

    @Override
    public void acceptPrepared(List<? extends byte[]> batch) {
        engine.write(batch, ByteSink.PREPARED_LINES);
    }

    @Override
    public void close() throws IOException {
        engine.close();
    }

    @Override
    public String toString() {
        return engine.toString();
    }
}
