package io.ropescale.rope;

/**
 * What a RoPE type's frequencies depend on, besides the sequence length: the type and its
 * {@code rope_scaling} parameters, the rotary dimension, the base ({@code rope_theta}) and the
 * context the scaling was designed from.
 *
 * @param originalMax Hugging Face's {@code original_max_position_embeddings} (for a configuration:
 *     the scaling's own value, else the training length)
 */
public record RopeVariant(RopeScaling scaling, int rotaryDim, double base, long originalMax) {

  public RopeVariant {
    scaling = scaling == null ? RopeScaling.DEFAULT : scaling;
    RopeInputException.requireRotaryDim("rotary_dim", rotaryDim);
    RopeInputException.requireBase("base", base);
    RopeInputException.requireLength("original_max_position_embeddings", originalMax);
    RopeTypes.validate(scaling, rotaryDim);
  }

  /** Default RoPE at {@code base}. */
  public static RopeVariant plain(int rotaryDim, double base, long originalMax) {
    return new RopeVariant(RopeScaling.DEFAULT, rotaryDim, base, originalMax);
  }

  public RopeType type() {
    return RopeTypes.of(scaling.type());
  }
}
