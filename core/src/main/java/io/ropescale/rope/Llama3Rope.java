package io.ropescale.rope;

/**
 * {@code llama3} (Llama 3.1): wavelengths above {@code L_orig / low_freq_factor} are divided by
 * the factor, those below {@code L_orig / high_freq_factor} kept, and the ones between blended
 * with {@code smooth = (L_orig / wavelength - low) / (high - low)}.
 */
final class Llama3Rope extends NamedRopeType {
  Llama3Rope() {
    super("llama3", "factor", "original_max_position_embeddings", "low_freq_factor", "high_freq_factor");
  }

  @Override
  public void validate(RopeScaling s, int rotaryDim) {
    RopeType.requireFactor(s);
    if (!(s.lowFreqFactor() > 0) || !(s.highFreqFactor() > s.lowFreqFactor()) || Double.isInfinite(s.highFreqFactor())) {
      throw new RopeInputException("rope_scaling.high_freq_factor", RopeInputException.fmt(s.highFreqFactor()),
          "llama3 needs 0 < low_freq_factor (" + RopeInputException.fmt(s.lowFreqFactor()) + ") < high_freq_factor");
    }
  }

  @Override
  public double[] inverseFrequencies(RopeVariant v, long seqLen) {
    RopeScaling s = v.scaling();
    double factor = s.factor();
    double lOrig = v.originalMax();
    double lowWavelen = lOrig / s.lowFreqFactor();
    double highWavelen = lOrig / s.highFreqFactor();
    double[] theta = RopeTypes.defaultTheta(v.rotaryDim(), v.base());
    for (int n = 0; n < theta.length; n++) {
      double wavelen = 2 * Math.PI / theta[n];
      if (wavelen > lowWavelen) {
        theta[n] = theta[n] / factor;
      } else if (wavelen >= highWavelen) {
        double smooth = (lOrig / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        theta[n] = (1 - smooth) * theta[n] / factor + smooth * theta[n];
      }
    }
    return theta;
  }
}
