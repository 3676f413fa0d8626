package dev.mwsr.jcstress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import org.openjdk.jcstress.JCStress;
import org.openjdk.jcstress.Options;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.Status;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.TestGrading;

/**
 * Runs jcstress with the given arguments (as {@code org.openjdk.jcstress.Main} takes them; with
 * {@code -p <result file>} it only grades an earlier run) and then checks every result, because jcstress' own exit status does not say whether a FORBIDDEN
 * outcome was seen. Exits non-zero, failing the build, if:
 * <ul>
 *   <li>a test saw a FORBIDDEN outcome, or ended in an error (exception, timeout, VM crash);</li>
 *   <li>a selected test has no result at all (for example a test with more actors than the
 *       {@code -c} CPUs, which jcstress silently cannot schedule);</li>
 *   <li>a planted-bug test (a class inside {@link PlantedBugs}) did <em>not</em> see its
 *       FORBIDDEN outcome: then the suite has lost its teeth. These tests are expected to fail,
 *       so their forbidden outcomes do not fail the build. The exception is a planted bug listed
 *       in {@link #RARE}: it shows up only a few times per run in CI mode, so missing it is a
 *       warning.</li>
 * </ul>
 */
public final class CiRun {
    private static final String PLANTED = PlantedBugs.class.getName();
    /** Planted bugs caught only a few times per CI run (about 1 in 20,000 samples): a miss is a warning. */
    private static final Set<String> RARE = Set.of(
            PlantedBugs.ExactlyOnce_UnlockedCopy.class.getCanonicalName(),
            RingModel.Planted_PublishBeforeClear.class.getCanonicalName());

    /** Fewer samples than this in a test is worth a warning: its result says little. */
    private static final long LOW_SAMPLES = 10_000;

    private CiRun() {}

    public static void main(String[] args) throws Exception {
        Options opts = new Options(args);
        if (!opts.parse()) {
            System.exit(2);
        }
        JCStress jcstress = new JCStress(opts);
        SortedSet<String> selected = jcstress.getTests();
        try {
            if (opts.shouldParse()) {
                jcstress.parseResults(); // -p <file>: grade an earlier run again, run nothing
            } else {
                jcstress.run();
            }
        } catch (AssertionError e) {
            // jcstress reports failed tests by throwing after its reports are written; we grade below.
            System.out.println("(jcstress reported failures; grading them, planted bugs expected)");
        }

        if (selected.isEmpty() || !Files.exists(Path.of(opts.getResultFile()))) {
            System.out.println("mwsr jcstress check: FAILED: jcstress ran nothing (no test selected, or too few"
                    + " CPUs for any test: see the FATAL line above)");
            System.exit(1);
        }
        InProcessCollector collector = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(opts.getResultFile(), collector);
        try {
            reader.dump();
        } finally {
            reader.close();
        }
        System.out.println();
        System.out.println("mwsr jcstress summary (samples per outcome, all configurations):");
        List<String> problems = check(selected, collector.getTestResults());

        System.out.println("mwsr jcstress check: " + selected.size() + " tests, report in " + opts.getResultDest());
        if (problems.isEmpty()) {
            System.out.println("mwsr jcstress check: PASSED");
            return;
        }
        problems.forEach(p -> System.out.println("  " + p));
        System.out.println("mwsr jcstress check: FAILED (" + problems.size() + " problems)");
        System.exit(1);
    }

    private static List<String> check(Collection<String> selected, Collection<TestResult> results) {
        Map<String, List<TestResult>> byTest = new TreeMap<>();
        for (TestResult r : results) {
            byTest.computeIfAbsent(r.getName(), k -> new ArrayList<>()).add(r);
        }
        List<String> problems = new ArrayList<>();
        for (String test : selected) {
            List<TestResult> runs = byTest.getOrDefault(test, List.of());
            boolean planted = test.startsWith(PLANTED + ".")
                    || test.startsWith(PLANTED + "$")
                    || test.startsWith(AdmissionModel.class.getName() + ".Planted_")
                    || test.startsWith(AdmissionModel.class.getName() + "$Planted_")
                    || test.startsWith(RingModel.class.getName() + ".Planted_")
                    || test.startsWith(RingModel.class.getName() + "$Planted_");
            if (runs.isEmpty()) {
                problems.add("NOT RUN    " + test + " (more actors than CPUs? see the scheduling classes above)");
                continue;
            }
            long forbidden = 0;
            long samples = 0;
            Map<String, Long> counts = new TreeMap<>();
            Map<String, Expect> expects = new TreeMap<>();
            for (TestResult r : runs) {
                if (r.status() != Status.NORMAL) {
                    problems.add("ERROR      " + test + ": " + r.status() + " " + r.getMessages());
                }
                samples += r.getTotalCount();
                for (GradingResult g : TestGrading.grade(r).gradingResults.values()) {
                    if (g.count > 0) {
                        counts.merge(g.id, g.count, Long::sum);
                        expects.put(g.id, g.expect);
                    }
                    if (g.expect == Expect.FORBIDDEN) {
                        forbidden += g.count;
                    }
                }
            }
            System.out.println(test.substring(test.lastIndexOf('.', test.lastIndexOf('.') - 1) + 1) + ":");
            counts.forEach((id, n) -> System.out.printf("  %14d  %-10s  %s%n", n, expects.get(id), id));
            if (samples < LOW_SAMPLES) {
                System.out.println("WARNING: only " + samples + " samples for " + test
                        + " (machine overloaded, or a slow path in the code under test?)");
            }
            if (planted) {
                String line = "planted bug " + (forbidden > 0 ? "CAUGHT     " : "NOT CAUGHT ") + test + ": " + forbidden
                        + " forbidden of " + samples + " samples";
                System.out.println(line);
                if (forbidden == 0 && RARE.contains(test)) {
                    System.out.println("WARNING: a rare planted bug escaped this run; run the full mode to see it");
                } else if (forbidden == 0) {
                    problems.add(line);
                }
            } else if (forbidden > 0) {
                problems.add("FORBIDDEN  " + test + ": " + forbidden + " of " + samples + " samples");
            }
        }
        return problems;
    }
}
