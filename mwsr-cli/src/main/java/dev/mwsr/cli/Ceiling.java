package dev.mwsr.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What the file system under the bench file takes at best: one thread writing the same number of
 * pre-encoded bytes with {@link FileChannel} in 64 KiB writes into a temporary file beside it (same
 * directory, so the same file system), forced once at the end when the run used {@code --fsync}.
 * The bench prints its own result as a share of this.
 */
final class Ceiling {
    /*
     * Implementation notes. The bytes are lines of the bench's length in one direct 64 KiB buffer
     * rewritten again and again: no encoding, no queue, no second thread, so this is the disk and
     * the kernel's page cache alone (the JMH module's FileCeilingBench measures the same). It runs
     * after the bench's own file is closed and verified, so the two do not compete; its file is
     * deleted in every case. A bench file that is not a regular file (a device such as /dev/null)
     * has no file system to measure beside it: then there is no ceiling.
     */

    static final int WRITE = 64 * 1024;

    /** Bytes per second, or -1 if not measurable there. */
    final double bytesPerSecond;

    private Ceiling(double bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Writes {@code bytes} beside {@code file} and times it. */
    static Ceiling measure(Path file, long bytes, int lineBytes, boolean fsync) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isRegularFile(file) || dir == null || bytes == 0) {
            return new Ceiling(-1);
        }
        ByteBuffer block = ByteBuffer.allocateDirect(WRITE);
        byte[] line = new byte[lineBytes];
        Arrays.fill(line, (byte) 'x');
        line[lineBytes - 1] = '\n';
        byte[] head = "0 0 ".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, line, 0, Math.min(head.length, lineBytes - 1));
        while (block.hasRemaining()) {
            block.put(line, 0, Math.min(line.length, block.remaining()));
        }
        Path probe = Files.createTempFile(dir, ".mwsr-ceiling-", ".tmp");
        try (FileChannel out = FileChannel.open(probe, StandardOpenOption.WRITE)) {
            long start = System.nanoTime();
            for (long left = bytes; left > 0; ) {
                block.clear().limit((int) Math.min(WRITE, left));
                while (block.hasRemaining()) {
                    left -= out.write(block);
                }
            }
            if (fsync) {
                out.force(true);
            }
            long elapsed = Math.max(1, System.nanoTime() - start);
            return new Ceiling(bytes / (elapsed / 1e9));
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    boolean measured() {
        return bytesPerSecond > 0;
    }
}
