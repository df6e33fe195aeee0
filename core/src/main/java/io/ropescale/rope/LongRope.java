package io.ropescale.rope;

/**
 * {@code longrope} (Ding et al. 2024; Phi-3): explicit per-pair divisors, {@code long_factor} for
 * sequences longer than the original context, {@code short_factor} otherwise. Attention factor
 * {@code sqrt(1 + ln(factor) / ln(L_orig))} for factor > 1, or the explicit {@code attention_factor}.
 */
final class LongRope extends NamedRopeType {
  LongRope() {
    super("longrope", "short_factor", "long_factor", "factor", "original_max_position_embeddings", "attention_factor");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    checkFactors("rope_scaling.short_factor", s.shortFactor(), rotaryDim);
    checkFactors("rope_scaling.long_factor", s.longFactor(), rotaryDim);
    RopeType.optionalPositive("factor", s.factor(), name());
    RopeType.optionalPositive("attention_factor", s.attentionFactor(), name());
  }

  private static void checkFactors(String field, double[] f, int rotaryDim) {
    if (f == null || f.length != rotaryDim / 2) {
      throw new RopeInputException(field, f == null ? "missing" : f.length + " values",
          "longrope needs exactly rotary_dim/2 = " + rotaryDim / 2 + " factors");
    }
    for (double x : f) {
      if (!(x > 0) || Double.isInfinite(x)) {
        throw new RopeInputException(field, x, "every longrope factor must be a finite number > 0");
      }
    }
  }

  /** Without a factor, Hugging Face derives it as max_position_embeddings / original_max_position_embeddings. */
  @Override
  public RopeScaling completeFromConfig(RopeScaling s, long maxPositionEmbeddings) {
    long originalMax = s.originalMaxPositionEmbeddings();
    if (!Double.isNaN(s.factor()) || originalMax <= 0) {
      return s;
    }
    return new RopeScaling(s.type(), (double) maxPositionEmbeddings / originalMax, originalMax, s.lowFreqFactor(),
        s.highFreqFactor(), s.betaFast(), s.betaSlow(), s.shortFactor(), s.longFactor(), s.attentionFactor(),
        s.mscale(), s.mscaleAllDim(), s.truncate());
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    RopeScaling s = v.scaling();
    double[] factors = seqLen > v.originalMax() ? s.longFactor() : s.shortFactor();
    double[] theta = RopeTypes.defaultTheta(v.rotaryDim(), v.base());
    for (int n = 0; n < theta.length; n++) {
      theta[n] /= factors[n];
    }
    return theta;
  }

  @Override
  public double attentionFactor(RopeVariant v, long seqLen) {
    RopeScaling s = v.scaling();
    if (!Double.isNaN(s.attentionFactor())) {
      return s.attentionFactor();
    }
    double factor = Double.isNaN(s.factor()) ? 1 : s.factor();
    return factor <= 1 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(v.originalMax()));
  }
}
