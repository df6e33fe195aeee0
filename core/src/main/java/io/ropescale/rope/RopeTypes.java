package io.ropescale.rope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-pair frequencies {@code theta_n} for every RoPE type, one function each, and the registry
 * that maps Hugging Face's {@code rope_type} names onto them (DESIGN.md section 5; mirrors
 * transformers' {@code modeling_rope_utils}).
 */
public final class RopeTypes {

  /** Inverse frequencies of the tuned model for one configuration. */
  @FunctionalInterface
  public interface FrequencyFunction {
    double[] theta(RopeConfig c);
  }

  private static final Map<String, FrequencyFunction> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put("default", RopeTypes::defaultTheta);
    REGISTRY.put("linear", RopeTypes::linearTheta);
    REGISTRY.put("ntk", RopeTypes::ntkTheta);
    REGISTRY.put("dynamic", RopeTypes::dynamicTheta);
    REGISTRY.put("yarn", RopeTypes::yarnTheta);
    REGISTRY.put("llama3", RopeTypes::llama3Theta);
    REGISTRY.put("longrope", RopeTypes::longropeTheta);
  }

  private RopeTypes() {}

  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  static void require(String type) {
    if (!REGISTRY.containsKey(type)) {
      throw new RopeInputException("rope_type", type, "unknown RoPE type; expected one of " + names());
    }
  }

  /** The tuned frequencies of {@code c}, by its rope type. */
  public static double[] theta(RopeConfig c) {
    return REGISTRY.get(c.scaling().type()).theta(c);
  }

  /** Pre-training frequencies: default RoPE with the pre-training base. */
  public static double[] pretrainTheta(RopeConfig c) {
    return defaultTheta(c.rotaryDim(), c.pretrainBase());
  }

  /** theta_n = base^(-2n/d), n = 0 .. d/2-1 (RoFormer eq. 15). */
  public static double[] defaultTheta(int d, double base) {
    double[] theta = new double[d / 2];
    for (int n = 0; n < theta.length; n++) {
      theta[n] = Math.pow(base, -2.0 * n / d);
    }
    return theta;
  }

  static double[] defaultTheta(RopeConfig c) {
    return defaultTheta(c.rotaryDim(), c.base());
  }

  /** Position interpolation (Chen et al. 2023): every frequency divided by the factor. */
  static double[] linearTheta(RopeConfig c) {
    double[] theta = defaultTheta(c.rotaryDim(), c.base());
    for (int n = 0; n < theta.length; n++) {
      theta[n] /= c.scaling().factor();
    }
    return theta;
  }

  /** NTK-aware scaling: base * factor^(d/(d-2)). */
  static double[] ntkTheta(RopeConfig c) {
    return defaultTheta(c.rotaryDim(), effectiveBase(c));
  }

  /** Dynamic NTK: base * (factor*L/L_max - (factor-1))^(d/(d-2)) for L > L_max, at {@link RopeConfig#evalLen()}. */
  static double[] dynamicTheta(RopeConfig c) {
    return defaultTheta(c.rotaryDim(), effectiveBase(c));
  }

  /**
   * The single base whose default frequencies equal the method's: the NTK-scaled base for
   * {@code ntk} and {@code dynamic}, the configured base otherwise (the paper's formulas read it).
   */
  public static double effectiveBase(RopeConfig c) {
    int d = c.rotaryDim();
    double f = c.scaling().factor();
    switch (c.scaling().type()) {
      case "ntk":
        return c.base() * Math.pow(f, (double) d / (d - 2));
      case "dynamic": {
        double l = c.evalLen();
        double lMax = c.originalMax();
        if (l <= lMax) {
          return c.base();
        }
        return c.base() * Math.pow(f * l / lMax - (f - 1), (double) d / (d - 2));
      }
      default:
        return c.base();
    }
  }

  /**
   * YaRN (Peng et al. 2023): a linear ramp between interpolation ({@code theta/factor}) and
   * extrapolation ({@code theta}) over the correction dims {@code d*ln(L_orig/(2pi*r))/(2 ln base)}
   * for {@code r = beta_fast} and {@code beta_slow}.
   */
  static double[] yarnTheta(RopeConfig c) {
    int d = c.rotaryDim();
    RopeScaling s = c.scaling();
    double base = c.base();
    double betaFast = Double.isNaN(s.betaFast()) ? 32 : s.betaFast();
    double betaSlow = Double.isNaN(s.betaSlow()) ? 1 : s.betaSlow();
    double low = Math.max(Math.floor(yarnCorrectionDim(betaFast, d, base, c.originalMax())), 0);
    double high = Math.min(Math.ceil(yarnCorrectionDim(betaSlow, d, base, c.originalMax())), d - 1);
    if (low == high) {
      high += 0.001; // transformers: prevent a division by zero in the ramp
    }
    double[] theta = defaultTheta(d, base);
    for (int n = 0; n < theta.length; n++) {
      double ramp = Math.min(Math.max((n - low) / (high - low), 0), 1);
      double extrapolationWeight = 1 - ramp;
      theta[n] = theta[n] / s.factor() * (1 - extrapolationWeight) + theta[n] * extrapolationWeight;
    }
    return theta;
  }

  static double yarnCorrectionDim(double rotations, int d, double base, long originalMax) {
    return d * Math.log(originalMax / (rotations * 2 * Math.PI)) / (2 * Math.log(base));
  }

  /** YaRN's attention temperature, 0.1 ln(factor) + 1. */
  public static double yarnAttentionFactor(double factor) {
    return factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
  }

  /**
   * Llama 3.1: wavelengths above L_orig/low_freq_factor are divided by the factor, below
   * L_orig/high_freq_factor kept, and blended smoothly in between.
   */
  static double[] llama3Theta(RopeConfig c) {
    RopeScaling s = c.scaling();
    double factor = s.factor();
    double lowWavelen = c.originalMax() / s.lowFreqFactor();
    double highWavelen = c.originalMax() / s.highFreqFactor();
    double[] theta = defaultTheta(c.rotaryDim(), c.base());
    for (int n = 0; n < theta.length; n++) {
      double wavelen = 2 * Math.PI / theta[n];
      if (wavelen > lowWavelen) {
        theta[n] = theta[n] / factor;
      } else if (wavelen >= highWavelen) {
        double smooth = (c.originalMax() / wavelen - s.lowFreqFactor()) / (s.highFreqFactor() - s.lowFreqFactor());
        theta[n] = (1 - smooth) * theta[n] / factor + smooth * theta[n];
      }
    }
    return theta;
  }

  /** LongRoPE (Ding et al. 2024): explicit per-pair factors, long ones past the original context. */
  static double[] longropeTheta(RopeConfig c) {
    RopeScaling s = c.scaling();
    double[] factors = c.evalLen() > c.originalMax() ? s.longFactor() : s.shortFactor();
    double[] theta = defaultTheta(c.rotaryDim(), c.base());
    for (int n = 0; n < theta.length; n++) {
      theta[n] /= factors[n];
    }
    return theta;
  }

  /** Parameter checks per type; each failure names the field and value. */
  static void validate(RopeScaling s, int rotaryDim) {
    switch (s.type()) {
      case "default":
        return;
      case "linear", "ntk", "dynamic", "yarn", "llama3":
        if (!(s.factor() >= 1.0) || Double.isInfinite(s.factor())) {
          throw new RopeInputException("rope_scaling.factor", s.factor(),
              "rope_type " + s.type() + " needs a finite factor >= 1");
        }
        break;
      case "longrope":
        checkFactors("rope_scaling.short_factor", s.shortFactor(), rotaryDim);
        checkFactors("rope_scaling.long_factor", s.longFactor(), rotaryDim);
        break;
      default:
        require(s.type());
    }
    if ("llama3".equals(s.type())) {
      if (!(s.lowFreqFactor() > 0) || !(s.highFreqFactor() > s.lowFreqFactor())) {
        throw new RopeInputException("rope_scaling.high_freq_factor", s.highFreqFactor(),
            "llama3 needs 0 < low_freq_factor (" + s.lowFreqFactor() + ") < high_freq_factor");
      }
    }
    if ("yarn".equals(s.type()) && !Double.isNaN(s.betaFast()) && !Double.isNaN(s.betaSlow())
        && !(s.betaFast() > s.betaSlow() && s.betaSlow() > 0)) {
      throw new RopeInputException("rope_scaling.beta_fast", s.betaFast(),
          "yarn needs beta_fast > beta_slow (" + s.betaSlow() + ") > 0");
    }
    if (s.originalMaxPositionEmbeddings() < 0) {
      throw new RopeInputException("rope_scaling.original_max_position_embeddings",
          s.originalMaxPositionEmbeddings(), "must be positive");
    }
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
}
