package io.ropescale.rope;

import java.util.Set;

/**
 * One RoPE type, as Hugging Face transformers names it ({@code rope_type}): everything that
 * differs between types lives in its unit (docs/theory.md section 5). Hugging Face keeps one
 * compute function and one validation function per type in two keyed tables
 * ({@code ROPE_INIT_FUNCTIONS}, {@code ROPE_VALIDATION_FUNCTIONS} in {@code modeling_rope_utils});
 * here both are the same object, registered once in {@link RopeTypes}.
 *
 * <p>Adding a type: one class (extending {@code NamedRopeType} for its name and keys), one line in
 * {@link RopeTypes}.
 */
public interface RopeType {

  /** The Hugging Face {@code rope_type} name. */
  String name();

  /** The {@code rope_scaling} keys this type reads (besides {@code rope_type}); any other given key is an error. */
  Set<String> keys();

  /**
   * Checks the values of the keys this type reads (required ones present, ranges); each failure
   * names the field and the value. Foreign keys are rejected by {@link RopeTypes#validate} first.
   */
  void validate(RopeScaling s, int rotaryDim);

  /**
   * The sequence length at which a configuration tuned at {@code tuneLen} is evaluated: the tuning
   * length, unless the type's frequencies depend on the running length.
   */
  default long evalLen(RopeScaling s, long tuneLen, long originalMax) {
    return tuneLen;
  }

  /**
   * The single base whose default frequencies equal this type's at {@code seqLen}, for the
   * paper's formulas that read one base: the configured base unless the type rescales it.
   */
  default double effectiveBase(RopeVariant v, long seqLen) {
    return v.base();
  }

  /** Per-pair inverse frequencies {@code theta_n}, n = 0 .. d/2-1, at sequence length {@code seqLen}. */
  double[] inverseFrequencies(RopeVariant v, long seqLen);

  /** Hugging Face's {@code attention_factor}: the scale applied to cos/sin (1 for most types). */
  default double attentionFactor(RopeVariant v, long seqLen) {
    return 1.0;
  }

  /**
   * Fills what a Hugging Face {@code config.json} leaves to be derived from the rest of the
   * config ({@code max_position_embeddings}); most types derive nothing.
   */
  default RopeScaling completeFromConfig(RopeScaling s, long maxPositionEmbeddings) {
    return s;
  }

  /** Shared check: a factor >= 1 and finite, as every scaling type but longrope needs. */
  static void requireFactor(RopeScaling s) {
    if (!(s.factor() >= 1.0) || Double.isInfinite(s.factor())) {
      throw new RopeInputException("rope_scaling.factor", RopeInputException.fmt(s.factor()),
          "rope_type " + s.type() + " needs a finite factor >= 1");
    }
  }

  /** Shared check for an optional positive number (NaN = not given). */
  static void optionalPositive(String key, double v, String type) {
    if (!Double.isNaN(v) && (!(v > 0) || Double.isInfinite(v))) {
      throw new RopeInputException("rope_scaling." + key, RopeInputException.fmt(v),
          "rope_type " + type + " needs a finite number > 0");
    }
  }
}
