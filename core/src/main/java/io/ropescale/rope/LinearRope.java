package io.ropescale.rope;

/** {@code linear}, position interpolation (Chen et al. 2023): every frequency divided by the factor. */
final class LinearRope extends NamedRopeType {
  LinearRope() {
    super("linear", "factor");
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
