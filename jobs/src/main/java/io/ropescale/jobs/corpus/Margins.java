package io.ropescale.jobs.corpus;

import io.ropescale.attention.MarginKernel;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Similar-token margins B(m) = sum_n cos(m theta_n) (Men et al. 2024) at repeat distances, from the
 * block kernel {@link MarginKernel}: its value at a distance does not depend on the range asked for,
 * so the JVM engine's sign tables and the SQL engine's margin table agree bit for bit.
 */
public final class Margins {
  private static final int SPAN = 1 << 16;
  private static final ConcurrentHashMap<String, Signs> SIGNS = new ConcurrentHashMap<>();

  private Margins() {}

  /** Raw B(m) for each distance of {@code sorted} (ascending, >= 0). */
  public static double[] values(double[] theta, long[] sorted) {
    MarginKernel k = new MarginKernel(theta);
    double[] out = new double[sorted.length];
    double[] block = new double[MarginKernel.BLOCK];
    long blockStart = -1;
    for (int i = 0; i < sorted.length; i++) {
      long m = sorted[i];
      long start = m - Math.floorMod(m, MarginKernel.BLOCK);
      if (start != blockStart) {
        k.margin(start, MarginKernel.BLOCK, block, 0);
        blockStart = start;
      }
      out[i] = block[(int) (m - start)];
    }
    return out;
  }

  /**
   * Distances in [0, upTo] whose margin is negative, for one configuration; cached per JVM
   * (each executor computes a configuration's table once and extends it as longer repeats appear).
   */
  static BitSet negative(CorpusConfigs.Config c, long upTo) {
    return SIGNS.computeIfAbsent(c.marginKey(), key -> new Signs(c.theta)).upTo(upTo);
  }

  private static final class Signs {
    final MarginKernel kernel;
    volatile BitSet negative = new BitSet();
    volatile long computed; // distances [0, computed) are done

    Signs(double[] theta) {
      kernel = new MarginKernel(Arrays.copyOf(theta, theta.length));
    }

    BitSet upTo(long upTo) {
      if (upTo < computed) {
        return negative;
      }
      synchronized (this) {
        if (upTo >= computed) {
          long want = Math.max(upTo + 1, computed * 5 / 4);
          long end = (want + SPAN - 1) / SPAN * SPAN;
          if (end > Integer.MAX_VALUE) {
            throw new IllegalStateException("repeat distance " + upTo + " beyond 2^31");
          }
          BitSet next = (BitSet) negative.clone();
          double[] buf = new double[SPAN];
          for (long from = computed; from < end; from += SPAN) {
            kernel.margin(from, SPAN, buf, 0);
            for (int j = 0; j < SPAN; j++) {
              if (buf[j] < 0) {
                next.set((int) (from + j));
              }
            }
          }
          negative = next;
          computed = end;
        }
        return negative;
      }
    }
  }
}
