package dev.mwsr.io.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The mwsr command line: {@code bench} (a load generator that writes lines through an
 * {@code AsyncBuffer} or a {@code ByteBatchBuffer} into a file, verifies it and prints a table) and {@code records} (the record
 * file inspector). Exit codes: 0 ok, 1 failure (verification or I/O), 2 usage error.
 */
public final class Main {
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
            usage: java -jar mwsr-io-cli.jar <command> [options]

            commands:
              bench     M threads write N lines through AsyncBuffer (--route items) or
                        ByteBatchBuffer (--route bytes) into a file, verify it, print
                        throughput, batches and write latency (bench --help)
              records   inspect TFRecord files: count, verify, dump (records --help)

            exit codes: 0 ok, 1 verification or I/O failure, 2 usage error
            """;

    /** Runs one command; returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                yield 0;
            }
            case "bench" -> BenchCommand.run(rest, out, err);
            case "records" -> records(rest, out, err);
            default -> {
                err.println("unknown command: " + args[0]);
                err.print(USAGE);
                yield 2;
            }
        };
    }

    private static int records(String[] args, PrintStream out, PrintStream err) {
        return RecordsCommand.run(args, out, err);
    }
}
