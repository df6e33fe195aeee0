package io.ropescale.model;

/**
 * Where a variant's loss breaks: the first position from which the mean excess loss over the
 * control stays above a threshold (default 0.25 nats) up to the end of the evaluated length.
 *
 * <p>Single-token losses scatter by nats, so each document's excess is first smoothed by a centred
 * moving mean over {@code window} tokens; the curve is the mean of the smoothed excess over the
 * documents that reach position t, with its 95% interval over documents ({@link Intervals}; with a
 * single document, over the window's tokens). The bound is read on the mean, its interval on the
 * two edges of the band: the upper edge crosses first (earliest plausible break), the lower edge
 * last (the position from which a break is established). A variant whose mean never stays above
 * the threshold did not break within the evaluated length ({@code position = -1}).
 */
public final class MeasuredBound {
  private MeasuredBound() {}

  /**
   * @param position first position of the sustained break on the mean, -1 if none
   * @param lower the same on the upper edge of the 95% band (-1 if none)
   * @param upper the same on the lower edge of the band (-1 if the break is not established)
   * @param evaluated positions evaluated (the longest document's length)
   */
  public record Result(long position, long lower, long upper, long evaluated) {
    public boolean broke() {
      return position >= 0;
    }
  }

  /** The smoothed mean excess curve with its band, per position. */
  public record Curve(double[] mean, double[] lower, double[] upper, int[] documents) {}

  /**
   * Centred moving mean over [t - w/2, t - w/2 + w) of the non-NaN values, and the 95% half-width
   * of that mean from the window's own values (used when only one document is available).
   */
  public static double[][] smooth(double[] x, int window) {
    int n = x.length;
    double[] s = new double[n + 1];
    double[] s2 = new double[n + 1];
    int[] c = new int[n + 1];
    for (int t = 0; t < n; t++) {
      boolean ok = !Double.isNaN(x[t]);
      s[t + 1] = s[t] + (ok ? x[t] : 0);
      s2[t + 1] = s2[t] + (ok ? x[t] * x[t] : 0);
      c[t + 1] = c[t] + (ok ? 1 : 0);
    }
    double[] mean = new double[n];
    double[] half = new double[n];
    for (int t = 0; t < n; t++) {
      int a = Math.max(0, t - window / 2);
      int b = Math.min(n, a + window);
      a = Math.max(0, Math.min(a, b - window));
      int k = c[b] - c[a];
      if (k == 0) {
        mean[t] = Double.NaN;
        half[t] = Double.NaN;
        continue;
      }
      double m = (s[b] - s[a]) / k;
      mean[t] = m;
      double var = k < 2 ? Double.NaN : Math.max(0, (s2[b] - s2[a] - k * m * m) / (k - 1));
      half[t] = Intervals.halfWidth(k, Math.sqrt(var));
    }
    return new double[][] {mean, half};
  }

  /** The smoothed mean excess over documents (each document's per-token excess, NaN where undefined). */
  public static Curve curve(double[][] documentExcess, int window) {
    if (window < 1) {
      throw new IllegalArgumentException("smoothing window must be >= 1 token: " + window);
    }
    int n = 0;
    for (double[] d : documentExcess) {
      n = Math.max(n, d.length);
    }
    double[][][] sm = new double[documentExcess.length][][];
    for (int d = 0; d < documentExcess.length; d++) {
      sm[d] = smooth(documentExcess[d], window);
    }
    double[] mean = new double[n];
    double[] lo = new double[n];
    double[] hi = new double[n];
    int[] docs = new int[n];
    double[] vals = new double[documentExcess.length];
    for (int t = 0; t < n; t++) {
      int k = 0;
      int only = -1;
      for (int d = 0; d < sm.length; d++) {
        if (t < sm[d][0].length && !Double.isNaN(sm[d][0][t])) {
          vals[k++] = sm[d][0][t];
          only = d;
        }
      }
      docs[t] = k;
      if (k == 0) {
        mean[t] = lo[t] = hi[t] = Double.NaN;
        continue;
      }
      Intervals.Summary s = Intervals.of(java.util.Arrays.copyOf(vals, k));
      double half = k >= 2 ? s.halfWidth() : sm[only][1][t];
      mean[t] = s.mean();
      lo[t] = s.mean() - half;
      hi[t] = s.mean() + half;
    }
    return new Curve(mean, lo, hi, docs);
  }

  /**
   * First index p such that curve[u] > threshold for every u >= p; -1 when the last value is not
   * above (NaN counts as not above).
   */
  public static long firstSustained(double[] curve, double threshold) {
    int p = curve.length;
    while (p > 0 && curve[p - 1] > threshold) {
      p--;
    }
    return p == curve.length ? -1 : p;
  }

  public static Result detect(double[][] documentExcess, double threshold, int window) {
    Curve c = curve(documentExcess, window);
    return new Result(firstSustained(c.mean(), threshold), firstSustained(c.upper(), threshold),
        firstSustained(c.lower(), threshold), c.mean().length);
  }
}
