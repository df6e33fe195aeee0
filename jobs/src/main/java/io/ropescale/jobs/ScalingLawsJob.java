package io.ropescale.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeTypes;
import io.ropescale.spark.RopeFunctions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code ropescale scaling-laws}: one {@code rope_bounds} row per configuration of a sweep. The
 * closed forms are the SQL functions of {@link RopeFunctions} (built-in expressions only); the
 * angle-coverage bound aggregates per-pair frequencies, which the pure core computes per RoPE type.
 */
public final class ScalingLawsJob {
  private static final double TWO_PI = 2 * Math.PI;

  /** A configuration's inputs: the rope_bounds columns known before any law is evaluated. */
  static final TypedRows CONFIG = TableDocs.ROPE_BOUNDS.rowsOf("model", "config_id", "head_dim", "rotary_dim",
      "train_len", "pretrain_base", "tune_len", "base", "rope_type", "rope_factor", "effective_base");

  static final TypedRows PAIR = TypedRows.of(new StructType()
      .add("config_id", DataTypes.StringType, false)
      .add("pair", DataTypes.IntegerType, false)
      .add("theta_pre", DataTypes.DoubleType, false)
      .add("theta", DataTypes.DoubleType, false));

  private ScalingLawsJob() {}

  /** The sweep's configurations as rows (driver-side, from the pure core). */
  public static Dataset<Row> configurations(SparkSession spark, List<Configuration> configs) {
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      RopeConfig rc = c.config();
      double factor = rc.scaling().factor();
      rows.add(CONFIG.row().set("model", c.model()).set("config_id", c.configId()).set("head_dim", rc.headDim())
          .set("rotary_dim", rc.rotaryDim()).set("train_len", rc.trainLen()).set("pretrain_base", rc.pretrainBase())
          .set("tune_len", rc.tuneLen()).set("base", rc.base()).set("rope_type", rc.scaling().type())
          .set("rope_factor", Double.isNaN(factor) ? null : factor)
          .set("effective_base", RopeTypes.effectiveBase(rc)).build());
    }
    return CONFIG.frame(spark, rows);
  }

  /** Per-pair pre-training and tuned frequencies, one row per (configuration, pair). */
  public static Dataset<Row> pairs(SparkSession spark, List<Configuration> configs) {
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      double[] pre = RopeTypes.pretrainTheta(c.config());
      double[] theta = RopeTypes.theta(c.config());
      for (int n = 0; n < theta.length; n++) {
        rows.add(PAIR.row().set("config_id", c.configId()).set("pair", n).set("theta_pre", pre[n])
            .set("theta", theta[n]).build());
      }
    }
    return PAIR.frame(spark, rows);
  }

  /** The rope_bounds rows (without run_id), as one optimisable plan. */
  public static Dataset<Row> bounds(SparkSession spark, List<Configuration> configs) {
    Dataset<Row> cfg = configurations(spark, configs);
    Column d = col("rotary_dim");
    Column trainLen = col("train_len");
    Column tuneLen = col("tune_len");
    Column bPre = col("pretrain_base");
    Column b = col("effective_base");

    // Angle coverage (docs/theory.md s.4): A_n = max(T_train theta_pre_n, T_tune theta_n); bound =
    // min A_n/theta_n over pairs with A_n < 2pi.
    Dataset<Row> pairs = pairs(spark, configs).join(cfg.select("config_id", "train_len", "tune_len"), "config_id");
    Column coverage = greatest(col("train_len").multiply(col("theta_pre")), col("tune_len").multiply(col("theta")));
    Dataset<Row> coverageBound = pairs
        .withColumn("coverage", coverage)
        .groupBy("config_id")
        .agg(min(when(col("coverage").lt(TWO_PI), col("coverage").divide(col("theta")))).as("angle_coverage_bound"));

    Column b0 = RopeFunctions.criticalBase(trainLen, tuneLen, bPre);
    return cfg
        .withColumn("critical_dim", RopeFunctions.criticalDim(d, trainLen, bPre))
        .withColumn("critical_base", b0)
        .withColumn("regime", RopeFunctions.regime(b, col("critical_base")))
        .withColumn("extrapolation_bound", RopeFunctions.extrapolationBound(d, trainLen, bPre, tuneLen, b))
        .withColumn("critical_dim_tuned", RopeFunctions.criticalDimTuned(d, trainLen, bPre, tuneLen, b))
        .withColumn("critical_dim_tuned_formula", RopeFunctions.criticalDimTunedFormula(d, tuneLen, b))
        .withColumn("beta_quarter", RopeFunctions.betaQuarter(tuneLen))
        .withColumn("beta_half", RopeFunctions.betaHalf(tuneLen))
        .withColumn("beta_full", RopeFunctions.betaFull(tuneLen))
        .withColumn("unbounded", b.leq(col("beta_full")))
        .join(coverageBound, "config_id")
        .withColumn("computed_at", current_timestamp());
  }

  /** Builds the job's table writes for one run. */
  public static DeltaTables.Write write(SparkSession spark, SweepSpec spec, String runId) {
    List<Configuration> configs = spec.configurations();
    Progress.info("scaling-laws: " + configs.size() + " configurations (" + spec.models.size() + " models)");
    return new DeltaTables.Write(TableDocs.ROPE_BOUNDS, TableDocs.ROPE_BOUNDS.stamp(bounds(spark, configs), runId));
  }
}
