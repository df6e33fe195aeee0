package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MarginKernelTest {
  private static final long M24 = 1L << 24;

  /** Random frequencies log-uniform in [1e-6, 1] plus a few near 1 and near π. */
  static double[] randomTheta(Random rnd, int pairs) {
    double[] t = new double[pairs];
    for (int n = 0; n < pairs; n++) {
      t[n] = n % 7 == 0 ? 1 + 2.1 * rnd.nextDouble() : Math.pow(10, -6 * rnd.nextDouble());
    }
    return t;
  }

  @Test
  void marginMatchesDirectWithin1e9() {
    Random rnd = new Random(11);
    double worst = 0;
    for (int d : new int[] {2, 64, 128, 256}) {
      double[][] thetas = {randomTheta(rnd, d / 2), BaseSearch.theta(d, 10_000), BaseSearch.theta(d, 5e8)};
      for (double[] theta : thetas) {
        MarginKernel k = new MarginKernel(theta);
        long[] starts = {0, M24 - 300, (1L << 30) + 77, rnd.nextInt(1 << 24), 123_456_789L};
        for (long from : starts) {
          int len = 600;
          double[] out = new double[len];
          k.margin(from, len, out, 0);
          for (int i = 0; i < len; i += (d == 256 ? 3 : 1)) {
            double err = Math.abs(out[i] - MarginKernel.direct(theta, from + i));
            worst = Math.max(worst, err);
            assertTrue(err <= 1e-9, "d=" + d + " m=" + (from + i) + " err=" + err);
          }
        }
      }
    }
    // The exact-product kernel agrees with the exact-product reference far below the target.
    assertTrue(worst < 1e-12, "worst " + worst);
  }

  /**
   * A naive Σ Math.cos(m·θ_n) rounds each product m·θ_n first (error ≤ ulp/2 per pair), so it can
   * only be matched up to Σ ulp(m·θ_n)/2; the kernel must stay inside that envelope.
   */
  @Test
  void naiveCosDiffersOnlyByProductRounding() {
    Random rnd = new Random(5);
    for (int d : new int[] {2, 64, 128, 256}) {
      double[] theta = randomTheta(rnd, d / 2);
      MarginKernel k = new MarginKernel(theta);
      double[] out = new double[512];
      k.margin(M24 - 256, 512, out, 0);
      for (int i = 0; i < out.length; i++) {
        long m = M24 - 256 + i;
        double naive = 0;
        double envelope = 1e-12;
        for (double t : theta) {
          naive += Math.cos(m * t);
          envelope += Math.ulp(m * t) / 2;
        }
        assertTrue(Math.abs(out[i] - naive) <= envelope, "d=" + d + " m=" + m);
      }
    }
    // With slowly rotating pairs only (θ ≤ 1/64, products below 2^18) the naive sum is itself
    // accurate, so the literal 1e-9 agreement with Math.cos(m·θ) holds up to m = 2^24.
    double[] slow = new double[128];
    for (int n = 0; n < slow.length; n++) {
      slow[n] = Math.pow(10_000, -2.0 * n / 256) / 64;
    }
    double[] out = new double[300];
    new MarginKernel(slow).margin(M24 - 150, 300, out, 0);
    for (int i = 0; i < out.length; i++) {
      double naive = 0;
      for (double t : slow) {
        naive += Math.cos((M24 - 150 + i) * t);
      }
      assertEquals(naive, out[i], 1e-9);
    }
  }

  @Test
  void rangeResultsAreBitIdenticalWhateverTheSplit() {
    double[] theta = randomTheta(new Random(3), 48);
    MarginKernel k = new MarginKernel(theta);
    long from = 5_000_000_011L;
    double[] whole = new double[9000];
    k.margin(from, whole.length, whole, 0);
    double[] parts = new double[9000];
    int[] cuts = {0, 1, 255, 256, 700, 2049, 4097, 8999, 9000};
    for (int c = 0; c + 1 < cuts.length; c++) {
      k.margin(from + cuts[c], cuts[c + 1] - cuts[c], parts, cuts[c]);
    }
    for (int i = 0; i < whole.length; i++) {
      assertEquals(Double.doubleToLongBits(whole[i]), Double.doubleToLongBits(parts[i]), "i=" + i);
    }
  }

  @Test
  void firstNegativeMatchesBruteForceScan() {
    Random rnd = new Random(17);
    for (int trial = 0; trial < 40; trial++) {
      int d = 2 * (1 + rnd.nextInt(24));
      double base = Math.pow(10, 1 + 5 * rnd.nextDouble());
      double[] theta = trial % 4 == 0 ? randomTheta(rnd, d / 2) : BaseSearch.theta(d, base);
      long limit = rnd.nextInt(5000);
      long expected = -1;
      for (long m = 0; m <= limit; m++) {
        if (MarginKernel.direct(theta, m) < 0) {
          expected = m;
          break;
        }
      }
      assertEquals(expected, MarginKernel.firstNegative(theta, limit), "trial " + trial);
    }
    // d = 2: B(m) = cos(m·θ) turns negative first where m·θ passes π/2.
    assertEquals(2, MarginKernel.firstNegative(new double[] {1.0}, 10));
    assertEquals(-1, MarginKernel.firstNegative(new double[] {1.0}, 1));
    assertEquals(-1, MarginKernel.firstNegative(new double[] {0.0}, 1_000_000));
  }

  @Test
  void marginAtZeroIsHalfTheRotaryDim() {
    double[] out = new double[1];
    new MarginKernel(randomTheta(new Random(1), 64)).margin(0, 1, out, 0);
    assertEquals(64.0, out[0], 1e-12);
  }

  /** firstNegative from the whole exact kernel (margin(), every pair at every position). */
  private static long exactFirstNegative(double[] theta, long limit) {
    MarginKernel k = new MarginKernel(theta);
    double[] out = new double[4096];
    for (long from = 0; from <= limit; from += out.length) {
      int len = (int) Math.min(out.length, limit - from + 1);
      k.margin(from, len, out, 0);
      for (int j = 0; j < len; j++) {
        if (out[j] < 0) {
          return from + j;
        }
      }
    }
    return -1;
  }

  /**
   * The certified scan (fast pairs exact, slow pairs bounded per block) finds the same first negative
   * as the whole exact kernel: over base-search's grid (supporting and failing bases, d = 64 and 128),
   * partial rotary dims, and random frequencies with negative and unsorted entries.
   */
  @Test
  void certifiedFirstNegativeEqualsExactScan() {
    int supporting = 0;
    int failing = 0;
    for (int d : new int[] {64, 128}) {
      for (long k = 3000; k <= 11000; k += 97) {
        double[] theta = BaseSearch.theta(d, BaseSearch.gridBase(k, 1000));
        long limit = 1L << 15;
        long expected = exactFirstNegative(theta, limit);
        assertEquals(expected, MarginKernel.firstNegative(theta, limit), "d=" + d + " k=" + k);
        if (expected < 0) {
          supporting++;
        } else {
          failing++;
        }
      }
    }
    assertTrue(supporting > 20 && failing > 20, supporting + " supporting, " + failing + " failing");
    Random rnd = new Random(23);
    for (int trial = 0; trial < 60; trial++) {
      double[] theta = BaseSearch.theta(2 * (4 + rnd.nextInt(61)), Math.pow(10, 3 + 7 * rnd.nextDouble()));
      if (trial % 3 == 1) {
        theta[rnd.nextInt(theta.length)] *= -1;
      } else if (trial % 3 == 2) {
        int i = rnd.nextInt(theta.length);
        int j = rnd.nextInt(theta.length);
        double t = theta[i];
        theta[i] = theta[j];
        theta[j] = t;
      }
      long limit = 1 + rnd.nextInt(1 << 16);
      assertEquals(exactFirstNegative(theta, limit), MarginKernel.firstNegative(theta, limit), "trial " + trial);
    }
  }
}
