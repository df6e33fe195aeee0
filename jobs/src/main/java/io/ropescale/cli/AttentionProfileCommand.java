package io.ropescale.cli;

import io.ropescale.jobs.AttentionProfileJob;
import io.ropescale.jobs.AttentionSettings;
import io.ropescale.jobs.SweepSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale attention-profile --spec FILE}: attention_profile and attention_bounds. */
@Command(name = "attention-profile", mixinStandardHelpOptions = true,
    description = "Per-position similar-token margin, RoFormer decay bound and ood_pairs for every configuration"
        + " -> Delta tables attention_profile (bucketed) and attention_bounds (full resolution).")
public final class AttentionProfileCommand implements Callable<Integer> {
  @Option(names = "--spec", required = true, description = "Sweep spec (YAML); its attention: section sets defaults")
  Path spec;

  @Option(names = "--max-position", description = "Last relative position evaluated (default: spec, else 1048576)")
  Long maxPosition;

  @Option(names = "--engine", description = "auto (sql when RAPIDS is active, else jvm), jvm or sql")
  String engine;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    SweepSpec s = SweepSpec.load(spec);
    AttentionSettings settings = AttentionSettings.from(s, maxPosition, engine);
    JobRunner.run("attention-profile", spark, s, "--spec " + spec,
        List.of((session, runId) -> AttentionProfileJob.writes(session, s, settings, runId)));
    return 0;
  }
}
