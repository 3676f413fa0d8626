package dev.mwsr.cli;

/**
 * A log-linear histogram of nanosecond latencies: values below 32 are exact, larger ones fall in
 * one of 32 buckets per power of two (at most 1/32 = 3.1 % too high when reported). One per
 * writer thread, not thread-safe; {@link #add} merges them.
 */
final class LatencyHistogram {
    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;

    private final long[] counts = new long[(64 - SUB_BITS + 1) * SUB];
    private long total;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        max = Math.max(max, v);
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    /**
     * The smallest bucket bound such that at least {@code fraction} of the values are at or below
     * it (never below the true percentile, at most 3.1 % above it); 0 when empty.
     */
    long percentile(double fraction) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(upperBound(i), max);
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int sub = (int) (v >>> (exponent - SUB_BITS)) & (SUB - 1);
        return (exponent - SUB_BITS + 1) * SUB + sub;
    }

    /** The largest value that falls in bucket {@code i}. */
    static long upperBound(int i) {
        if (i < SUB) {
            return i;
        }
        int exponent = i / SUB + SUB_BITS - 1;
        long sub = i % SUB;
        long lower = (1L << exponent) | (sub << (exponent - SUB_BITS));
        return lower + (1L << (exponent - SUB_BITS)) - 1;
    }
}
