package io.ropescale.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.log10;

import io.ropescale.rope.RopeInputException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ropescale fit}: Spark MLlib least squares of the scaling laws on a run's tables, set
 * beside the published or closed-form law: log10 base lower bound vs log10 context (Men et al.:
 * base = 0.0424 L^1.628) and log10 T_extra vs log10 b in the larger-base regime (Liu et al.
 * Theorem 2: T_extra = 2pi b^(d_extra/d), so slope d_extra/d and intercept log10 2pi exactly).
 */
public final class FitJob {
  static final double MEN_SLOPE = 1.628;
  static final double MEN_COEFFICIENT = 0.0424;

  private static final TypedRows ROWS = TableDocs.SCALING_FITS.rows();

  private FitJob() {}

  record Line(double slope, double intercept, double r2, long rows) {}

  /** Ordinary least squares y ~ x with MLlib; null when fewer than two distinct x. */
  static Line fit(Dataset<Row> xy) {
    long n = xy.count();
    if (n < 2 || xy.select("x").distinct().count() < 2) {
      return null;
    }
    Dataset<Row> features = new VectorAssembler().setInputCols(new String[] {"x"}).setOutputCol("features")
        .transform(xy);
    LinearRegressionModel m = new LinearRegression().setLabelCol("y").setFeaturesCol("features")
        .setRegParam(0).setElasticNetParam(0).setSolver("normal").fit(features);
    double r2 = m.summary().r2();
    return new Line(m.coefficients().apply(0), m.intercept(), Double.isNaN(r2) ? 1.0 : r2, n);
  }

  /** All fits for one run's rope_bounds and base_lower_bounds rows (either may be null). */
  public static Dataset<Row> compute(SparkSession spark, Dataset<Row> ropeBounds, Dataset<Row> baseBounds) {
    return compute(spark, ropeBounds, baseBounds, null);
  }

  /**
   * Calibration on a real model (model_measured_bounds, may be null): log10 measured bound vs log10
   * predicted bound over the variants that broke within the evaluated length, per model and
   * prediction (Liu et al.'s T_extra; the angle-coverage bound). A perfect law gives slope 1,
   * intercept 0. The ratio's spread and the variants that did not break are logged beside it.
   * A variant whose excess stays above the threshold from position 0 on is worse everywhere, not
   * past a length: it has no bound to compare (and no logarithm) and is logged apart.
   */
  static void calibration(Dataset<Row> measured, List<Row> rows) {
    Dataset<Row> m = measured.cache();
    for (Row g : m.select("model").distinct().orderBy("model").collectAsList()) {
      String model = g.getString(0);
      Dataset<Row> mine = m.where(col("model").equalTo(model));
      List<String> unbroken = mine.where(col("broke").equalTo(false)).orderBy("variant").select("variant")
          .collectAsList().stream().map(r -> r.getString(0)).toList();
      List<String> fromStart = mine.where(col("broke").and(col("measured_bound").leq(0))).orderBy("variant")
          .select("variant").collectAsList().stream().map(r -> r.getString(0)).toList();
      if (!fromStart.isEmpty()) {
        Progress.info("fit " + model + ": above the excess threshold from position 0 on (no length bound to"
            + " regress): " + fromStart);
      }
      for (String[] p : new String[][] {{"extrapolation_bound", "measured_vs_extrapolation_bound"},
          {"angle_coverage_bound", "measured_vs_coverage_bound"}}) {
        Dataset<Row> broke = mine.where(col("broke").and(col("measured_bound").gt(0)).and(col(p[0]).isNotNull()));
        Line l = fit(broke.select(log10(col(p[0])).as("x"), log10(col("measured_bound")).as("y")));
        List<Row> ratio = broke.selectExpr("min(measured_bound / " + p[0] + ")", "max(measured_bound / " + p[0] + ")",
            "count(1)").collectAsList();
        Progress.info(String.format(java.util.Locale.ROOT, "fit %s %s: %s; ratio measured/predicted %s over %d broken"
                + " variants; did not break within the evaluated length: %s", p[1], model,
            l == null ? "too few distinct bounds to regress" : String.format(java.util.Locale.ROOT,
                "slope %.4f intercept %.4f R2 %.4f", l.slope(), l.intercept(), l.r2()),
            ratio.get(0).isNullAt(0) ? "-" : String.format(java.util.Locale.ROOT, "%.3f..%.3f", ratio.get(0).getDouble(0),
                ratio.get(0).getDouble(1)), ratio.get(0).getLong(2), unbroken.isEmpty() ? "none" : unbroken));
        if (l != null) {
          rows.add(row(l, p[1], model, 1.0, 0.0));
        }
      }
    }
  }

  public static Dataset<Row> compute(SparkSession spark, Dataset<Row> ropeBounds, Dataset<Row> baseBounds,
      Dataset<Row> measuredBounds) {
    List<Row> rows = new ArrayList<>();
    if (measuredBounds != null) {
      calibration(measuredBounds, rows);
    }
    if (baseBounds != null) {
      Dataset<Row> ok = baseBounds.where(col("lower_bound_base").isNotNull()).cache();
      for (Row d : ok.select("rotary_dim").distinct().orderBy("rotary_dim").collectAsList()) {
        int dim = d.getInt(0);
        Line l = fit(ok.where(col("rotary_dim").equalTo(dim))
            .select(log10(col("context")).as("x"), log10(col("lower_bound_base")).as("y")));
        if (l != null) {
          rows.add(row(l, "base_lower_bound_vs_context", "rotary_dim=" + dim, dim == 128 ? MEN_SLOPE : null,
              dim == 128 ? Math.log10(MEN_COEFFICIENT) : null));
        }
      }
    }
    if (ropeBounds != null) {
      Dataset<Row> larger = ropeBounds.where(col("regime").equalTo("larger-base")
          .and(col("rope_type").equalTo("default"))).cache();
      for (Row g : larger.select("model", "tune_len", "critical_dim", "rotary_dim").distinct()
          .orderBy("model", "tune_len").collectAsList()) {
        Line l = fit(larger.where(col("model").equalTo(g.getString(0)).and(col("tune_len").equalTo(g.getLong(1))))
            .select(log10(col("effective_base")).as("x"), log10(col("extrapolation_bound")).as("y")));
        if (l != null) {
          rows.add(row(l, "extrapolation_bound_vs_base", g.getString(0) + "/T" + g.getLong(1),
              (double) g.getInt(2) / g.getInt(3), Math.log10(2 * Math.PI)));
        }
      }
    }
    Progress.info("fit: " + rows.size() + " regressions");
    return ROWS.frame(spark, rows).withColumn("computed_at", current_timestamp());
  }

  private static Row row(Line l, String fit, String groupKey, Double referenceSlope, Double referenceIntercept) {
    return ROWS.row().set("fit", fit).set("group_key", groupKey).set("slope", l.slope()).set("intercept", l.intercept())
        .set("r2", l.r2()).set("rows", l.rows()).set("reference_slope", referenceSlope)
        .set("reference_intercept", referenceIntercept).build();
  }

  /** Reads a run's inputs from the warehouse (standalone {@code fit}, e.g. an Airflow task). */
  public static Dataset<Row> computeFromWarehouse(SparkSession spark, String warehouse, String runId) {
    Dataset<Row> rb = rowsOf(spark, warehouse, TableDocs.ROPE_BOUNDS, runId);
    Dataset<Row> bb = rowsOf(spark, warehouse, TableDocs.BASE_LOWER_BOUNDS, runId);
    Dataset<Row> mb = rowsOf(spark, warehouse, TableDocs.MODEL_MEASURED_BOUNDS, runId);
    if (rb == null && bb == null && mb == null) {
      throw new RopeInputException("run-id", runId,
          "has no rows in " + TableDocs.ROPE_BOUNDS + ", " + TableDocs.BASE_LOWER_BOUNDS + " or "
              + TableDocs.MODEL_MEASURED_BOUNDS + " under " + warehouse + " (run scaling-laws, base-search or model-attention first)");
    }
    return compute(spark, rb, bb, mb);
  }

  private static Dataset<Row> rowsOf(SparkSession spark, String warehouse, TableDocs.TableDef table, String runId) {
    String path = DeltaTables.path(warehouse, table.name());
    if (!io.delta.tables.DeltaTable.isDeltaTable(spark, path)) {
      return null;
    }
    Dataset<Row> rows = spark.read().format("delta").load(path).where(col("run_id").equalTo(runId));
    return rows.isEmpty() ? null : rows;
  }

  public static DeltaTables.Write write(Dataset<Row> rows, String runId) {
    return new DeltaTables.Write(TableDocs.SCALING_FITS, TableDocs.SCALING_FITS.stamp(rows, runId));
  }
}
