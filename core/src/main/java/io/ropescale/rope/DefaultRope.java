package io.ropescale.rope;

import java.util.Set;

/** {@code default}: theta_n = base^(-2n/d) (RoFormer eq. 15); reads no rope_scaling key. */
final class DefaultRope implements RopeType {
  @Override
  public String name() {
    return "default";
  }

  @Override
  public Set<String> keys() {
    return Set.of();
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {}

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    return RopeTypes.defaultTheta(v.rotaryDim(), v.base());
  }
}
