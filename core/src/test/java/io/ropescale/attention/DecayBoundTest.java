package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DecayBoundTest {
  @Test
  void blockBoundMatchesDirectQuadraticSum() {
    Random rnd = new Random(23);
    for (int d : new int[] {2, 16, 128, 256}) {
      double[][] thetas = {MarginKernelTest.randomTheta(rnd, d / 2), BaseSearch.theta(d, 10_000)};
      for (double[] theta : thetas) {
        DecayBound bound = new DecayBound(theta);
        for (long from : new long[] {0, 4093, (1L << 24) - 40, 987_654_321L}) {
          double[] out = new double[80];
          bound.bound(from, out.length, out, 0);
          for (int i = 0; i < out.length; i += d >= 128 ? 7 : 1) {
            double ref = DecayBound.direct(theta, from + i);
            assertTrue(Math.abs(out[i] - ref) <= 1e-9,
                "d=" + d + " m=" + (from + i) + " " + out[i] + " vs " + ref);
          }
        }
      }
    }
  }

  @Test
  void boundAtZeroIsMeanPrefixLength() {
    // m = 0: S_j = j, so (2/d)·Σ_{j=1}^{d/2} j = (d/2 + 1)/2.
    double[] out = new double[1];
    new DecayBound(BaseSearch.theta(128, 10_000)).bound(0, 1, out, 0);
    assertEquals(32.5, out[0], 1e-12);
  }

  @Test
  void splitRangesGiveIdenticalValues() {
    DecayBound bound = new DecayBound(BaseSearch.theta(64, 500_000));
    double[] whole = new double[3000];
    bound.bound(77, whole.length, whole, 0);
    double[] parts = new double[3000];
    bound.bound(77, 1000, parts, 0);
    bound.bound(1077, 2000, parts, 1000);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(Double.doubleToLongBits(whole[i]), Double.doubleToLongBits(parts[i]));
    }
  }
}
