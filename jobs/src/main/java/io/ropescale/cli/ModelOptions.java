package io.ropescale.cli;

import io.ropescale.rope.ModelInputs;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeModel;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.RopeTypes;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * A configuration from flags: explicit numbers, a model name from datasets/models.csv, or a
 * Hugging Face config.json; explicit flags override the model's facts ({@link ModelInputs}, shared
 * with sweep specs). Without a model,
 * {@code --tune-len} defaults to {@code --train-len} and {@code --base} to {@code --pretrain-base}
 * (docs/theory.md s.6); with one, to the release's own context, base and rope_scaling.
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
    return ModelInputs.named(model, hfConfig, ModelInputs.Fields.FLAGS);
  }

  String label() {
    RopeModel m = namedModel();
    return m == null ? null : m.name();
  }

  RopeConfig config() {
    RopeModel m = ModelInputs.resolve(new ModelInputs.Input(model, hfConfig, headDim, rotaryDim, partialRotary,
        trainLen, pretrainBase, null, null, "flags"), ModelInputs.Fields.FLAGS);
    boolean named = model != null || hfConfig != null; // then m carries the named model's rope_scaling
    long tune = tuneLen != null ? tuneLen : m.config().tuneLen();
    double b = base != null ? base : m.ropeTheta();
    // the model's own per-pair factors carry over only to a type that reads them
    boolean pairs = named && readsPairFactors(ropeType);
    RopeScaling scaling = ropeType == null && factor == null && named ? m.scaling()
        : new ModelInputs.Scaling(ropeType, factor, originalMax, lowFreqFactor, highFreqFactor, betaFast, betaSlow)
            .resolve(pairs ? m.scaling().shortFactor() : null, pairs ? m.scaling().longFactor() : null);
    return new RopeConfig(m.headDim(), m.rotaryDim(), m.trainLen(), m.ropeTheta(), tune, b, scaling);
  }

  private static boolean readsPairFactors(String type) {
    // RopeScaling.of normalises the name (case, Phi-3's "su") and rejects unknown types
    return type != null && RopeTypes.of(RopeScaling.of(type, Double.NaN).type()).keys().contains("short_factor");
  }
}
