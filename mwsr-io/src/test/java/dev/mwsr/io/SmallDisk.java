package dev.mwsr.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small file system for full-disk tests: a tmpfs of the given size mounted on a fresh
 * directory (needs root and Linux; the test is skipped with a message where mounting fails), and
 * a filler file that takes all but a chosen amount of its space. {@link #close()} unmounts.
 */
final class SmallDisk implements AutoCloseable {
    final Path dir;
    private final Path filler;

    private SmallDisk(Path dir) {
        this.dir = dir;
        this.filler = dir.resolve("filler");
    }

    /** Mounts a tmpfs of {@code size} (as for {@code mount -o size=}, e.g. "2m") under {@code parent}. */
    static SmallDisk mount(Path parent, String size) throws IOException, InterruptedException {
        Path dir = Files.createDirectory(parent.resolve("tmpfs"));
        int rc;
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            rc = p.waitFor(10, TimeUnit.SECONDS) ? p.exitValue() : -1;
            Assumptions.assumeTrue(rc == 0, "cannot mount a tmpfs here (needs root): " + out.strip());
        } catch (IOException noMount) {
            Assumptions.abort("cannot run mount: " + noMount);
        }
        return new SmallDisk(dir);
    }

    /** Fills the disk with a filler file until at most {@code bytes} are free. */
    void leaveFree(long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(4096);
            while (Files.getFileStore(dir).getUsableSpace() > bytes) {
                page.clear();
                try {
                    ch.write(page, ch.size());
                } catch (IOException full) {
                    return;
                }
            }
        }
    }

    /** Gives the filler's space back. */
    void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    @Override
    public void close() throws IOException {
        boolean unmounted = run("umount", dir.toString());
        // On the Java 21 paths a closed mmap flusher's mapping is released by the garbage
        // collector, not at close() (a documented limit): let it run, then ask again.
        for (int i = 0; !unmounted && !Mapping.DETERMINISTIC && i < 20; i++) {
            System.gc();
            sleep(50);
            unmounted = run("umount", dir.toString());
        }
        if (!unmounted) {
            run("umount", "-l", dir.toString()); // still unmount, but say that a handle was left open
            throw new IOException("cannot unmount " + dir + ": a file on it is still open");
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to unmount", e);
        }
    }

    private static boolean run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        try {
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
    }
}
