package dev.mwsr.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The mwsr command line: {@code bench} (a load generator that writes lines through an
 * {@code AsyncBuffer} or a {@code ByteBatchBuffer} into a file, verifies it and prints a table) and {@code records} (the record
 * file inspector, and {@code records repair}). Exit codes, the same for every command: 0 ok, 1 a
 * failure (verification, a corrupt record, or an I/O error, printed as one line naming the file and
 * the reason), 2 a usage error (one line saying what to change, no Java class name).
 *
 * <p>The jar's entry point is {@link Launcher}, compiled for Java 17, which says in one line that a
 * Java 21+ runtime is needed before any class of this tool is loaded.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE_ERROR = 2;

    private Main() {}

    /**
     * Runs one command and exits the JVM with its exit code.
     *
     * @param args the command and its arguments; {@code --help} for usage
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static final String USAGE = """
            usage: java -jar mwsr-cli-0.1.0-SNAPSHOT-cli.jar <command> [options]

            commands:
              bench     M threads write N lines through AsyncBuffer (--route items) or
                        ByteBatchBuffer (--route bytes) into a file, verify it, print
                        throughput, batches and write latency (bench --help)
              records   inspect TFRecord files: count, verify, dump, and repair a file whose
                        writer died (records --help)

            exit codes: 0 ok, 1 verification or I/O failure, 2 usage error
            """;

    /** Runs one command; returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("mwsr: no command given: bench or records (see --help)");
            return USAGE_ERROR;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                yield OK;
            }
            case "bench" -> BenchCommand.run(rest, out, err);
            case "records" -> records(rest, out, err);
            default -> {
                err.println("mwsr: unknown command '" + args[0] + "': bench or records (see --help)");
                yield USAGE_ERROR;
            }
        };
    }

    private static int records(String[] args, PrintStream out, PrintStream err) {
        return RecordsCommand.run(args, out, err);
    }
}
