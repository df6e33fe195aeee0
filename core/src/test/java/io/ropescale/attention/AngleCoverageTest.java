package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AngleCoverageTest {
  @Test
  void handCheckedFourDimCase() {
    // d = 4: pair 0 (θ=1, A=7 ≥ 2π) is full; pair 1 (θ=0.5, A=3) has threshold 3/0.5 = 6.
    AngleCoverage c = new AngleCoverage(new double[] {1.0, 0.5}, new double[] {7.0, 3.0});
    assertEquals(6.0, c.bound());
    assertEquals(0, c.oodPairs(0));
    assertEquals(0, c.oodPairs(6)); // 6·0.5 = 3 equals A: still in distribution
    assertEquals(1, c.oodPairs(7));
    assertEquals(7, c.firstOod());
    assertEquals(1, c.nonFullPairs());
  }

  @Test
  void handCheckedSixDimCase() {
    // d = 6: thresholds 2.5/0.25 = 10 and 1.5/0.125 = 12 (both non-full), pair 0 full.
    AngleCoverage c = new AngleCoverage(new double[] {2.0, 0.25, 0.125},
        new double[] {2 * Math.PI, 2.5, 1.5});
    assertEquals(10.0, c.bound());
    assertEquals(11, c.firstOod());
    assertEquals(0, c.oodPairs(10));
    assertEquals(1, c.oodPairs(11));
    assertEquals(1, c.oodPairs(12));
    assertEquals(2, c.oodPairs(13));
    assertEquals(2, c.oodPairs(1_000_000));
  }

  @Test
  void nonIntegerThresholdGivesCeiling() {
    AngleCoverage c = new AngleCoverage(new double[] {0.5}, new double[] {2.6});
    assertEquals(5.2, c.bound(), 1e-15);
    assertEquals(6, c.firstOod());
    assertEquals(0, c.oodPairs(5));
    assertEquals(1, c.oodPairs(6));
  }

  @Test
  void lastTrainedPositionIsNeverOod() {
    // A_n = (L−1)·θ_n in doubles; A_n/θ_n may round below L−1, the product never exceeds A_n.
    double[] theta = BaseSearch.theta(128, 500_000);
    for (long train : new long[] {4096, 8192, 100_000, 1L << 20}) {
      double[] a = new double[theta.length];
      for (int n = 0; n < a.length; n++) {
        a[n] = (train - 1) * theta[n];
      }
      AngleCoverage c = new AngleCoverage(theta, a);
      assertTrue(c.nonFullPairs() > 0);
      assertEquals(0, c.oodPairs(train - 1));
      assertEquals(train, c.firstOod());
      assertEquals(c.nonFullPairs(), c.oodPairs(train));
    }
  }

  @Test
  void allFullPairsNeverOod() {
    AngleCoverage c = new AngleCoverage(new double[] {1.0, 0.001}, new double[] {7.0, 2 * Math.PI});
    assertEquals(Double.POSITIVE_INFINITY, c.bound());
    assertEquals(-1, c.firstOod());
    assertEquals(0, c.oodPairs(Long.MAX_VALUE / 2));
  }
}
