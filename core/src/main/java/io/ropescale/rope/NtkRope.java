package io.ropescale.rope;

/** {@code ntk}, NTK-aware scaling: default frequencies of the base {@code base * factor^(d/(d-2))}. */
final class NtkRope extends NamedRopeType {
  NtkRope() {
    super("ntk", "factor");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    RopeType.requireFactor(s);
  }

  @Override
  public double effectiveBase(RopeVariant v, long seqLen) {
    int d = v.rotaryDim();
    return v.base() * Math.pow(v.scaling().factor(), (double) d / (d - 2));
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    return RopeTypes.defaultTheta(v.rotaryDim(), effectiveBase(v, seqLen));
  }
}
