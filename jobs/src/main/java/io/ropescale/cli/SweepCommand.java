package io.ropescale.cli;

import static org.apache.spark.sql.functions.col;

import io.ropescale.jobs.AttentionProfileJob;
import io.ropescale.jobs.AttentionSettings;
import io.ropescale.jobs.BaseSearchJob;
import io.ropescale.jobs.FitJob;
import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.ScalingLawsJob;
import io.ropescale.jobs.StagePlan;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.TableDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code ropescale sweep [SPEC]}: the main job. Runs the spec's {@link StagePlan} as one run (all
 * tables committed together, then the report) and prints a compact summary read back from Delta.
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
    StagePlan plan = StagePlan.of(s); // binds and validates every stage before any Spark work
    // a stage reads what the earlier stages of this run computed: nothing is written before the commit
    Map<TableDocs.TableDef, Dataset<Row>> computed = new HashMap<>();
    List<JobRunner.Stage> stages = new ArrayList<>();
    for (StagePlan.Stage stage : plan.stages()) {
      if (stage.job() == null) {
        continue; // the report: after the commit, below
      }
      stages.add((session, runId) -> {
        List<DeltaTables.Write> writes = stage.job().writes(session, runId, computed);
        writes.forEach(w -> computed.put(w.def(), w.rows()));
        return writes;
      });
    }
    JobRunner.Result r = JobRunner.run("sweep", spark, s, p.toString(), stages);
    printSummary(r, s);
    return plan.names().contains(StagePlan.REPORT) ? ReportCommand.afterRun(r, spark) : 0;
  }

  /** Rows per list of the summary: a sweep of thousands of configurations prints an even spread of them. */
  static final int SUMMARY_ROWS = 40;

  private static void printThinned(int shown, int total, String table) {
    if (shown < total) {
      System.out.printf(Locale.ROOT, "(%d of %d configurations, spread evenly over the list; every one is in %s)%n",
          shown, total, table);
    }
  }

  private void printSummary(JobRunner.Result r, SweepSpec s) {
    org.apache.spark.sql.SparkSession session = r.spark();
    Dataset<Row> bounds = DeltaTables.read(session, spark.warehouse, TableDocs.ROPE_BOUNDS.name())
        .where(col("run_id").equalTo(r.runId()));
    boolean attention = r.written().containsKey(TableDocs.ATTENTION_BOUNDS.name());
    if (attention) {
      bounds = bounds.join(DeltaTables.read(session, spark.warehouse, TableDocs.ATTENTION_BOUNDS.name())
          .where(col("run_id").equalTo(r.runId()))
          .select("config_id", "first_negative_margin", "first_ood_position", "max_position"), "config_id");
    } else {
      bounds = bounds.withColumn("first_negative_margin", org.apache.spark.sql.functions.lit(null).cast("long"))
          .withColumn("first_ood_position", org.apache.spark.sql.functions.lit(null).cast("long"))
          .withColumn("max_position", org.apache.spark.sql.functions.lit(null).cast("long"));
    }
    List<Row> rows = bounds.orderBy("model", "rope_type", "tune_len", "base")
        .select("model", "rope_type", "tune_len", "base", "regime", "critical_dim", "critical_dim_tuned",
            "extrapolation_bound", "angle_coverage_bound", "unbounded", "first_negative_margin", "first_ood_position",
            "max_position")
        .collectAsList();
    int configs = rows.size();
    rows = io.ropescale.report.ReportData.spread(rows, SUMMARY_ROWS);
    System.out.printf(Locale.ROOT, "%nsweep %s, run %s -> %s%n", s.name, r.runId(), spark.warehouse);
    System.out.printf(Locale.ROOT, "tables written: %s%n", r.written());
    System.out.printf(Locale.ROOT, "%nScaling laws (Liu et al. 2024)%s%n",
        attention ? " with attention bounds (Men et al. 2024) measured up to m = " + rows.get(0).getLong(12) : "");
    System.out.printf(Locale.ROOT, "%-12s %-8s %7s %9s %-12s %5s %7s %10s %10s %10s %10s%n",
        "model", "rope", "T_tune", "base", "regime", "d_ext", "d_force", "T_extra", "coverage", "B(m)<0 at", "first OOD");
    for (Row x : rows) {
      Object cov = x.get(8);
      System.out.printf(Locale.ROOT, "%-12s %-8s %7d %9s %-12s %5d %7d %10s %10s %10s %10s%n",
          x.getString(0), x.getString(1), x.getLong(2), Json.human(x.getDouble(3)), x.getString(4), x.getInt(5),
          x.getInt(6), x.getBoolean(9) ? "unbounded" : Json.human(Math.rint(x.getDouble(7))),
          cov == null ? "unbounded" : Json.human(Math.rint((Double) cov)),
          x.isNullAt(10) ? (attention ? "none" : "-") : x.get(10), x.isNullAt(11) ? (attention ? "none" : "-") : x.get(11));
    }
    printThinned(rows.size(), configs, "rope_bounds");
    if (r.written().containsKey(TableDocs.BASE_LOWER_BOUNDS.name())) {
      System.out.printf(Locale.ROOT, "%nBase lower bound (Men et al. 2024; grid 10^(k/G), upward scan)%n");
      System.out.printf(Locale.ROOT, "%-4s %9s %13s %13s%n", "d", "context", "lower bound", "safe bound");
      for (Row x : DeltaTables.read(session, spark.warehouse, TableDocs.BASE_LOWER_BOUNDS.name()).where(col("run_id").equalTo(r.runId()))
          .orderBy("rotary_dim", "context").collectAsList()) {
        System.out.printf(Locale.ROOT, "%-4d %9d %13s %13s%n", x.<Integer>getAs("rotary_dim"), x.<Long>getAs("context"),
            x.isNullAt(x.fieldIndex("lower_bound_base")) ? "none" : String.format(Locale.ROOT, "%.4g", x.<Double>getAs("lower_bound_base")),
            x.isNullAt(x.fieldIndex("safe_base")) ? "none" : String.format(Locale.ROOT, "%.4g", x.<Double>getAs("safe_base")));
      }
    }
    if (r.written().containsKey(TableDocs.CORPUS_COVERAGE.name())) {
      List<Row> cov = DeltaTables.read(session, spark.warehouse, TableDocs.CORPUS_COVERAGE.name()).where(col("run_id").equalTo(r.runId()))
          .orderBy("corpus", "config_id").collectAsList();
      int covRows = cov.size();
      cov = io.ropescale.report.ReportData.spread(cov, SUMMARY_ROWS);
      if (!cov.isEmpty()) {
        System.out.printf(Locale.ROOT, "%nCorpus coverage (%s: %d documents, %d tokens): share of tokens / repeats%n",
            cov.get(0).<String>getAs("corpus"), cov.get(0).<Long>getAs("documents"), cov.get(0).<Long>getAs("tokens"));
        System.out.printf(Locale.ROOT, "%-34s %12s %12s %12s %14s%n", "configuration", "<= T_tune", "<= T_extra",
            "no OOD pair", "repeats disc.");
        for (Row x : cov) {
          System.out.printf(Locale.ROOT, "%-34s %11.1f%% %11.1f%% %11.1f%% %13.1f%%%n", x.<String>getAs("config_id"),
              100 * x.<Double>getAs("share_tokens_within_tune_len"),
              100 * x.<Double>getAs("share_tokens_within_extrapolation_bound"),
              100 * x.<Double>getAs("share_tokens_without_ood_pairs"),
              100 * x.<Double>getAs("share_repeats_discriminated"));
        }
        printThinned(cov.size(), covRows, "corpus_coverage");
      }
    }
    List<Row> fits = DeltaTables.read(session, spark.warehouse, TableDocs.SCALING_FITS.name()).where(col("run_id").equalTo(r.runId()))
        .orderBy("fit", "group_key").collectAsList();
    if (!fits.isEmpty()) {
      System.out.printf(Locale.ROOT, "%nFits (MLlib least squares, log10-log10)%n");
      for (Row x : fits) {
        System.out.printf(Locale.ROOT, "%-28s %-22s slope %.4f intercept %.4f R2 %.5f (n=%d)%s%n",
            x.<String>getAs("fit"), x.<String>getAs("group_key"), x.<Double>getAs("slope"), x.<Double>getAs("intercept"),
            x.<Double>getAs("r2"), x.<Long>getAs("rows"),
            x.isNullAt(x.fieldIndex("reference_slope")) ? ""
                : String.format(Locale.ROOT, "; reference slope %.4f intercept %.4f", x.<Double>getAs("reference_slope"),
                    x.<Double>getAs("reference_intercept")));
      }
    }
  }
}
