package io.ropescale.model;

/**
 * 95% confidence intervals of a mean from independent observations (documents): mean +/-
 * t_{0.975, n-1} * s / sqrt(n), s the sample standard deviation. Documents are the independent
 * units; tokens of one document are not (their losses are autocorrelated).
 */
public final class Intervals {
  /** Two-sided 95% Student t quantiles t_{0.975, df} for df = 1..30 (standard tables). */
  private static final double[] T975 = {
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  private static final double Z975 = 1.959963984540054;

  private Intervals() {}

  /**
   * t_{0.975, df}: the table up to 30, beyond it the Cornish-Fisher expansion in 1/df (error below
   * 1e-4 there); NaN for df < 1 (a single observation has no interval).
   */
  public static double t975(long df) {
    if (df < 1) {
      return Double.NaN;
    }
    if (df <= T975.length) {
      return T975[(int) df - 1];
    }
    double z = Z975;
    double v = df;
    return z + (z * z * z + z) / (4 * v) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v);
  }

  /** Half-width of the 95% interval of a mean: t_{0.975,n-1} s / sqrt(n); NaN below 2 observations. */
  public static double halfWidth(long n, double sampleSd) {
    return n < 2 ? Double.NaN : t975(n - 1) * sampleSd / Math.sqrt(n);
  }

  /** Mean, sample standard deviation, count and half-width of the finite values of {@code x}. */
  public record Summary(long n, double mean, double sd, double halfWidth) {
    public double lower() {
      return mean - halfWidth;
    }

    public double upper() {
      return mean + halfWidth;
    }
  }

  public static Summary of(double... x) {
    long n = 0;
    double sum = 0;
    for (double v : x) {
      if (!Double.isNaN(v)) {
        n++;
        sum += v;
      }
    }
    if (n == 0) {
      return new Summary(0, Double.NaN, Double.NaN, Double.NaN);
    }
    double mean = sum / n;
    double ss = 0;
    for (double v : x) {
      if (!Double.isNaN(v)) {
        ss += (v - mean) * (v - mean);
      }
    }
    double sd = n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1));
    return new Summary(n, mean, sd, halfWidth(n, sd));
  }
}
