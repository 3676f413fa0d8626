package dev.mwsr.cli;

import dev.mwsr.io.CorruptRecordException;
import dev.mwsr.io.RecordReader;
import dev.mwsr.io.ShardedRecordReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code records count|verify|dump|repair FILE…}: inspects record files (TFRecord framing) and
 * shard sets, and repairs a file whose writer died. A FILE that does not exist but names a shard
 * set ({@code DIR/NAME} for files {@code DIR/NAME-00000-of-0000N} …) stands for all its shards.
 * Only regular files are read: a directory, a FIFO (which would block) or a device (which has no
 * length: {@code /dev/zero} would look like an empty file) is refused.
 *
 * <p>Exit codes, as for every command of the tool: 0 all good; 1 a corrupt record, (for
 * {@code verify}) a torn tail, a file {@code repair} refuses, or an I/O error (one line naming the
 * file and the reason); 2 a usage error. Output goes to {@code out}, diagnostics to {@code err}.
 */
public final class RecordsCommand {
    /*
     * Implementation notes: repair.
     *
     * repair relies on RecordReader's own checks and changes nothing it does not prove is a tail.
     * A pass over the records ends in one of three ways: (1) at the end of the file: nothing to do;
     * (2) at a torn tail (the file ends inside the 12-byte header or before the declared end of the
     * last record): the file is cut to validLength(); (3) at a CorruptRecordException at offset X:
     * if every byte from X to the end is zero (a preallocated or mapped region the writer never
     * filled, as a crash leaves it), the file is cut to X; otherwise a damaged record lies before
     * data that is not zero, the file is refused and left as it is. The reader is closed before the
     * cut, the size is checked again (a file that grew meanwhile is refused: a writer is active),
     * and the cut is forced to the device.
     */

    static final int OK = Main.OK;
    static final int FAILED = Main.FAILED;
    static final int USAGE = Main.USAGE_ERROR;

    private static final int PREVIEW_BYTES = 32;

    static final String USAGE_TEXT = """
            Usage: records count|verify|dump|repair FILE...
              count   print the number of valid records of each file (and the total)
              verify  check every record's length and payload CRC-32C; a torn tail also fails
              dump    print offset, length and a preview (text or hex) of every record
              repair  cut a torn tail, or a tail of zero bytes, after the last valid record (as a
                      writer that died leaves it) and say how many bytes were removed; a file
                      with a corrupt record before other data is refused and left unchanged
            FILE is a regular file in TFRecord framing, or DIR/NAME for the shard set
            DIR/NAME-00000-of-0000N ... written by ShardedRecordWriter.
            Exit status: 0 ok, 1 corrupt record (or torn tail, for verify), refused repair or
            I/O error, 2 usage error.
            """;

    private static final List<String> COMMANDS = List.of("count", "verify", "dump", "repair");

    private RecordsCommand() {}

    /**
     * Runs the command.
     *
     * @param args the arguments after {@code records}: a subcommand and files, or {@code --help}
     * @param out where results go
     * @param err where diagnostics go
     * @return the exit code: 0 ok, 1 a failure (verification, refused repair, I/O), 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        if (!rest.isEmpty() && rest.get(0).equals("records")) {
            rest.remove(0);
        }
        if (rest.isEmpty()) {
            err.println("records: no command given: count, verify, dump or repair (see records --help)");
            return USAGE;
        }
        String command = rest.remove(0);
        if (command.equals("--help") || command.equals("-h") || command.equals("help") || rest.contains("--help")) {
            out.print(USAGE_TEXT);
            return OK;
        }
        if (!COMMANDS.contains(command)) {
            err.println("records: unknown command '" + command + "': count, verify, dump or repair (see records"
                    + " --help)");
            return USAGE;
        }
        if (rest.isEmpty()) {
            err.println("records " + command + ": no FILE given (see records --help)");
            return USAGE;
        }
        for (String arg : rest) {
            if (arg.startsWith("-")) {
                err.println("records " + command + ": unknown option " + arg + " (a file of that name: ./" + arg
                        + "; see records --help)");
                return USAGE;
            }
        }
        int status = OK;
        long total = 0;
        int files = 0;
        for (String arg : rest) {
            List<Path> paths;
            try {
                paths = resolve(Path.of(arg));
            } catch (IOException | RuntimeException e) {
                err.println(CliErrors.line("records " + command, Path.of(arg), e));
                status = Math.max(status, FAILED);
                continue;
            }
            for (Path p : paths) {
                Result r = command.equals("repair") ? repair(p, out, err) : inspect(command, p, out, err);
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

    /** A record file, or the shards of a shard set; refuses what is not a regular file. */
    private static List<Path> resolve(Path arg) throws IOException {
        if (Files.exists(arg)) {
            if (!Files.isRegularFile(arg)) {
                throw new FileSystemException(arg.toString(), null, notRegular(arg));
            }
            return List.of(arg);
        }
        Path dir = arg.toAbsolutePath().getParent();
        Path name = arg.getFileName();
        if (dir == null || name == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(arg.toString(), null, "no such file or shard set");
        }
        try (ShardedRecordReader shards = ShardedRecordReader.open(dir, name.toString())) {
            List<Path> paths = new ArrayList<>();
            for (RecordReader r : shards.shards()) {
                if (!Files.isRegularFile(r.path())) {
                    throw new FileSystemException(r.path().toString(), null, notRegular(r.path()));
                }
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

    private static String notRegular(Path p) {
        return Files.isDirectory(p)
                ? "is a directory, not a record file"
                : "not a regular file (a FIFO, socket or device): records are read from regular files only";
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
                        + " record at byte offset " + reader.validLength() + " (records repair cuts it)";
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
        if (e instanceof CorruptRecordException c) {
            err.println("FAILED " + path + ": corrupt record at byte offset " + c.offset() + " (after " + count
                    + " valid records)");
            return new Result(FAILED, count);
        }
        err.println(CliErrors.line("records " + command, path, e));
        return new Result(FAILED, count);
    }

    /** {@code records repair}: see the implementation notes above. */
    private static Result repair(Path path, PrintStream out, PrintStream err) {
        long count = 0;
        long size;
        long keep;
        String what;
        try {
            try (RecordReader reader = RecordReader.open(path)) {
                size = reader.size();
                long corruptAt = -1;
                try {
                    for (ByteBuffer ignored : reader) {
                        count++;
                    }
                } catch (UncheckedIOException e) {
                    if (!(e.getCause() instanceof CorruptRecordException c)) {
                        throw e.getCause();
                    }
                    corruptAt = c.offset();
                }
                if (corruptAt < 0) {
                    keep = reader.validLength();
                    what = "a torn tail";
                } else if (zeroFrom(path, corruptAt, size)) {
                    keep = corruptAt;
                    what = "zero bytes";
                } else {
                    err.println("records repair: " + path + ": corrupt record at byte offset " + corruptAt + " (after "
                            + count + " valid records) followed by data that is not zero: not a torn tail, left"
                            + " unchanged");
                    return new Result(FAILED, count);
                }
            }
            if (keep == size) {
                out.println("OK " + path + ": nothing to repair, " + count + " records, " + size + " bytes");
                return new Result(OK, count);
            }
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE)) {
                if (channel.size() != size) {
                    err.println("records repair: " + path + ": the file changed size while it was read (" + size
                            + " -> " + channel.size() + " bytes): is a writer still running? left unchanged");
                    return new Result(FAILED, count);
                }
                channel.truncate(keep);
                channel.force(true);
            }
            out.println("repaired " + path + ": removed " + (size - keep) + " bytes (" + what + ") after the last"
                    + " valid record; kept " + count + " records, " + keep + " bytes");
            return new Result(OK, count);
        } catch (IOException e) {
            err.println(CliErrors.line("records repair", path, e));
            return new Result(FAILED, count);
        } catch (UncheckedIOException e) {
            err.println(CliErrors.line("records repair", path, e));
            return new Result(FAILED, count);
        }
    }

    /** Whether every byte of the file from {@code from} to {@code size} is zero. */
    private static boolean zeroFrom(Path path, long from, long size) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long position = from;
            while (position < size) {
                chunk.clear();
                if (size - position < chunk.capacity()) {
                    chunk.limit((int) (size - position));
                }
                int n = channel.read(chunk, position);
                if (n < 0) {
                    return true; // shorter than it was: the rest is gone, the size check refuses the cut
                }
                chunk.flip();
                while (chunk.hasRemaining()) {
                    if (chunk.get() != 0) {
                        return false;
                    }
                }
                position += n;
            }
            return true;
        }
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
}
