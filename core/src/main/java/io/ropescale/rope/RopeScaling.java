package io.ropescale.rope;

import java.util.Arrays;
import java.util.Locale;

/**
 * A RoPE variant and its {@code rope_scaling} parameters, named as Hugging Face transformers
 * names them. Unused fields are NaN (or null for the longrope factor lists).
 *
 * @param type one of {@link RopeTypes#names()}
 * @param factor context scaling factor (linear, ntk, dynamic, yarn, llama3, longrope)
 * @param originalMaxPositionEmbeddings pre-scaling context (dynamic, yarn, llama3, longrope); 0 = use train length
 * @param lowFreqFactor llama3
 * @param highFreqFactor llama3
 * @param betaFast yarn ramp bound (default 32)
 * @param betaSlow yarn ramp bound (default 1)
 * @param shortFactor longrope per-pair factors for sequences within the original context
 * @param longFactor longrope per-pair factors beyond it
 */
public record RopeScaling(
    String type,
    double factor,
    long originalMaxPositionEmbeddings,
    double lowFreqFactor,
    double highFreqFactor,
    double betaFast,
    double betaSlow,
    double[] shortFactor,
    double[] longFactor) {

  public static final RopeScaling DEFAULT =
      new RopeScaling("default", Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null);

  public RopeScaling {
    type = type == null ? "default" : type.trim().toLowerCase(Locale.ROOT);
    if ("su".equals(type)) {
      type = "longrope"; // Phi-3's early configs call longrope "su"
    }
    RopeTypes.require(type);
  }

  public static RopeScaling of(String type, double factor) {
    return new RopeScaling(type, factor, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null);
  }

  public RopeScaling withOriginalMax(long originalMax) {
    return new RopeScaling(type, factor, originalMax, lowFreqFactor, highFreqFactor, betaFast, betaSlow,
        shortFactor, longFactor);
  }

  public boolean isDefault() {
    return "default".equals(type);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RopeScaling r
        && type.equals(r.type)
        && Double.compare(factor, r.factor) == 0
        && originalMaxPositionEmbeddings == r.originalMaxPositionEmbeddings
        && Double.compare(lowFreqFactor, r.lowFreqFactor) == 0
        && Double.compare(highFreqFactor, r.highFreqFactor) == 0
        && Double.compare(betaFast, r.betaFast) == 0
        && Double.compare(betaSlow, r.betaSlow) == 0
        && Arrays.equals(shortFactor, r.shortFactor)
        && Arrays.equals(longFactor, r.longFactor);
  }

  @Override
  public int hashCode() {
    return type.hashCode() * 31 + Double.hashCode(factor);
  }

  @Override
  public String toString() {
    return isDefault() ? "default" : type + "(factor=" + RopeInputException.fmt(factor) + ")";
  }
}
