package dev.mwsr.io.cli;

import dev.mwsr.io.CorruptRecordException;
import dev.mwsr.io.RecordReader;
import dev.mwsr.io.ShardedRecordReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code records count|verify|dump FILE…}: inspects record files (TFRecord framing) and shard
 * sets. A FILE that does not exist but names a shard set ({@code DIR/NAME} for files
 * {@code DIR/NAME-00000-of-0000N} …) stands for all its shards.
 *
 * <p>Exit codes: 0 all good; 1 a corrupt record, or (for {@code verify}) a torn tail; 2 usage
 * error or a file that cannot be read. Output goes to {@code out}, diagnostics to {@code err}.
 */
public final class RecordsCommand {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private static final int PREVIEW_BYTES = 32;

    static final String USAGE_TEXT = """
            Usage: records count|verify|dump FILE...
              count   print the number of valid records of each file (and the total)
              verify  check every record's length and payload CRC-32C; a torn tail also fails
              dump    print offset, length and a preview (text or hex) of every record
            FILE is a record file in TFRecord framing, or DIR/NAME for the shard set
            DIR/NAME-00000-of-0000N ... written by ShardedRecordWriter.
            Exit status: 0 ok, 1 corrupt record (or torn tail, for verify), 2 usage or I/O error.
            """;

    private RecordsCommand() {}

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code records}: a subcommand and files, or {@code --help}
     * @param out where results go
     * @param err where diagnostics go
     * @return the exit code: 0 ok, 1 verification failure, 2 usage or I/O error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        if (!rest.isEmpty() && rest.get(0).equals("records")) {
            rest.remove(0);
        }
        if (rest.isEmpty()) {
            err.print(USAGE_TEXT);
            return USAGE;
        }
        String command = rest.remove(0);
        if (command.equals("--help") || command.equals("-h") || command.equals("help") || rest.contains("--help")) {
            out.print(USAGE_TEXT);
            return OK;
        }
        if (!List.of("count", "verify", "dump").contains(command)) {
            err.println("records: unknown command '" + command + "'");
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if (rest.isEmpty()) {
            err.println("records " + command + ": no FILE given");
            err.print(USAGE_TEXT);
            return USAGE;
        }
        int status = OK;
        long total = 0;
        int files = 0;
        for (String arg : rest) {
            List<Path> paths;
            try {
                paths = resolve(Path.of(arg));
            } catch (IOException | RuntimeException e) {
                err.println("records " + command + ": " + arg + ": " + message(e));
                status = Math.max(status, USAGE);
                continue;
            }
            for (Path p : paths) {
                Result r = inspect(command, p, out, err);
                status = Math.max(status, r.status);
                total += r.count;
                files++;
            }
        }
        if (command.equals("count") && files > 1) {
            out.println(total + "\ttotal");
        }
        return status;
    }

    /** A record file, or the shards of a shard set. */
    private static List<Path> resolve(Path arg) throws IOException {
        if (Files.exists(arg)) {
            return List.of(arg);
        }
        Path dir = arg.toAbsolutePath().getParent();
        Path name = arg.getFileName();
        if (dir == null || name == null) {
            throw new NoSuchFileException(arg.toString());
        }
        try (ShardedRecordReader shards = ShardedRecordReader.open(dir, name.toString())) {
            List<Path> paths = new ArrayList<>();
            for (RecordReader r : shards.shards()) {
                paths.add(r.path());
            }
            return paths;
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    arg.toString(),
                    null,
                    "no such file or shard set"
                            + (e.getReason() == null || e.getReason().equals("no shard files of that name")
                                    ? ""
                                    : " (" + e.getReason() + ")"));
        }
    }

    private record Result(int status, long count) {}

    private static Result inspect(String command, Path path, PrintStream out, PrintStream err) {
        long count = 0;
        try (RecordReader reader = RecordReader.open(path)) {
            boolean dump = command.equals("dump");
            if (dump) {
                out.println("# " + path);
            }
            long offset = 0;
            for (ByteBuffer record : reader) {
                if (dump) {
                    out.println(offset + "\t" + record.remaining() + "\t" + preview(record));
                }
                offset += 16L + record.remaining();
                count++;
            }
            int status = OK;
            if (reader.tornTail()) {
                String tail = "torn tail: " + (reader.size() - reader.validLength()) + " bytes after the last valid"
                        + " record at byte offset " + reader.validLength();
                err.println((command.equals("verify") ? "FAILED " : "note: ") + path + ": " + tail);
                status = command.equals("verify") ? FAILED : OK;
            }
            switch (command) {
                case "count" -> out.println(count + "\t" + path);
                case "verify" -> {
                    if (status == OK) {
                        out.println("OK " + path + ": " + count + " records, " + reader.validLength() + " bytes");
                    }
                }
                default -> {}
            }
            return new Result(status, count);
        } catch (UncheckedIOException e) {
            return failure(command, path, e.getCause(), count, err);
        } catch (IOException e) {
            return failure(command, path, e, count, err);
        }
    }

    private static Result failure(String command, Path path, IOException e, long count, PrintStream err) {
        if (e instanceof CorruptRecordException) {
            err.println("FAILED " + e.getMessage() + " (after " + count + " valid records)");
            return new Result(FAILED, count);
        }
        err.println("records " + command + ": " + path + ": " + message(e));
        return new Result(USAGE, count);
    }

    /** Up to 32 bytes: quoted text if they are printable UTF-8, else hex. */
    static String preview(ByteBuffer record) {
        int n = Math.min(record.remaining(), PREVIEW_BYTES);
        ByteBuffer head = record.slice(record.position(), n);
        String more = record.remaining() > n ? "…" : "";
        // A cut record may end inside a character: try dropping up to 3 bytes of it.
        int shortest = more.isEmpty() ? n : Math.max(0, n - 3);
        for (int len = n; len >= shortest; len--) {
            String text = text(head.slice(0, len));
            if (text != null) {
                return "\"" + text + "\"" + more;
            }
        }
        StringBuilder hex = new StringBuilder(3 * n);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                hex.append(' ');
            }
            hex.append(String.format("%02x", head.get(i) & 0xff));
        }
        return hex + more;
    }

    /** The bytes as escaped text if they are valid UTF-8 without control characters, else null. */
    private static String text(ByteBuffer bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        if (text.codePoints().anyMatch(Character::isISOControl)) {
            return null;
        }
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static String message(Exception e) {
        if (e instanceof NoSuchFileException nsf) {
            return (nsf.getReason() != null ? nsf.getReason() : "no such file") + ": " + nsf.getFile();
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }
}
