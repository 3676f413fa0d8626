package dev.mwsr.io;

import static dev.mwsr.io.RecordFormat.FRAMING;
import static dev.mwsr.io.RecordFormat.HEADER;
import static dev.mwsr.io.RecordFormat.MAX_PAYLOAD;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/** {@link FileFlusher#records(Path, FileFlusher.Options)}. */
final class RecordFileFlusher implements FileFlusher<ByteBuffer>, FileEnd.Attempt<List<? extends ByteBuffer>> {
    /*
     * Records are framed into one reused little-endian direct buffer; the checksums are computed
     * over that copy through a private duplicate, so the caller's buffer never moves and nothing is
     * allocated per record. The length's CRC is recomputed only when the length changes. A record
     * larger than the buffer is not copied: one gathering write sends [pending + header, payload]
     * and its footer starts the next fill.
     *
     * `committed` is the file length after the last whole batch; a failed batch is cut back to it.
     * If the cut fails, `committed` moves past the records the PartialFlushException counts whole
     * and `broken` makes the next batch and close truncate the torn rest.
     */

    static final int DEFAULT_BUFFER = 256 * 1024;

    private final Path path;
    private final FileEnd end;
    private final boolean fsync;
    private final ByteBuffer buffer;
    private final ByteBuffer crcView;
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private final CRC32C crc = new CRC32C();
    private long lastLength = -1;
    private int lastLengthCrc;

    private long committed;
    private boolean broken;
    private boolean closed;

    private RecordFileFlusher(Path path, FileChannel channel, long committed, boolean fsync, int bufferSize) {
        this.path = path;
        this.end = new FileEnd(path, channel, false, StandardOpenOption.WRITE);
        this.committed = committed;
        this.fsync = fsync;
        this.buffer = ByteBuffer.allocateDirect(bufferSize).order(ByteOrder.LITTLE_ENDIAN);
        this.crcView = buffer.duplicate();
    }

    static RecordFileFlusher open(Path path, FileFlusher.Options options) {
        Objects.requireNonNull(options, "options");
        int buffer = options.bufferSize() == 0 ? DEFAULT_BUFFER : options.bufferSize();
        return open(path, options.append(), options.fsync(), buffer);
    }

    static RecordFileFlusher open(Path path, boolean append, boolean fsync, int bufferSize) {
        Objects.requireNonNull(path, "path");
        if (bufferSize < 64) {
            throw new IllegalArgumentException("buffer size must be at least 64 bytes, was " + bufferSize);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    path + ": cannot open the record file for " + (append ? "append" : "writing") + ": "
                            + e.getMessage(),
                    e);
        }
        return attach(path, channel, append, fsync, bufferSize);
    }

    // Tests pass a channel that fails on demand.
    static RecordFileFlusher attach(Path path, FileChannel channel, boolean append, boolean fsync, int bufferSize) {
        try {
            long end = 0;
            long size = channel.size();
            if (append && size > 0) {
                end = RecordReader.validPrefix(path);
            }
            if (end < size) {
                channel.truncate(end);
                if (fsync) {
                    channel.force(true);
                }
            }
            channel.position(end);
            return new RecordFileFlusher(path, channel, end, fsync, bufferSize);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(
                        path + ": cannot open the record file for " + (append ? "append" : "writing") + ": "
                                + io.getMessage(),
                        io);
            }
            throw (RuntimeException) e;
        }
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public void accept(List<? extends ByteBuffer> batch) {
        if (closed) {
            throw new IllegalStateException(path + ": the record flusher is closed");
        }
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            ByteBuffer b = Objects.requireNonNull(batch.get(i), "null record in batch; nothing was written");
            if (b.remaining() > MAX_PAYLOAD) {
                throw new IllegalArgumentException("record of " + b.remaining() + " bytes exceeds the largest"
                        + " payload, " + MAX_PAYLOAD + " bytes; nothing was written");
            }
        }
        FileEnd.writeExactlyOnce(batch, this);
    }

    @Override
    public void writeOnce(List<? extends ByteBuffer> batch) {
        end.reset();
        try {
            FileChannel channel = end.channel();
            if (broken) {
                channel.truncate(committed);
                broken = false;
            }
            channel.position(committed);
            end.begin(committed);
            long at = committed;
            for (int i = 0, n = batch.size(); i < n; i++) {
                at += frame(batch.get(i));
                end.itemEnded(at - committed);
            }
            drain();
            if (fsync) {
                channel.force(true);
            }
            committed = at;
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": writing records failed: " + e.getMessage(), e);
        }
    }

    @Override
    public RuntimeException undo(Throwable failure) {
        buffer.clear();
        RuntimeException partial = end.cutBack(failure);
        if (partial != null) {
            committed += end.durableBytes(); // those records stay; the torn rest is cut later
            broken = true;
        }
        return partial;
    }

    private long frame(ByteBuffer item) throws IOException {
        int len = item.remaining();
        int need = FRAMING + len;
        if (need > buffer.remaining() && buffer.position() > 0) {
            drain();
        }
        int at = buffer.position();
        buffer.putLong(at, len);
        if (len != lastLength) {
            lastLengthCrc = RecordFormat.maskedCrc(crc, crcView, at, 8);
            lastLength = len;
        }
        buffer.putInt(at + 8, lastLengthCrc);
        if (need <= buffer.remaining()) {
            buffer.put(at + HEADER, item, item.position(), len);
            buffer.putInt(at + HEADER + len, RecordFormat.maskedCrc(crc, crcView, at + HEADER, len));
            buffer.position(at + need);
        } else {
            ByteBuffer payload = item.duplicate();
            crc.reset();
            crc.update(payload);
            payload.position(item.position());
            buffer.position(at + HEADER).flip();
            gather[0] = buffer;
            gather[1] = payload;
            try {
                end.write(gather);
            } finally {
                gather[1] = null;
            }
            buffer.clear();
            buffer.putInt(RecordFormat.mask((int) crc.getValue()));
        }
        return need;
    }

    private void drain() throws IOException {
        buffer.flip();
        try {
            end.write(buffer);
        } finally {
            buffer.clear();
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (FileChannel channel = end.channel()) {
            if (broken) {
                channel.truncate(committed);
            }
        } catch (IOException e) {
            throw new IOException(path + ": closing the record file failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "records[" + path + "]";
    }
}
