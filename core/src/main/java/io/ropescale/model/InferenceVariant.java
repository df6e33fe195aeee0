package io.ropescale.model;

import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeFrequencies;
import io.ropescale.rope.RopeVariant;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.RopeTypes;
import java.util.Locale;

/**
 * A RoPE variant applied at inference to a model trained with base {@code b_pre} at {@code T_train}:
 * the native frequencies, another base, or a scaling method of the core's RoPE-type registry
 * ({@link RopeTypes}). No fine-tuning happens, so the scaling laws see it as a configuration tuned at
 * {@code T_tune = T_train} with the variant's base and method (Liu et al. 2024, section 2).
 *
 * @param base the variant's base; NaN keeps the model's own
 * @param scaling the method and its parameters ({@link RopeScaling#DEFAULT} for a pure base change)
 */
public record InferenceVariant(String label, double base, RopeScaling scaling) {
  public static final InferenceVariant NATIVE = new InferenceVariant("native", Double.NaN, RopeScaling.DEFAULT);

  public InferenceVariant {
    if (label == null || !label.matches("[A-Za-z0-9_.+-]{1,64}")) {
      throw new RopeInputException("model_attention.variants", label,
          "variant labels may hold only letters, digits and _ . + - (at most 64)");
    }
    if (!Double.isNaN(base)) {
      RopeInputException.requireBase("model_attention.variants.base", base);
    }
    scaling = scaling == null ? RopeScaling.DEFAULT : scaling;
  }

  /** A variant named by what it changes: native, b25000, ntk-x2, yarn-x4-b400000. */
  public static InferenceVariant of(double base, RopeScaling scaling) {
    if (Double.isNaN(base) && (scaling == null || scaling.isDefault())) {
      return NATIVE;
    }
    StringBuilder label = new StringBuilder();
    if (scaling != null && !scaling.isDefault()) {
      label.append(scaling.type());
      if (!Double.isNaN(scaling.factor())) {
        label.append("-x").append(trim(scaling.factor()));
      }
    }
    if (!Double.isNaN(base)) {
      label.append(label.length() == 0 ? "" : "-").append('b').append(trim(base));
    }
    return new InferenceVariant(label.toString(), base, scaling);
  }

  public boolean isNative() {
    return Double.isNaN(base) && scaling.isDefault();
  }

  /** The configuration the scaling laws read: pre-trained at (trainLen, pretrainBase), used at T_train. */
  public RopeConfig config(int headDim, int rotaryDim, long trainLen, double pretrainBase) {
    double b = Double.isNaN(base) ? pretrainBase : base;
    return new RopeConfig(headDim, rotaryDim, trainLen, pretrainBase, trainLen, b, scaling);
  }

  /**
   * The variant's inverse frequencies theta_i (i &lt; rotaryDim/2) and attention factor for a pass over
   * {@code seqLen} tokens, from the RoPE-type registry's frequency function (length-dependent types
   * such as dynamic NTK read seqLen; YaRN's factor is its attention temperature).
   */
  public RopeFrequencies frequencies(int rotaryDim, long trainLen, double pretrainBase, long seqLen) {
    double b = Double.isNaN(base) ? pretrainBase : base;
    long originalMax = scaling.originalMaxPositionEmbeddings() > 0 ? scaling.originalMaxPositionEmbeddings() : trainLen;
    return RopeTypes.frequencies(new RopeVariant(scaling, rotaryDim, b, originalMax), seqLen);
  }

  static String trim(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) {
      return Long.toString((long) x);
    }
    return String.format(Locale.ROOT, "%.6g", x).replaceFirst("\\.?0+(e|$)", "$1");
  }
}
