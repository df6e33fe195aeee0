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
  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    System.out.println(Report.write(Sessions.get(spark.profile, "ropescale report"), spark.warehouse, spark.runId));
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
