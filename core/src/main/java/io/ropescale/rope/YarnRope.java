package io.ropescale.rope;

/**
 * {@code yarn} (Peng et al. 2023): a linear ramp, over pair index, from extrapolation (theta_n kept)
 * to interpolation (theta_n / factor) between the correction dims
 * {@code d ln(L_orig / (2pi r)) / (2 ln base)} for {@code r = beta_fast} (default 32) and
 * {@code beta_slow} (default 1), rounded outward unless {@code truncate} is false. Attention factor
 * {@code 0.1 ln(factor) + 1}, or DeepSeek's ratio {@code mscale(factor, mscale) / mscale(factor,
 * mscale_all_dim)} when both are given, or the explicit {@code attention_factor}.
 */
final class YarnRope extends NamedRopeType {
  static final double DEFAULT_BETA_FAST = 32;
  static final double DEFAULT_BETA_SLOW = 1;

  YarnRope() {
    super("yarn", "factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "attention_factor", "mscale",
        "mscale_all_dim", "truncate");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    RopeType.requireFactor(s);
    double fast = betaFast(s);
    double slow = betaSlow(s);
    if (!(fast > slow && slow > 0) || Double.isInfinite(fast)) {
      throw new RopeInputException("rope_scaling.beta_fast", RopeInputException.fmt(fast),
          "yarn needs beta_fast > beta_slow (" + RopeInputException.fmt(slow) + ") > 0");
    }
    RopeType.optionalPositive("attention_factor", s.attentionFactor(), name());
    RopeType.optionalPositive("mscale", s.mscale(), name());
    RopeType.optionalPositive("mscale_all_dim", s.mscaleAllDim(), name());
  }

  private static double betaFast(RopeScaling s) {
    return Double.isNaN(s.betaFast()) ? DEFAULT_BETA_FAST : s.betaFast();
  }

  private static double betaSlow(RopeScaling s) {
    return Double.isNaN(s.betaSlow()) ? DEFAULT_BETA_SLOW : s.betaSlow();
  }

  /** The (fractional) pair dimension at which a wavelength fits {@code rotations} times into L_orig. */
  static double correctionDim(double rotations, int d, double base, long originalMax) {
    return d * Math.log(originalMax / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    int d = v.rotaryDim();
    RopeScaling s = v.scaling();
    double low = correctionDim(betaFast(s), d, v.base(), v.originalMax());
    double high = correctionDim(betaSlow(s), d, v.base(), v.originalMax());
    if (!Boolean.FALSE.equals(s.truncate())) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, d - 1);
    if (low == high) {
      high += 0.001; // as transformers does: no division by zero in the ramp
    }
    double[] theta = RopeTypes.defaultTheta(d, v.base());
    for (int n = 0; n < theta.length; n++) {
      double ramp = Math.min(Math.max((n - low) / (high - low), 0), 1);
      double extrapolationWeight = 1 - ramp;
      theta[n] = theta[n] / s.factor() * (1 - extrapolationWeight) + theta[n] * extrapolationWeight;
    }
    return theta;
  }

  /** YaRN's temperature {@code 0.1 * mscale * ln(scale) + 1} (1 for scale <= 1). */
  static double mscale(double scale, double mscale) {
    return scale <= 1 ? 1.0 : 0.1 * mscale * Math.log(scale) + 1.0;
  }

  @Override
  public double attentionFactor(RopeVariant v, long seqLen) {
    RopeScaling s = v.scaling();
    if (!Double.isNaN(s.attentionFactor())) {
      return s.attentionFactor();
    }
    if (!Double.isNaN(s.mscale()) && !Double.isNaN(s.mscaleAllDim())) {
      return mscale(s.factor(), s.mscale()) / mscale(s.factor(), s.mscaleAllDim());
    }
    return mscale(s.factor(), 1);
  }
}
