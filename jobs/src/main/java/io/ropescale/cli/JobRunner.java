package io.ropescale.cli;

import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.Progress;
import io.ropescale.jobs.RunRecord;
import io.ropescale.jobs.Sessions;
import io.ropescale.jobs.SweepSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one Spark command: validates first, builds every stage's table writes, then commits them
 * all plus the {@code runs} row as one all-or-nothing unit ({@link DeltaTables#commit}; the commit
 * protocol is described there and in docs/reliability.md).
 */
final class JobRunner {
  /** A stage contributes table writes for a run. */
  interface Stage extends BiFunction<SparkSession, String, List<DeltaTables.Write>> {}

  private JobRunner() {}

  static Result run(String command, SparkOptions opts, SweepSpec spec, String arguments, List<Stage> stages) {
    String runId = DeltaTables.runIdOrFresh(opts.runId);
    long jvmUp = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
    long t0 = System.nanoTime();
    SparkSession spark = Sessions.get(opts.profile, "ropescale " + command);
    RunRecord record = new RunRecord(runId, command, spec, arguments);
    long t1 = System.nanoTime();
    Progress.info(String.format("%s: run %s -> %s (JVM start to command %.1f s, Spark session %.1f s)", command, runId,
        opts.warehouse, jvmUp / 1e3, (t1 - t0) / 1e9));
    List<DeltaTables.Write> writes = new ArrayList<>();
    for (Stage s : stages) {
      writes.addAll(s.apply(spark, runId));
    }
    Progress.info(String.format("%s: stages planned (and eager results computed) in %.1f s", command,
        (System.nanoTime() - t1) / 1e9));
    // A given run id may be a rerun: its runs row says "running" until the end, so readers hide the
    // run while its tables are half replaced (or forever, if the driver dies: rerun it). A fresh id
    // has no rows anywhere, so readers hide it until its runs row exists anyway.
    DeltaTables.Write opening = opts.runId == null ? null : record.write(spark, Map.of(), RunRecord.RUNNING);
    Map<String, Long> written = Progress.track(spark, command,
        () -> DeltaTables.commit(spark, opts.warehouse, runId, opening, writes,
            counts -> record.write(spark, counts)));
    Progress.info(command + ": wrote " + written + " in " + (System.currentTimeMillis() - record.startedAt.toEpochMilli()) + " ms");
    return new Result(spark, runId, written);
  }

  record Result(SparkSession spark, String runId, Map<String, Long> written) {}
}
