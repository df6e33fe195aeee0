package io.ropescale.cli;

import io.ropescale.jobs.FitJob;
import io.ropescale.rope.RopeInputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ropescale fit --run-id R}: MLlib regressions of the scaling laws on run R's tables. */
@Command(name = "fit", mixinStandardHelpOptions = true,
    description = "Fit log base lower bound vs log context and log T_extra vs log base on a run's tables"
        + " (needs --run-id of a run that wrote rope_bounds or base_lower_bounds) -> Delta table scaling_fits.")
public final class FitCommand implements Callable<Integer> {
  @picocli.CommandLine.Option(names = "--spec", description = "The run's sweep spec, recorded with the fit in the runs table")
  java.nio.file.Path spec;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    if (spark.runId == null) {
      throw new RopeInputException("--run-id", "missing", "fit reads the tables of an existing run; name it");
    }
    io.ropescale.jobs.SweepSpec sweep = spec == null ? null : io.ropescale.jobs.SweepSpec.load(spec);
    JobRunner.run("fit", spark, sweep, "--run-id " + spark.runId,
        List.of((session, runId) -> List.of(FitJob.write(
            FitJob.computeFromWarehouse(session, spark.warehouse, runId).cache(), runId))));
    return 0;
  }
}
