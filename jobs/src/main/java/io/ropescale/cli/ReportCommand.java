package io.ropescale.cli;

import io.ropescale.jobs.Sessions;
import io.ropescale.report.Report;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code ropescale report [--run-id R]}: the run's HTML dashboard, from its Delta tables. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write a self-contained HTML dashboard of one run to <warehouse>/reports/<run_id>/index.html.",
        "--run-id defaults to the newest run in the runs table (by ended_at). Opens offline; prints its path."})
public final class ReportCommand implements Callable<Integer> {
  @picocli.CommandLine.Option(names = "--spec",
      description = "Without --run-id: report the newest run of this spec (by its name) instead of the newest run")
  java.nio.file.Path spec;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    org.apache.spark.sql.SparkSession session = Sessions.get(spark.profile, "ropescale report");
    String runId = spark.runId;
    if (runId == null && spec != null) {
      String name = io.ropescale.jobs.SweepSpec.load(spec).name;
      java.util.List<org.apache.spark.sql.Row> newest = io.ropescale.jobs.DeltaTables.read(session, spark.warehouse,
          io.ropescale.jobs.TableDocs.RUNS.name())
          .where(org.apache.spark.sql.functions.col("spec_name").equalTo(name))
          .orderBy(org.apache.spark.sql.functions.col("ended_at").desc()).limit(1).collectAsList();
      if (newest.isEmpty()) {
        throw new io.ropescale.rope.RopeInputException("--spec", spec, "no run of spec '" + name + "' in " + spark.warehouse);
      }
      runId = newest.get(0).getString(newest.get(0).fieldIndex("run_id"));
    }
    System.out.println(Report.write(session, spark.warehouse, runId));
    return 0;
  }

  /**
   * The sweep's last step: the tables are committed by then, so a failing report only makes the
   * exit code non-zero (1) and leaves every table as written.
   */
  static int afterRun(JobRunner.Result r, SparkOptions opts) {
    try {
      System.out.println("report: " + Report.write(r.spark(), opts.warehouse, r.runId()));
      return 0;
    } catch (RuntimeException e) {
      System.err.println("ropescale report failed (run " + r.runId() + " and its tables are committed): " + e);
      e.printStackTrace(System.err);
      return 1;
    }
  }
}
