package io.ropescale.attention;

import java.util.Arrays;

/**
 * RoPE base lower bound of Men et al., "Base of RoPE Bounds Context Length" (NeurIPS 2024,
 * arXiv 2405.14591): a base supports context L when the similar-token margin
 * B(m) = Σ cos(m·base^(−2n/d)) stays ≥ 0 for every m in [0, L]. The supporting bases do not form an
 * interval (a base can fail while a smaller one passes), so the search scans the grid
 * base_k = 10^(k/G), k = 1..floor(G·log10(maxBase)), upward and never bisects.
 *
 * <p>Two bounds per context L: the lower bound k (smallest grid base supporting L) and the safe
 * bound kSafe (smallest grid base from which every larger grid base up to maxBase supports L).
 * Absent bounds are reported as k = -1 (no grid base up to maxBase supports L, resp. the largest
 * grid base fails).
 *
 * <p>Split for distribution: {@link #firstNegative(int, double, long)} per grid base (executors
 * take k ranges), then {@link #fromFirstNegatives} on the driver.
 */
public final class BaseSearch {
  /** Default largest base of the grid. */
  public static final double DEFAULT_MAX_BASE = 1e11;

  private BaseSearch() {
  }

  /** Bounds for one context; k and kSafe are grid indices (-1 absent), bases are 10^(k/G) (NaN absent). */
  public record Bound(long context, long k, long kSafe, double base, double safeBase) {
  }

  /** Progress of {@link #search}: k evaluated so far out of total. */
  @FunctionalInterface
  public interface Progress {
    void done(long evaluated, long total);
  }

  /** Default RoPE frequencies θ_n = base^(−2n/d), n = 0..d/2−1. */
  public static double[] theta(int d, double base) {
    io.ropescale.rope.RopeInputException.requireRotaryDim("rotary_dim", d);
    io.ropescale.rope.RopeInputException.requireBase("base", base);
    return io.ropescale.rope.RopeTypes.defaultTheta(d, base);
  }


  /** Grid base 10^(k/G), computed as Math.pow(10, k / (double) G). */
  public static double gridBase(long k, int g) {
    return Math.pow(10.0, k / (double) g);
  }

  /** Largest grid index floor(G·log10(maxBase)). */
  public static long maxK(int g, double maxBase) {
    checkGrid(g, maxBase);
    return (long) Math.floor(g * Math.log10(maxBase));
  }

  /**
   * Smallest m in [0, limit] with B(m) &lt; 0 for default RoPE with this base, or -1 when the base
   * supports context limit. Pure; the unit of work a Spark layer distributes.
   */
  public static long firstNegative(int d, double base, long limit) {
    return MarginKernel.firstNegative(theta(d, base), limit);
  }

  /**
   * Derives both bounds from per-grid-index results. ks must be exactly the indices kMin..kMax
   * (any order, each once); firstNeg[i] is firstNegative for gridBase(ks[i]) evaluated with a
   * limit ≥ every context. Lower bound for L: smallest k whose firstNegative is -1 or &gt; L.
   * kSafe: 1 + the largest k whose firstNegative is in [0, L] (absent when that is kMax), or kMin
   * when no grid base fails.
   */
  public static Bound[] fromFirstNegatives(long[] ks, long[] firstNeg, long[] contexts, int g) {
    if (ks.length != firstNeg.length || ks.length == 0) {
      throw new IllegalArgumentException("need one firstNegative per k, at least one k");
    }
    Integer[] order = new Integer[ks.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(ks[a], ks[b]));
    long kMin = ks[order[0]];
    long[] fn = new long[ks.length];
    for (int i = 0; i < order.length; i++) {
      if (ks[order[i]] != kMin + i) {
        throw new IllegalArgumentException("grid indices must be contiguous and distinct near k="
            + ks[order[i]]);
      }
      fn[i] = firstNeg[order[i]];
    }
    long kMax = kMin + ks.length - 1;
    Bound[] out = new Bound[contexts.length];
    for (int c = 0; c < contexts.length; c++) {
      long l = contexts[c];
      if (l < 0) {
        throw new IllegalArgumentException("negative context: " + l);
      }
      long k = -1;
      long lastFail = -1;
      for (int i = 0; i < fn.length; i++) {
        boolean fails = fn[i] >= 0 && fn[i] <= l;
        if (!fails && k < 0) {
          k = kMin + i;
        }
        if (fails) {
          lastFail = kMin + i;
        }
      }
      long kSafe = lastFail < 0 ? kMin : lastFail == kMax ? -1 : lastFail + 1;
      out[c] = new Bound(l, k, kSafe, k < 0 ? Double.NaN : gridBase(k, g),
          kSafe < 0 ? Double.NaN : gridBase(kSafe, g));
    }
    return out;
  }

  /**
   * Local single-threaded search: firstNegative for every k in 1..maxK(G, maxBase) with limit
   * max(contexts), then {@link #fromFirstNegatives}.
   */
  public static Bound[] search(int d, long[] contexts, int g, double maxBase, Progress progress) {
    long kMax = maxK(g, maxBase);
    if (kMax < 1 || kMax > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("grid has no base in (1, maxBase]: " + kMax);
    }
    long limit = 0;
    for (long l : contexts) {
      limit = Math.max(limit, l);
    }
    long[] ks = new long[(int) kMax];
    long[] fn = new long[(int) kMax];
    for (int i = 0; i < ks.length; i++) {
      ks[i] = i + 1;
      fn[i] = firstNegative(d, gridBase(ks[i], g), limit);
      if (progress != null) {
        progress.done(i + 1, kMax);
      }
    }
    return fromFirstNegatives(ks, fn, contexts, g);
  }

  /** {@link #search} with maxBase = 1e11 and no progress reporting. */
  public static Bound[] search(int d, long[] contexts, int g) {
    return search(d, contexts, g, DEFAULT_MAX_BASE, null);
  }

  private static void checkGrid(int g, double maxBase) {
    if (g < 1 || g > 10_000) {
      throw new io.ropescale.rope.RopeInputException("grid_per_decade", g, "must be in 1..10000 grid points per decade");
    }
    if (!(maxBase > 1) || !(maxBase <= 1e300)) {
      throw new io.ropescale.rope.RopeInputException("max_base", maxBase, "must be a finite number > 1");
    }
  }
}
