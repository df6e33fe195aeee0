package io.ropescale.cli;

import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.model.ModelAttentionJob;
import io.ropescale.jobs.model.ModelAttentionSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale model-attention --spec F [--gguf PATH_OR_URI]}: a real model's loss and attention per RoPE variant. */
@Command(name = "model-attention", mixinStandardHelpOptions = true,
    description = "Run a llama-architecture GGUF model over the spec's documents under every RoPE variant of its"
        + " model_attention: section -> model_token_stats, model_position_profile, model_measured_bounds,"
        + " model_qk_correlation, model_logit_profile.")
public final class ModelAttentionCommand implements Callable<Integer> {
  @Option(names = "--spec", required = true, description = "Sweep spec (YAML) with a model_attention: section")
  Path spec;

  @Option(names = "--gguf", description = "GGUF file (path or Hadoop URI); default: the spec's, else SmolLM2-135M from bin/fetch-model")
  String gguf;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    SweepSpec s = SweepSpec.load(spec);
    ModelAttentionSettings settings = ModelAttentionSettings.from(s, gguf);
    JobRunner.Result r = JobRunner.run("model-attention", spark, s, "--spec " + spec + (gguf == null ? "" : " --gguf " + gguf),
        List.of((session, runId) -> ModelAttentionJob.writes(session, settings, runId)));
    ModelAttentionJob.printSummary(r.spark(), spark.warehouse, r.runId());
    return 0;
  }
}
