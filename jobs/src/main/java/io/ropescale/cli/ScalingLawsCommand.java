package io.ropescale.cli;

import io.ropescale.jobs.ScalingLawsJob;
import io.ropescale.jobs.SweepSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale scaling-laws --spec FILE}: the rope_bounds table for a sweep. */
@Command(name = "scaling-laws", mixinStandardHelpOptions = true,
    description = "Scaling-law quantities for every configuration of a sweep spec -> Delta table rope_bounds.")
public final class ScalingLawsCommand implements Callable<Integer> {
  @Option(names = "--spec", required = true, description = "Sweep spec (YAML)")
  Path spec;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    SweepSpec s = SweepSpec.load(spec);
    JobRunner.run("scaling-laws", spark, s, "--spec " + spec,
        List.of((session, runId) -> List.of(ScalingLawsJob.write(session, s, runId))));
    return 0;
  }
}
