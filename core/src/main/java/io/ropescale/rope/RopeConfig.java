package io.ropescale.rope;

import static io.ropescale.rope.RopeInputException.requireBase;
import static io.ropescale.rope.RopeInputException.requireLength;
import static io.ropescale.rope.RopeInputException.requireRotaryDim;

/**
 * One RoPE configuration as the scaling laws see it (Liu et al. 2024, section 2): a model
 * pre-trained at {@code trainLen} with base {@code pretrainBase}, then tuned at {@code tuneLen}
 * with base {@code base} and an optional scaling method. All formulas use the rotary dimension.
 */
public record RopeConfig(
    int headDim, int rotaryDim, long trainLen, double pretrainBase, long tuneLen, double base,
    RopeScaling scaling) {

  public RopeConfig {
    requireRotaryDim("head_dim", headDim);
    requireRotaryDim("rotary_dim", rotaryDim);
    if (rotaryDim > headDim) {
      throw new RopeInputException("rotary_dim", rotaryDim, "exceeds head_dim " + headDim);
    }
    requireLength("train_len", trainLen);
    requireLength("tune_len", tuneLen);
    if (tuneLen < trainLen) {
      throw new RopeInputException("tune_len", tuneLen,
          "is shorter than train_len " + trainLen + " (tuning length must be >= training length)");
    }
    requireBase("pretrain_base", pretrainBase);
    requireBase("base", base);
    scaling = scaling == null ? RopeScaling.DEFAULT : scaling;
    RopeTypes.validate(scaling, rotaryDim);
  }

  /** The RoPE variant of the tuned model: its type and parameters, rotary dim, tuning base, original context. */
  public RopeVariant variant() {
    return new RopeVariant(scaling, rotaryDim, base, originalMax());
  }

  /** The common case of the paper: a pure base change, whole head rotary. */
  public static RopeConfig baseChange(int rotaryDim, long trainLen, double pretrainBase, long tuneLen, double base) {
    return new RopeConfig(rotaryDim, rotaryDim, trainLen, pretrainBase, tuneLen, base, RopeScaling.DEFAULT);
  }

  /** Rotary dim from a head dim and Hugging Face's {@code partial_rotary_factor}. */
  public static int rotaryDimOf(int headDim, double partialRotaryFactor) {
    if (!(partialRotaryFactor > 0.0 && partialRotaryFactor <= 1.0)) {
      throw new RopeInputException("partial_rotary_factor", partialRotaryFactor, "must be in (0, 1]");
    }
    long d = Math.round(headDim * partialRotaryFactor);
    if (Math.abs(d - headDim * partialRotaryFactor) > 1e-6 || d % 2 != 0 || d == 0) {
      throw new RopeInputException("partial_rotary_factor", partialRotaryFactor,
          "head_dim " + headDim + " * factor must be a positive even integer");
    }
    return (int) d;
  }

  public RopeConfig withTuning(long newTuneLen, double newBase, RopeScaling newScaling) {
    return new RopeConfig(headDim, rotaryDim, trainLen, pretrainBase, newTuneLen, newBase, newScaling);
  }

  /** Context the scaling method was designed from (HF {@code original_max_position_embeddings}). */
  public long originalMax() {
    return scaling.originalMaxPositionEmbeddings() > 0 ? scaling.originalMaxPositionEmbeddings() : trainLen;
  }

  /**
   * Sequence length at which the configuration is evaluated: the tuning length, unless the type's
   * frequencies move with the running length ({@link RopeType#evalLen}).
   */
  public long evalLen() {
    return RopeTypes.of(scaling.type()).evalLen(scaling, tuneLen, originalMax());
  }
}
