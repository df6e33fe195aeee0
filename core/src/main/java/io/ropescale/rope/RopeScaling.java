package io.ropescale.rope;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A RoPE variant and its {@code rope_scaling} parameters, named as Hugging Face transformers
 * names them. A key that was not given is NaN (0 for the original context, null for the longrope
 * factor lists and {@code truncate}); {@link #givenKeys()} lists the ones that were, and the
 * type's unit ({@link RopeTypes#of(String)}) rejects any it does not read.
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
 * @param attentionFactor explicit attention (cos/sin) scaling (yarn, longrope); NaN = the type's default
 * @param mscale yarn: DeepSeek's numerator multiplier of {@code 0.1 ln(factor)}
 * @param mscaleAllDim yarn: DeepSeek's denominator multiplier of {@code 0.1 ln(factor)}
 * @param truncate yarn: whether the correction range is rounded to whole dims (null = true, HF's default)
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
    double[] longFactor,
    double attentionFactor,
    double mscale,
    double mscaleAllDim,
    Boolean truncate) {

  public static final RopeScaling DEFAULT =
      new RopeScaling("default", Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null);

  public RopeScaling {
    type = type == null ? "default" : type.trim().toLowerCase(Locale.ROOT);
    if ("su".equals(type)) {
      type = "longrope"; // Phi-3's early configs call longrope "su"
    }
    RopeTypes.of(type);
  }

  /** The keys every type shared before the attention-factor keys existed (no attention factor, mscale or truncate). */
  public RopeScaling(String type, double factor, long originalMaxPositionEmbeddings, double lowFreqFactor,
      double highFreqFactor, double betaFast, double betaSlow, double[] shortFactor, double[] longFactor) {
    this(type, factor, originalMaxPositionEmbeddings, lowFreqFactor, highFreqFactor, betaFast, betaSlow,
        shortFactor, longFactor, Double.NaN, Double.NaN, Double.NaN, null);
  }

  public static RopeScaling of(String type, double factor) {
    return new RopeScaling(type, factor, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null);
  }

  public RopeScaling withOriginalMax(long originalMax) {
    return new RopeScaling(type, factor, originalMax, lowFreqFactor, highFreqFactor, betaFast, betaSlow,
        shortFactor, longFactor, attentionFactor, mscale, mscaleAllDim, truncate);
  }

  public boolean isDefault() {
    return "default".equals(type);
  }

  /** The {@code rope_scaling} keys this value carries (Hugging Face names) and their values, in a fixed order. */
  public Map<String, Object> givenKeys() {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "factor", factor);
    if (originalMaxPositionEmbeddings != 0) {
      m.put("original_max_position_embeddings", originalMaxPositionEmbeddings);
    }
    put(m, "low_freq_factor", lowFreqFactor);
    put(m, "high_freq_factor", highFreqFactor);
    put(m, "beta_fast", betaFast);
    put(m, "beta_slow", betaSlow);
    if (shortFactor != null) {
      m.put("short_factor", shortFactor.length + " values");
    }
    if (longFactor != null) {
      m.put("long_factor", longFactor.length + " values");
    }
    put(m, "attention_factor", attentionFactor);
    put(m, "mscale", mscale);
    put(m, "mscale_all_dim", mscaleAllDim);
    if (truncate != null) {
      m.put("truncate", truncate);
    }
    return m;
  }

  private static void put(Map<String, Object> m, String key, double v) {
    if (!Double.isNaN(v)) {
      m.put(key, RopeInputException.fmt(v));
    }
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
        && Arrays.equals(longFactor, r.longFactor)
        && Double.compare(attentionFactor, r.attentionFactor) == 0
        && Double.compare(mscale, r.mscale) == 0
        && Double.compare(mscaleAllDim, r.mscaleAllDim) == 0
        && Objects.equals(truncate, r.truncate);
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
