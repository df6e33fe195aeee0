package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PositionProfileTest {
  private static final double[] THETA = BaseSearch.theta(32, 10_000);

  /** Angles seen when training at 4096 tokens: A_n = 4095·θ_n, full once that reaches 2π. */
  private static double[] trainedAngles() {
    double[] a = new double[THETA.length];
    for (int n = 0; n < a.length; n++) {
      a[n] = 4095 * THETA[n];
    }
    return a;
  }

  @Test
  void chunkedRangesMergeToSingleRange() {
    PositionProfile p = new PositionProfile(THETA, trainedAngles());
    long to = 70_000;
    PositionProfile.Result whole = p.profile(0, to);
    long[] cuts = {0, 1000, 2049, 4099, 20_000, 65_536, 69_999, to};
    PositionProfile.Result merged = PositionProfile.Result.empty();
    for (int c = cuts.length - 2; c >= 0; c--) { // reverse order: merge must not care
      merged = PositionProfile.merge(merged, p.profile(cuts[c], cuts[c + 1]));
    }
    assertEquals(whole.firstNegative(), merged.firstNegative());
    assertEquals(whole.firstOod(), merged.firstOod());
    assertEquals(whole.buckets().size(), merged.buckets().size());
    assertEquals(PositionBuckets.count(to - 1), whole.buckets().size());
    for (int i = 0; i < whole.buckets().size(); i++) {
      PositionProfile.Bucket a = whole.buckets().get(i);
      PositionProfile.Bucket b = merged.buckets().get(i);
      assertEquals(a.bucket(), b.bucket());
      assertEquals(a.start(), b.start());
      assertEquals(a.end(), b.end());
      assertEquals(a.count(), b.count());
      assertEquals(a.marginMin(), b.marginMin());
      assertEquals(a.marginMax(), b.marginMax());
      assertEquals(a.decayMin(), b.decayMin());
      assertEquals(a.decayMax(), b.decayMax());
      assertEquals(a.oodMin(), b.oodMin());
      assertEquals(a.oodMax(), b.oodMax());
      assertEquals(a.oodSum(), b.oodSum());
      assertEquals(a.marginSum(), b.marginSum(), 1e-9 * Math.max(1, Math.abs(a.marginSum())));
      assertEquals(a.decaySum(), b.decaySum(), 1e-9 * Math.max(1, Math.abs(a.decaySum())));
    }
  }

  @Test
  void statisticsMatchDirectPerPositionValues() {
    double[] angles = trainedAngles();
    PositionProfile.Result r = new PositionProfile(THETA, angles).profile(4000, 6000);
    AngleCoverage cov = new AngleCoverage(THETA, angles);
    assertEquals(4096, r.firstOod()); // first m with m·θ_n > 4095·θ_n for a non-full pair
    assertEquals(cov.firstOod(), r.firstOod());
    long firstNeg = -1;
    for (PositionProfile.Bucket b : r.buckets()) {
      long lo = Math.max(4000, b.start());
      long hi = Math.min(6000, b.end());
      assertEquals(hi - lo, b.count());
      double min = Double.POSITIVE_INFINITY;
      double sum = 0;
      double dMax = Double.NEGATIVE_INFINITY;
      int oMax = 0;
      for (long m = lo; m < hi; m++) {
        double v = MarginKernel.direct(THETA, m) / THETA.length;
        if (v < 0 && firstNeg < 0) {
          firstNeg = m;
        }
        min = Math.min(min, v);
        sum += v;
        dMax = Math.max(dMax, DecayBound.direct(THETA, m));
        oMax = Math.max(oMax, cov.oodPairs(m));
      }
      assertEquals(min, b.marginMin(), 1e-9);
      assertEquals(sum, b.marginSum(), 1e-9 * b.count());
      assertEquals(dMax, b.decayMax(), 1e-9);
      assertEquals(oMax, b.oodMax());
    }
    assertEquals(firstNeg, r.firstNegative());
    // 4000 lies in octave 11: sub-bucket (4000 − 2048)·512 / 2048 = 488.
    assertEquals(2048 + 488, r.buckets().get(0).bucket());
  }
}
