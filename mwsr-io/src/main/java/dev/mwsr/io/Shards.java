package dev.mwsr.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Shard file naming, {@code name-00000-of-00004}, shared by the sharded writer and reader. */
final class Shards {
    static final int MAX_SHARDS = 99_999;

    private Shards() {}

    static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "shard set name must be a plain, non-empty file name" + " (no separators), was \"" + name + "\"");
        }
        return name;
    }

    static String fileName(String name, int index, int count) {
        return String.format("%s-%05d-of-%05d", name, index, count);
    }

    // By shard count, each list by index (null where missing); empty if none or no dir.
    static Map<Integer, List<Path>> find(Path dir, String name) throws IOException {
        Pattern pattern = Pattern.compile(Pattern.quote(name) + "-(\\d{5})-of-(\\d{5})");
        Map<Integer, List<Path>> sets = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return sets;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Matcher m = pattern.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                int index = Integer.parseInt(m.group(1));
                int count = Integer.parseInt(m.group(2));
                if (count < 1 || index >= count) {
                    continue;
                }
                List<Path> set = sets.computeIfAbsent(count, c -> {
                    List<Path> slots = new ArrayList<>(c);
                    for (int i = 0; i < c; i++) {
                        slots.add(null);
                    }
                    return slots;
                });
                set.set(index, p);
            }
        }
        return sets;
    }

    static List<Path> complete(Path dir, String name) throws IOException {
        Map<Integer, List<Path>> sets = find(dir, name);
        if (sets.isEmpty()) {
            throw new NoSuchFileException(
                    dir.resolve(name + "-?????-of-?????").toString(), null, "no shard files of that name");
        }
        if (sets.size() > 1) {
            throw new IOException(dir + ": several shard sets called " + name + " with different shard counts "
                    + sets.keySet() + "; remove all but one");
        }
        Map.Entry<Integer, List<Path>> set = sets.entrySet().iterator().next();
        List<Path> paths = set.getValue();
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            if (paths.get(i) == null) {
                missing.add(fileName(name, i, set.getKey()));
            }
        }
        if (!missing.isEmpty()) {
            throw new NoSuchFileException(
                    dir.toString(),
                    null,
                    "shard set " + name + " is incomplete, missing "
                            + (missing.size() > 5
                                    ? missing.subList(0, 5) + " and " + (missing.size() - 5) + " more"
                                    : missing));
        }
        return List.copyOf(paths);
    }
}
