package io.ropescale.model;

import io.ropescale.attention.PositionBuckets;
import io.ropescale.rope.RopeTypes;

/**
 * Expected attention logit at distance m under base b, from the pre-RoPE correlation of
 * {@link QkCorrelation}: {@code L_b(m) = (1/sqrt(d)) sum_i Re(C_i(m) e^{i m theta_i(b)})},
 * {@code theta_i(b) = b^(-2i/d)}, m the first position of the bucket. This is the JVM reference of
 * the SQL computation behind {@code model_logit_profile}; the two must agree.
 *
 * <p>Exact at layer 0, whose pre-RoPE q/k do not depend on the base; a first-order view deeper in.
 * Men et al.'s {@code B(m) = sum_i cos(m theta_i)} is the special case {@code C_i = 1} (query equal
 * to key, unit pairs), which is why the report draws both side by side.
 */
public final class LogitProfile {
  private LogitProfile() {}

  /**
   * L_b(m) for one head: {@code cRe/cIm[i][bucket]} the mean correlation of pair i at the bucket,
   * d the head dimension (2 * pairs).
   */
  public static double logit(double[] cRe, double[] cIm, long m, double base, int headDim) {
    double[] theta = RopeTypes.defaultTheta(headDim, base);
    double sum = 0;
    for (int i = 0; i < theta.length; i++) {
      double phi = m * theta[i];
      sum += cRe[i] * Math.cos(phi) - cIm[i] * Math.sin(phi);
    }
    return sum / Math.sqrt(headDim);
  }

  /**
   * L_b for every head and bucket of the sums: {@code [head][bucket]}, NaN for buckets without
   * pairs.
   */
  public static double[][] of(QkCorrelation.Sums s, double base, int headDim) {
    double[][] out = new double[s.heads()][s.buckets()];
    double[] re = new double[s.pairs()];
    double[] im = new double[s.pairs()];
    for (int h = 0; h < s.heads(); h++) {
      for (int b = 0; b < s.buckets(); b++) {
        if (s.count()[b] == 0) {
          out[h][b] = Double.NaN;
          continue;
        }
        for (int i = 0; i < s.pairs(); i++) {
          re[i] = s.re()[s.index(h, i, b)] / s.count()[b];
          im[i] = s.im()[s.index(h, i, b)] / s.count()[b];
        }
        out[h][b] = logit(re, im, PositionBuckets.bucketStart(b), base, headDim);
      }
    }
    return out;
  }
}
