package dev.mwsr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentiles_areNeverBelowAndAtMost3PercentAboveTheTrueValue() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v);
        }
        for (double p : new double[] {0.5, 0.9, 0.99, 0.999}) {
            long exact = (long) Math.ceil(p * 100_000);
            long got = h.percentile(p);
            assertTrue(got >= exact && got <= exact * 1.032, p + ": " + got + " vs " + exact);
        }
        assertEquals(100_000, h.max());
        assertEquals(100_000, h.count());
    }

    @Test
    void bucketBounds_coverEveryValue() {
        for (long v : new long[] {0, 1, 31, 32, 33, 63, 64, 1000, 123_456_789, Long.MAX_VALUE}) {
            int i = LatencyHistogram.index(v);
            assertTrue(LatencyHistogram.upperBound(i) >= v, "upper bound of " + v);
            assertTrue(i == 0 || LatencyHistogram.upperBound(i - 1) < v, "bucket below " + v);
        }
    }

    @Test
    void add_mergesCountsAndMax() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(10);
        b.record(1_000_000);
        a.add(b);
        assertEquals(2, a.count());
        assertEquals(1_000_000, a.max());
        assertEquals(10, a.percentile(0.5));
    }
}
