package io.ropescale.cli;

import static org.apache.spark.sql.functions.col;

import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.ScalingLawsJob;
import io.ropescale.jobs.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ropescale sweep [SPEC]}: the main job. Runs every stage the spec asks for as one run
 * (all tables committed together) and prints a compact summary read back from Delta.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
    description = "Run every stage of a sweep spec (default: conf/sweeps/paper-llama2.yaml), summarise, and write the run's report.")
public final class SweepCommand implements Callable<Integer> {
  static final String DEFAULT_SPEC = "conf/sweeps/paper-llama2.yaml";

  @Parameters(arity = "0..1", description = "Sweep spec (default: ${ropescale.home}/" + DEFAULT_SPEC + ")")
  Path spec;

  @Mixin
  SparkOptions spark;

  static Path home() {
    return Path.of(System.getProperty("ropescale.home", System.getenv().getOrDefault("ROPESCALE_HOME", ".")));
  }

  static Path defaultSpec() {
    return home().resolve(DEFAULT_SPEC);
  }

  @Override
  public Integer call() {
    Path p = spec != null ? spec : defaultSpec();
    if (!Files.exists(p)) {
      throw new io.ropescale.rope.RopeInputException("spec", p, "does not exist");
    }
    SweepSpec s = SweepSpec.load(p);
    List<JobRunner.Stage> stages = new ArrayList<>();
    stages.add((session, runId) -> List.of(ScalingLawsJob.write(session, s, runId)));
    JobRunner.Result r = JobRunner.run("sweep", spark, s, p.toString(), stages);
    printSummary(r, s);
    return ReportCommand.afterRun(r, spark);
  }

  private void printSummary(JobRunner.Result r, SweepSpec s) {
    List<Row> rows = DeltaTables.read(r.spark(), spark.warehouse, ScalingLawsJob.TABLE)
        .where(col("run_id").equalTo(r.runId()))
        .orderBy("model", "rope_type", "tune_len", "base")
        .select("model", "rope_type", "tune_len", "base", "regime", "critical_dim", "critical_dim_tuned",
            "extrapolation_bound", "angle_coverage_bound", "unbounded")
        .collectAsList();
    System.out.printf(Locale.ROOT, "%nsweep %s, run %s: %d configurations -> %s/%s%n", s.name, r.runId(), rows.size(),
        spark.warehouse, ScalingLawsJob.TABLE);
    System.out.printf(Locale.ROOT, "%-14s %-9s %8s %12s %-13s %6s %6s %14s %14s%n",
        "model", "rope", "T_tune", "base", "regime", "d_ext", "d'_ext", "T_extra", "coverage");
    for (Row x : rows) {
      Object cov = x.get(8);
      System.out.printf(Locale.ROOT, "%-14s %-9s %8d %12s %-13s %6d %6d %14s %14s%n",
          x.getString(0), x.getString(1), x.getLong(2), Json.human(x.getDouble(3)), x.getString(4), x.getInt(5),
          x.getInt(6), x.getBoolean(9) ? "unbounded" : Json.human(Math.rint(x.getDouble(7))),
          cov == null ? "unbounded" : Json.human(Math.rint((Double) cov)));
    }
  }
}
