package io.ropescale.bench;

import io.ropescale.jobs.AttentionProfileJob;
import io.ropescale.jobs.AttentionSettings;
import io.ropescale.jobs.Engine;
import io.ropescale.jobs.Sessions;
import io.ropescale.jobs.SweepSpec;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * Engine-level throughput of attention-profile inside one warm Spark session (local[*]): each
 * engine computes the full statistics (margin, decay bound, ood_pairs) of the same workload; the
 * first run of each warms the JIT and Spark's code generation and is not counted. Not a test.
 * Usage: EngineBench SPEC [jvm-runs] [sql-runs]
 */
public final class EngineBench {
  private EngineBench() {}

  public static void main(String[] args) {
    SweepSpec spec = SweepSpec.load(Path.of(args[0]));
    int jvmRuns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int sqlRuns = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    SparkSession spark = Sessions.get("local", "engine-bench");
    List<SweepSpec.Configuration> configs = spec.configurations();
    AttentionSettings base = AttentionSettings.from(spec, null, null);
    double pairPositions = 0;
    for (SweepSpec.Configuration c : configs) {
      pairPositions += (base.maxPosition() + 1.0) * (c.config().rotaryDim() / 2);
    }
    // local[*] runs one task per processor; under a cluster master pass the executor cores
    int cores = Integer.getInteger("bench.cores", Runtime.getRuntime().availableProcessors());
    for (String engine : new String[] {"jvm", "sql"}) {
      AttentionSettings s = new AttentionSettings(base.maxPosition(), Engine.Choice.parse("engine", engine));
      int runs = engine.equals("jvm") ? jvmRuns : sqlRuns;
      if (runs == 0) {
        continue;
      }
      double best = Double.POSITIVE_INFINITY;
      for (int r = 0; r <= runs; r++) {
        long t0 = System.nanoTime();
        long rows = AttentionProfileJob.compute(spark, configs, s).profile().count();
        double sec = (System.nanoTime() - t0) / 1e9;
        // compute() persists its partials; an identical plan would hit that cache next time
        spark.catalog().clearCache();
        if (r > 0) {
          best = Math.min(best, sec);
        }
        System.err.printf("%s run %d: %.2f s (%d profile rows)%n", engine, r, sec, rows);
      }
      System.out.printf("engine %s: %.3e position-pairs/s/core (best of %d warm runs, %d cores, %.3e position-pairs)%n",
          engine, pairPositions / best / cores, runs, cores, pairPositions);
    }
    spark.stop();
  }
}
