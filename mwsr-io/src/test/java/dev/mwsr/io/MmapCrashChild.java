package dev.mwsr.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child JVM of {@link MappedFlusherTest}'s kill -9 test: writes batches of {@code line-N}
 * through {@code FileFlusher.mmap} (64 KiB windows, so several remaps), then, in the middle of a
 * batch and in the middle of a line, prints {@code torn} and waits to be killed.
 */
public final class MmapCrashChild {
    private MmapCrashChild() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path file = Path.of(args[0]);
        int tornAt = 5_050;
        Encoder<CharSequence> encoder = (s, out) -> {
            if (s.equals("line-" + tornAt)) {
                out.putUtf8("line-50"); // half a line, then die here
                System.out.println("torn");
                System.out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Encoder.utf8Lines().encode(s, out);
        };
        try (FileFlusher<CharSequence> f =
                FileFlusher.mmap(file, encoder, FileFlusher.Options.DEFAULT.withBufferSize(64 * 1024))) {
            for (int b = 0; ; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    batch.add("line-" + (b * 100 + i));
                }
                f.accept(batch);
            }
        }
    }
}
