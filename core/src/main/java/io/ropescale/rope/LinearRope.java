package io.ropescale.rope;

import java.util.Set;

/** {@code linear}, position interpolation (Chen et al. 2023): every frequency divided by the factor. */
final class LinearRope implements RopeType {
  @Override
  public String name() {
    return "linear";
  }

  @Override
  public Set<String> keys() {
    return Set.of("factor");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    RopeType.requireFactor(s);
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    double[] theta = RopeTypes.defaultTheta(v.rotaryDim(), v.base());
    for (int n = 0; n < theta.length; n++) {
      theta[n] /= v.scaling().factor();
    }
    return theta;
  }
}
