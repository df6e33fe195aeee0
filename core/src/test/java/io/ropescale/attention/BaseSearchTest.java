package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BaseSearchTest {
  private static final long[] CONTEXTS = {64, 128, 256, 512, 1024};

  /** supports[k][c]: grid base k supports CONTEXTS[c], by a direct scan of B(m) over [0, L]. */
  private static boolean[][] bruteForce(int d, int g, long kMax) {
    boolean[][] supports = new boolean[(int) kMax + 1][CONTEXTS.length];
    for (long k = 1; k <= kMax; k++) {
      double[] theta = BaseSearch.theta(d, BaseSearch.gridBase(k, g));
      long first = Long.MAX_VALUE;
      for (long m = 0; m <= CONTEXTS[CONTEXTS.length - 1]; m++) {
        if (MarginKernel.direct(theta, m) < 0) {
          first = m;
          break;
        }
      }
      for (int c = 0; c < CONTEXTS.length; c++) {
        supports[(int) k][c] = first > CONTEXTS[c];
      }
    }
    return supports;
  }

  private static void checkAgainstBruteForce(int d, int g, boolean expectNonMonotone) {
    double maxBase = 1e9;
    long kMax = BaseSearch.maxK(g, maxBase);
    boolean[][] supports = bruteForce(d, g, kMax);
    BaseSearch.Bound[] got = BaseSearch.search(d, CONTEXTS, g, maxBase, null);
    boolean sawNonMonotone = false;
    for (int c = 0; c < CONTEXTS.length; c++) {
      long lower = -1;
      for (long k = 1; k <= kMax && lower < 0; k++) {
        if (supports[(int) k][c]) {
          lower = k;
        }
      }
      long safe = -1;
      for (long k = kMax; k >= 1 && supports[(int) k][c]; k--) {
        safe = k;
      }
      assertEquals(lower, got[c].k(), "lower d=" + d + " L=" + CONTEXTS[c]);
      assertEquals(safe, got[c].kSafe(), "safe d=" + d + " L=" + CONTEXTS[c]);
      // A smaller grid base that supports L while a larger one fails (not an interval).
      for (long k1 = 1; k1 <= kMax && !sawNonMonotone; k1++) {
        for (long k2 = k1 + 1; k2 <= kMax && supports[(int) k1][c]; k2++) {
          if (!supports[(int) k2][c]) {
            sawNonMonotone = true;
            assertTrue(got[c].k() <= k1 && got[c].k() < got[c].kSafe(),
                "k1=" + k1 + " supports, k2=" + k2 + " fails, L=" + CONTEXTS[c]);
            assertTrue(got[c].kSafe() > k2);
            break;
          }
        }
      }
    }
    if (expectNonMonotone) {
      assertTrue(sawNonMonotone, "expected a non-monotone case for d=" + d);
    }
  }

  @Test
  void matchesBruteForceD16G50() {
    checkAgainstBruteForce(16, 50, true);
  }

  @Test
  void matchesBruteForceD32G100() {
    checkAgainstBruteForce(32, 100, true);
  }

  @Test
  void combineIgnoresOrderAndRejectsGaps() {
    long[] ks = {1, 2, 3, 4, 5, 6};
    long[] fn = {3, 40, -1, 90, -1, -1};
    long[] ctx = {10, 50, 100};
    BaseSearch.Bound[] a = BaseSearch.fromFirstNegatives(ks, fn, ctx, 10);
    // L=10: only k=1 fails -> lower 2, safe 2; L=50: k=1,2 fail -> lower 3, safe 3;
    // L=100: k=1,2,4 fail -> lower 3 (k=3 supports), safe 5.
    assertArrayEquals(new long[] {2, 3, 3}, new long[] {a[0].k(), a[1].k(), a[2].k()});
    assertArrayEquals(new long[] {2, 3, 5}, new long[] {a[0].kSafe(), a[1].kSafe(), a[2].kSafe()});
    assertEquals(Math.pow(10, 0.3), a[1].base(), 0);

    List<Integer> idx = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5));
    Collections.shuffle(idx, new Random(2));
    long[] ks2 = new long[6];
    long[] fn2 = new long[6];
    for (int i = 0; i < 6; i++) {
      ks2[i] = ks[idx.get(i)];
      fn2[i] = fn[idx.get(i)];
    }
    assertEquals(List.of(a), List.of(BaseSearch.fromFirstNegatives(ks2, fn2, ctx, 10)));

    BaseSearch.Bound[] none = BaseSearch.fromFirstNegatives(new long[] {1, 2}, new long[] {5, 7}, ctx, 10);
    assertEquals(-1, none[0].k());
    assertEquals(-1, none[0].kSafe());
    assertTrue(Double.isNaN(none[0].base()));
    assertThrows(IllegalArgumentException.class,
        () -> BaseSearch.fromFirstNegatives(new long[] {1, 3}, new long[] {-1, -1}, ctx, 10));
  }

  @Test
  void rotaryDim128Context1KOnGrid100() {
    long[] progress = new long[2];
    BaseSearch.Bound b = BaseSearch.search(128, new long[] {1024}, 100, 1e11,
        (done, total) -> {
          progress[0] = done;
          progress[1] = total;
        })[0];
    System.out.printf("d=128 L=1024 G=100: lower k=%d base=%.4g, safe k=%d base=%.4g"
        + " (Men et al. 2024 report ~4.3e3 on an unknown grid)%n", b.k(), b.base(), b.kSafe(), b.safeBase());
    assertEquals(1100, progress[1]);
    assertEquals(1100, progress[0]);
    assertTrue(b.k() > 0 && b.k() <= b.kSafe());
    assertEquals(-1, BaseSearch.firstNegative(128, b.base(), 1024));
  }
}
