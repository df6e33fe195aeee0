package io.ropescale.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.rope.ScalingLaws;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SQL functions: docs/theory.md values, agreement with the core on a grid, folding, no UDF. */
class RopeSqlExtensionsTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").appName("rope-sql-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.extensions", RopeSqlExtensions.class.getName())
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static Row one(String sql) {
    return spark.sql(sql).first();
  }

  @Test
  void designReferenceValuesInSql() {
    Row r = one("SELECT rope_critical_dim(128, 4096, 10000), rope_critical_base(4096, 16384, 10000),"
        + " rope_extrapolation_bound(128, 4096, 10000, 4096, 1e6), rope_extrapolation_bound(128, 4096, 10000, 4096, 4e5),"
        + " rope_critical_dim_tuned(128, 4096, 10000, 4096, 2608), rope_critical_dim_tuned(128, 4096, 10000, 16384, 500),"
        + " rope_required_base(4096, 10000, 100000), rope_required_base_exact(128, 4096, 10000, 100000),"
        + " rope_extrapolation_bound(128, 4096, 10000, 16384, 500),"
        + " rope_critical_dim_tuned(128, 4096, 10000, 16384, 1e6), rope_critical_dim_tuned_formula(128, 16384, 1e6)");
    assertEquals(92, r.getInt(0));
    assertEquals(71738.44, r.getDouble(1), 0.01);
    assertEquals(129026.8, r.getDouble(2), 0.1);
    assertEquals(66782.2, r.getDouble(3), 0.1);
    assertEquals(106, r.getInt(4));
    assertEquals(128, r.getInt(5));
    assertEquals(938327.2, r.getDouble(6), 0.1);
    assertEquals(701472.4, r.getDouble(7), 0.1);
    assertEquals(16384.0, r.getDouble(8), 0);
    assertEquals(92, r.getInt(9)); // larger-base: d_extra stays in force (Theorem 2)
    assertEquals(74, r.getInt(10)); // the formula alone
  }

  @Test
  void thetaAndPeriod() {
    Row r = one("SELECT rope_theta(10000, 8, 2), rope_period(10000, 8, 2), rope_theta(10000, 8, 4)");
    assertEquals(0.01, r.getDouble(0), 1e-15);
    assertEquals(2 * Math.PI * 100, r.getDouble(1), 1e-9);
    assertTrue(r.isNullAt(2), "pair index out of range gives NULL");
  }

  @Test
  void outOfDomainGivesNull() {
    Row r = one("SELECT rope_critical_dim(127, 4096, 10000), rope_critical_base(4096, 16384, 1),"
        + " rope_extrapolation_bound(128, 0, 10000, 4096, 1e6)");
    assertTrue(r.isNullAt(0));
    assertTrue(r.isNullAt(1));
    assertTrue(r.isNullAt(2));
  }

  @Test
  void agreesWithTheCoreOnAGrid() {
    Dataset<Row> grid = spark.sql(
        "SELECT d, t, tt, b, rope_critical_dim(d, t, 10000) AS cd, rope_critical_dim_tuned(d, t, 10000, tt, b) AS cdt,"
            + " rope_critical_base(t, tt, 10000) AS cb, rope_extrapolation_bound(d, t, 10000, tt, b) AS eb,"
            + " rope_critical_dim_tuned_formula(d, tt, b) AS cdtf"
            + " FROM (SELECT explode(array(2, 16, 64, 96, 128, 256)) AS d)"
            + " CROSS JOIN (SELECT explode(array(512, 2048, 4096, 8192)) AS t)"
            + " CROSS JOIN (SELECT explode(array(1, 2, 4, 32)) AS k)"
            + " CROSS JOIN (SELECT explode(array(2.0, 500.0, 10000.0, 71738.0, 1e6, 1e9)) AS b)"
            + " LATERAL VIEW explode(array(t * k)) x AS tt");
    int n = 0;
    for (Row r : grid.collectAsList()) {
      int d = r.getInt(0);
      long t = r.getInt(1);
      long tt = r.getInt(2);
      double b = r.getDouble(3);
      assertEquals(ScalingLaws.criticalDim(d, t, 10000), r.getInt(4));
      assertEquals(ScalingLaws.criticalDimTuned(d, t, 10000, tt, b), r.getInt(5));
      assertEquals(ScalingLaws.criticalDimTunedFormula(d, tt, b), r.getInt(8));
      assertEquals(ScalingLaws.criticalBase(t, tt, 10000), r.getDouble(6), 1e-12 * r.getDouble(6));
      double eb = ScalingLaws.extrapolationBound(d, t, 10000, tt, b);
      assertEquals(eb, r.getDouble(7), 1e-12 * eb);
      n++;
    }
    assertEquals(6 * 4 * 4 * 6, n);
  }

  @Test
  void constantArgumentsFoldAndNoUdfAppears() {
    Dataset<Row> df = spark.sql("SELECT rope_extrapolation_bound(128, 4096, 10000, 4096, 1e6) AS eb");
    String optimized = df.queryExecution().optimizedPlan().toString();
    assertFalse(optimized.contains("UDF"), optimized);
    // fully folded to a literal: no power/log left to evaluate
    assertFalse(optimized.toLowerCase().contains("power"), optimized);
    Dataset<Row> col = spark.sql("SELECT rope_critical_dim(d, 4096, 10000) FROM (SELECT explode(array(64, 128)) AS d)");
    String plan = col.queryExecution().optimizedPlan().toString();
    assertFalse(plan.contains("UDF"), plan);
    assertTrue(plan.toUpperCase().contains("CEIL"), plan);
  }

  @Test
  void describeFunctionDocumentsUsage() {
    String usage = spark.sql("DESCRIBE FUNCTION rope_critical_dim").collectAsList().toString();
    assertTrue(usage.contains("Lemma 1"), usage);
    assertNull(null);
  }
}
