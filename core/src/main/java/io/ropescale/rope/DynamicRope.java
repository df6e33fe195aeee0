package io.ropescale.rope;

/**
 * {@code dynamic} NTK: past the original context {@code L_max} the base grows with the running
 * length L, {@code base * (factor*L/L_max - (factor-1))^(d/(d-2))}; at or below it, default RoPE.
 */
final class DynamicRope extends NamedRopeType {
  DynamicRope() {
    super("dynamic", "factor", "original_max_position_embeddings");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    RopeType.requireFactor(s);
  }

  /**
   * The base moves with the running length, so a configuration is evaluated at the length its
   * factor targets, {@code factor * L_max}, and at least at the tuning length.
   */
  @Override
  public long evalLen(RopeScaling s, long tuneLen, long originalMax) {
    return Math.max(tuneLen, Math.round(s.factor() * originalMax));
  }

  @Override
  public double effectiveBase(RopeVariant v, long seqLen) {
    double f = v.scaling().factor();
    long lMax = v.originalMax();
    if (seqLen <= lMax) {
      return v.base();
    }
    int d = v.rotaryDim();
    return v.base() * Math.pow(f * seqLen / lMax - (f - 1), (double) d / (d - 2));
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    return RopeTypes.defaultTheta(v.rotaryDim(), effectiveBase(v, seqLen));
  }
}
