package io.ropescale.cli;

import io.ropescale.rope.HfConfigs;
import io.ropescale.rope.ModelCatalog;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeModel;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.RopeTypes;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A configuration from flags: explicit numbers, a model name from datasets/models.csv, or a
 * Hugging Face config.json; explicit flags override the model's facts. Without a model,
 * {@code --tune-len} defaults to {@code --train-len} and {@code --base} to {@code --pretrain-base}
 * (DESIGN.md s.6); with one, to the release's own context, base and rope_scaling.
 */
public final class ModelOptions {
  @Option(names = "--model", description = "Model name from datasets/models.csv (e.g. llama2-7b)")
  String model;

  @Option(names = "--hf-config", description = "Path to a Hugging Face config.json")
  Path hfConfig;

  @Option(names = "--head-dim", description = "Attention head dimension")
  Integer headDim;

  @Option(names = "--rotary-dim", description = "Rotary dimension (default: head dim)")
  Integer rotaryDim;

  @Option(names = "--partial-rotary", description = "partial_rotary_factor: rotary dim = head dim * factor")
  Double partialRotary;

  @Option(names = "--train-len", description = "Pre-training context T_train")
  Long trainLen;

  @Option(names = "--pretrain-base", description = "Pre-training base b_pre")
  Double pretrainBase;

  @Option(names = "--tune-len", description = "Tuning context T_tune (default: --train-len)")
  Long tuneLen;

  @Option(names = "--base", description = "Tuning base b (default: --pretrain-base)")
  Double base;

  @Option(names = "--rope-type", description = "default, linear, ntk, dynamic, yarn, llama3, longrope")
  String ropeType;

  @Option(names = "--factor", description = "rope_scaling factor")
  Double factor;

  @Option(names = "--original-max", description = "rope_scaling original_max_position_embeddings (default: --train-len)")
  Long originalMax;

  @Option(names = "--low-freq-factor", description = "llama3 low_freq_factor")
  Double lowFreqFactor;

  @Option(names = "--high-freq-factor", description = "llama3 high_freq_factor")
  Double highFreqFactor;

  @Option(names = "--beta-fast", description = "yarn beta_fast (default 32)")
  Double betaFast;

  @Option(names = "--beta-slow", description = "yarn beta_slow (default 1)")
  Double betaSlow;

  /** The model named by --model / --hf-config, or null. */
  RopeModel namedModel() {
    if (model != null && hfConfig != null) {
      throw new RopeInputException("--hf-config", hfConfig, "give either --model or --hf-config, not both");
    }
    if (model != null) {
      return ModelCatalog.bundled().get(model);
    }
    return hfConfig == null ? null : HfConfigs.read(hfConfig);
  }

  String label() {
    RopeModel m = namedModel();
    return m == null ? null : m.name();
  }

  RopeConfig config() {
    RopeModel m = namedModel();
    if (rotaryDim != null && partialRotary != null) {
      throw new RopeInputException("--partial-rotary", partialRotary, "give either --rotary-dim or --partial-rotary");
    }
    int head = headDim != null ? headDim : m != null ? m.headDim() : missing("--head-dim");
    int rot = rotaryDim != null ? rotaryDim
        : partialRotary != null ? RopeConfig.rotaryDimOf(head, partialRotary)
        : m != null && headDim == null ? m.rotaryDim() : head;
    long train = trainLen != null ? trainLen : m != null ? m.trainLen() : missingLong("--train-len");
    double bPre = pretrainBase != null ? pretrainBase : m != null ? m.ropeTheta() : missingDouble("--pretrain-base");
    long tune = tuneLen != null ? tuneLen : m != null ? Math.max(train, m.maxPositionEmbeddings()) : train;
    double b = base != null ? base : bPre;
    RopeScaling scaling;
    if (ropeType == null && factor == null && m != null) {
      scaling = m.scaling();
    } else {
      scaling = new RopeScaling(ropeType == null ? "default" : ropeType,
          factor == null ? Double.NaN : factor,
          originalMax == null ? 0 : originalMax,
          lowFreqFactor == null ? Double.NaN : lowFreqFactor,
          highFreqFactor == null ? Double.NaN : highFreqFactor,
          betaFast == null ? Double.NaN : betaFast,
          betaSlow == null ? Double.NaN : betaSlow,
          // the model's own per-pair factors carry over only to a type that reads them
          m == null || !readsPairFactors(ropeType) ? null : m.scaling().shortFactor(),
          m == null || !readsPairFactors(ropeType) ? null : m.scaling().longFactor());
    }
    return new RopeConfig(head, rot, train, bPre, tune, b, scaling);
  }

  private static boolean readsPairFactors(String type) {
    // RopeScaling.of normalises the name (case, Phi-3's "su") and rejects unknown types
    return type != null && RopeTypes.of(RopeScaling.of(type, Double.NaN).type()).keys().contains("short_factor");
  }

  private static int missing(String flag) {
    throw new RopeInputException(flag, "missing", "required unless --model or --hf-config is given");
  }

  private static long missingLong(String flag) {
    return missing(flag);
  }

  private static double missingDouble(String flag) {
    return missing(flag);
  }
}
