package io.ropescale.rope;

/** {@code default}: theta_n = base^(-2n/d) (RoFormer eq. 15); reads no rope_scaling key. */
final class DefaultRope extends NamedRopeType {
  DefaultRope() {
    super("default");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {}

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    return RopeTypes.defaultTheta(v.rotaryDim(), v.base());
  }
}
