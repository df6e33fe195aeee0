package io.ropescale.rope;

import java.nio.file.Path;

/**
 * The one way a model's RoPE facts are given, on the command line ({@code --model},
 * {@code --hf-config}, {@code --head-dim} ...) and in sweep specs ({@code models:} entries): a name
 * from {@code datasets/models.csv}, a Hugging Face {@code config.json}, explicit numbers, or a named
 * model with some numbers given explicitly (they win). Errors name the caller's own spelling of
 * the field ({@link Fields}), so a flag error says {@code --rotary-dim} and a spec error says
 * {@code spec.models[1].rotary_dim}.
 */
public final class ModelInputs {
  private ModelInputs() {}

  /** How the caller spells each input, for error messages. */
  public record Fields(String model, String hfConfig, String headDim, String rotaryDim, String partialRotary,
      String trainLen, String ropeTheta) {
    /** The command-line flags. */
    public static final Fields FLAGS = new Fields("--model", "--hf-config", "--head-dim", "--rotary-dim",
        "--partial-rotary", "--train-len", "--pretrain-base");

    /** The keys of a spec mapping at {@code prefix} (e.g. {@code spec.models[0]}). */
    public static Fields keys(String prefix) {
      return new Fields("a model name", prefix + ".hf_config", prefix + ".head_dim", prefix + ".rotary_dim",
          prefix + ".partial_rotary_factor", prefix + ".train_len", prefix + ".rope_theta");
    }
  }

  /**
   * What was given; null: not given.
   *
   * @param ropeTheta the pre-training base (CLI {@code --pretrain-base}, spec {@code rope_theta})
   * @param maxPositionEmbeddings the context the release claims (default: the training length)
   * @param name the model's label (default: the named model's, else {@code d<rotary>-T<train>-b<theta>})
   * @param origin source recorded for explicit numbers (e.g. {@code spec}, {@code flags})
   */
  public record Input(String model, Path hfConfig, Integer headDim, Integer rotaryDim, Double partialRotary,
      Long trainLen, Double ropeTheta, Long maxPositionEmbeddings, String name, String origin) {}

  /** The model named by a catalogue name or a config.json, or null when neither is given; not both. */
  public static RopeModel named(String model, Path hfConfig, Fields f) {
    if (model != null && hfConfig != null) {
      throw new RopeInputException(f.hfConfig(), hfConfig, "give either " + f.model() + " or " + f.hfConfig() + ", not both");
    }
    if (model != null) {
      return ModelCatalog.bundled().get(model);
    }
    return hfConfig == null ? null : HfConfigs.read(hfConfig);
  }

  /**
   * The rotary dimension: explicit, or head dim x partial rotary factor, or the named model's
   * (when its head dim is kept), or the whole head. Explicit and factor together are an error.
   */
  public static int rotaryDim(int headDim, Integer rotaryDim, Double partialRotary, RopeModel named,
      boolean headDimGiven, Fields f) {
    if (rotaryDim != null && partialRotary != null) {
      throw new RopeInputException(f.partialRotary(), partialRotary, "give either " + f.rotaryDim() + " or "
          + f.partialRotary() + ", not both");
    }
    if (rotaryDim != null) {
      return RopeInputException.requireRotaryDim(f.rotaryDim(), rotaryDim);
    }
    if (partialRotary != null) {
      return RopeConfig.rotaryDimOf(headDim, partialRotary);
    }
    return named != null && !headDimGiven ? named.rotaryDim() : headDim;
  }

  /**
   * The model: the named one with the explicit numbers applied, or the explicit numbers alone
   * (then {@code head_dim}, {@code train_len} and the base are required). Validated
   * ({@link RopeModel#config()}).
   */
  public static RopeModel resolve(Input in, Fields f) {
    RopeModel m = named(in.model(), in.hfConfig(), f);
    int head = in.headDim() != null ? RopeInputException.requireRotaryDim(f.headDim(), in.headDim())
        : m != null ? m.headDim() : missing(f.headDim(), f);
    int rot = rotaryDim(head, in.rotaryDim(), in.partialRotary(), m, in.headDim() != null, f);
    long train = in.trainLen() != null ? in.trainLen() : m != null ? m.trainLen() : missing(f.trainLen(), f);
    double theta = in.ropeTheta() != null ? in.ropeTheta() : m != null ? m.ropeTheta() : missing(f.ropeTheta(), f);
    long maxPos = in.maxPositionEmbeddings() != null ? in.maxPositionEmbeddings() : m != null ? m.maxPositionEmbeddings() : train;
    String name = in.name() != null ? in.name() : m != null ? m.name()
        : "d" + rot + "-T" + train + "-b" + theta;
    RopeModel out = new RopeModel(name, head, rot, theta, train, maxPos, m != null ? m.scaling() : RopeScaling.DEFAULT,
        m != null ? m.source() : in.origin());
    out.config(); // validates every number
    return out;
  }

  /**
   * A rope scaling from its Hugging Face keys (null: not given). The longrope factor lists are not
   * user keys; they come from the model ({@code null} when there is none).
   */
  public record Scaling(String type, Double factor, Long originalMax, Double lowFreqFactor, Double highFreqFactor,
      Double betaFast, Double betaSlow) {
    public RopeScaling resolve(double[] shortFactor, double[] longFactor) {
      return new RopeScaling(type == null ? "default" : type, nan(factor), originalMax == null ? 0 : originalMax,
          nan(lowFreqFactor), nan(highFreqFactor), nan(betaFast), nan(betaSlow), shortFactor, longFactor);
    }

    private static double nan(Double x) {
      return x == null ? Double.NaN : x;
    }
  }

  private static int missing(String field, Fields f) {
    throw new RopeInputException(field, "missing", "required without a named model (" + f.model() + " or " + f.hfConfig() + ")");
  }
}
