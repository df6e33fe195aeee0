package io.ropescale.attention;

import java.util.Arrays;

/**
 * Angle coverage of rotary pairs during training: pair n saw rotation angles up to A_n. A pair with
 * A_n ≥ 2π has seen every angle ("full"); a non-full pair is out of distribution (OOD) at relative
 * distance m when its angle m·θ_n exceeds A_n, i.e. when m passes the threshold A_n/θ_n. Positions
 * beyond the smallest threshold put some pair at an angle never seen in training (the
 * extrapolation failure that RoPE scaling methods target).
 *
 * <p>The angle m·θ_n is the IEEE double product, the same one that computes A_n = (L_train − 1)·θ_n,
 * so the last trained position is never OOD even when A_n/θ_n rounds below L_train − 1. Each
 * threshold is therefore kept as the exact integer T_n = largest m with m·θ_n ≤ A_n, and pair n is
 * OOD at m iff m &gt; T_n. Immutable and thread-safe.
 */
public final class AngleCoverage {
  /** Thresholds beyond this are treated as never reached. */
  private static final long NEVER = 1L << 62;

  /** T_n of the non-full pairs, ascending. */
  private final long[] lastInDistribution;
  /** Smallest A_n/θ_n over non-full pairs. */
  private final double bound;

  /**
   * @param theta    rotary frequencies θ_n (finite)
   * @param maxAngle A_n, the largest angle pair n saw in training (≥ 0, not NaN)
   */
  public AngleCoverage(double[] theta, double[] maxAngle) {
    if (theta == null || maxAngle == null || theta.length != maxAngle.length) {
      throw new IllegalArgumentException("theta and maxAngle must have one entry per pair");
    }
    long[] t = new long[theta.length];
    int count = 0;
    double min = Double.POSITIVE_INFINITY;
    for (int n = 0; n < theta.length; n++) {
      double th = Math.abs(theta[n]);
      double a = maxAngle[n];
      if (!Double.isFinite(th) || Double.isNaN(a) || a < 0) {
        throw new IllegalArgumentException("bad pair " + n + ": theta=" + theta[n] + " A=" + a);
      }
      // A frozen pair (θ = 0) never rotates, so it can never leave its seen range.
      if (a < 2 * Math.PI && th > 0) {
        min = Math.min(min, a / th);
        long last = lastInDistribution(th, a);
        if (last < NEVER) {
          t[count++] = last;
        }
      }
    }
    this.lastInDistribution = Arrays.copyOf(t, count);
    Arrays.sort(this.lastInDistribution);
    this.bound = min;
  }

  /** Largest integer m with the double product m·θ ≤ A (θ &gt; 0), or NEVER. */
  private static long lastInDistribution(double theta, double a) {
    double q = Math.floor(a / theta);
    if (!(q < NEVER)) {
      return NEVER;
    }
    long m = (long) q;
    // a/θ is rounded; the product is monotone in m, so step to the exact boundary.
    while ((double) (m + 1) * theta <= a) {
      m++;
    }
    while (m >= 0 && (double) m * theta > a) {
      m--;
    }
    return m;
  }

  /** Number of non-full pairs that are OOD at distance m: #{n : m·θ_n &gt; A_n}. */
  public int oodPairs(long m) {
    // Count of thresholds strictly below m: first index whose T_n is >= m.
    int lo = 0;
    int hi = lastInDistribution.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (lastInDistribution[mid] < m) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Smallest integer m with oodPairs(m) &gt; 0, i.e. min T_n + 1 (about floor(bound()) + 1: m
   * equal to the threshold is still in distribution). -1 when every pair is full or the first OOD
   * position is beyond 2^62.
   */
  public long firstOod() {
    return lastInDistribution.length == 0 ? -1 : lastInDistribution[0] + 1;
  }

  /** Smallest threshold A_n/θ_n over non-full pairs; +∞ when every pair is full. */
  public double bound() {
    return bound;
  }

  /** Number of non-full pairs (the largest value oodPairs can reach below 2^62). */
  public int nonFullPairs() {
    return lastInDistribution.length;
  }
}
