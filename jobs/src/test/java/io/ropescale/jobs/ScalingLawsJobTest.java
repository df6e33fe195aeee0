package io.ropescale.jobs;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** scaling-laws on local Spark, read back from Delta. */
class ScalingLawsJobTest extends SparkTestBase {
  static final Path PAPER = home.resolve("conf/sweeps/paper-llama2.yaml");

  static Dataset<Row> bounds(Path wh) {
    return spark.read().format("delta").load(wh.resolve("rope_bounds").toString());
  }

  @Test
  void paperSweepMatchesTheCoreAndDesignValues() {
    Path wh = tempWarehouse();
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "t1"));
    List<Row> rows = bounds(wh).where(col("run_id").equalTo("t1")).collectAsList();
    assertEquals(22, rows.size());

    SweepSpec spec = SweepSpec.load(PAPER);
    Map<String, SweepSpec.Configuration> byId = spec.configurations().stream()
        .collect(Collectors.toMap(SweepSpec.Configuration::configId, c -> c));
    for (Row r : rows) {
      BoundsReport expected = ScalingLaws.bounds(byId.get(r.<String>getAs("config_id")).config());
      String id = r.getAs("config_id");
      assertEquals(expected.criticalDim(), (int) r.<Integer>getAs("critical_dim"), id);
      assertEquals(expected.criticalDimTuned(), (int) r.<Integer>getAs("critical_dim_tuned"), id);
      assertEquals(expected.criticalDimTunedFormula(), (int) r.<Integer>getAs("critical_dim_tuned_formula"), id);
      assertEquals(expected.criticalBase(), r.<Double>getAs("critical_base"), 1e-9 * expected.criticalBase(), id);
      assertEquals(expected.regime(), r.getAs("regime"), id);
      assertEquals(expected.extrapolationBound(), r.<Double>getAs("extrapolation_bound"),
          1e-9 * expected.extrapolationBound(), id);
      assertEquals(expected.unbounded(), r.<Boolean>getAs("unbounded"), id);
      assertEquals(expected.betaFull(), r.<Double>getAs("beta_full"), 1e-9, id);
      if (expected.angleCoverageBound() == null) {
        assertNull(r.getAs("angle_coverage_bound"), id);
      } else {
        assertEquals(expected.angleCoverageBound(), r.<Double>getAs("angle_coverage_bound"),
            1e-9 * expected.angleCoverageBound(), id);
      }
    }
    // docs/theory.md s.2 reference values, straight from the table
    Row b1e6 = bounds(wh).where("run_id = 't1' and base = 1000000 and tune_len = 4096").first();
    assertEquals(129026.8, b1e6.<Double>getAs("extrapolation_bound"), 0.1);
    assertEquals(92, (int) b1e6.<Integer>getAs("critical_dim"));
    Row b4e5 = bounds(wh).where("run_id = 't1' and base = 400000 and tune_len = 4096").first();
    assertEquals(66782.2, b4e5.<Double>getAs("extrapolation_bound"), 0.1);
    Row tuned = bounds(wh).where("run_id = 't1' and base = 10000 and tune_len = 16384").first();
    assertEquals(71738.44, tuned.<Double>getAs("critical_base"), 0.01);
    assertEquals(106, (int) bounds(wh).where("run_id = 't1' and base = 2608 and tune_len = 4096").first()
        .<Integer>getAs("critical_dim_tuned"));
    // larger-base regime (Theorem 2): d_extra stays in force; the formula alone would say 74
    Row larger = bounds(wh).where("run_id = 't1' and base = 1000000 and tune_len = 16384 and rope_type = 'default'").first();
    assertEquals("larger-base", larger.getAs("regime"));
    assertEquals(92, (int) larger.<Integer>getAs("critical_dim_tuned"));
    assertEquals(74, (int) larger.<Integer>getAs("critical_dim_tuned_formula"));
    Row clamped = bounds(wh).where("run_id = 't1' and base = 500 and tune_len = 16384 and rope_type = 'default'").first();
    assertEquals(128, (int) clamped.<Integer>getAs("critical_dim_tuned"));
  }

  @Test
  void rerunReplacesAndNewRunAppends() {
    Path wh = tempWarehouse();
    String[] args = {"scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "same"};
    assertEquals(0, Main.run(args));
    long v0 = version(wh, "rope_bounds");
    assertEquals(0, Main.run(args));
    assertTrue(version(wh, "rope_bounds") > v0);
    assertEquals(22, bounds(wh).count());
    assertEquals(1, spark.read().format("delta").load(wh.resolve("runs").toString()).count());
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "other"));
    assertEquals(44, bounds(wh).count());
    Row run = spark.read().format("delta").load(wh.resolve("runs").toString()).where("run_id = 'other'").first();
    assertEquals("succeeded", run.getAs("status"));
    assertEquals(22L, (long) run.<scala.collection.Map<String, Long>>getAs("tables").apply("rope_bounds"));
    assertTrue(run.<String>getAs("spec_text").contains("paper-llama2"));
  }

  @Test
  void planHasNoJavaUdf() {
    SweepSpec spec = SweepSpec.load(PAPER);
    Dataset<Row> df = ScalingLawsJob.bounds(spark, spec.configurations());
    String analyzed = df.queryExecution().analyzed().toString();
    String plan = analyzed + df.queryExecution().optimizedPlan() + df.queryExecution().executedPlan();
    assertFalse(plan.contains("UDF"), plan);
    // the closed forms are ordinary Catalyst expressions (POWER, LOG, CEIL), which the optimizer
    // then folds over the local configuration rows
    assertTrue(analyzed.contains("POWER") && analyzed.contains("CEIL"), analyzed);
  }

  @Test
  void badSpecsExitTwoAndTouchNothing() throws Exception {
    Path wh = tempWarehouse();
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "ok"));
    long v = version(wh, "rope_bounds");
    String[] bad = {
        "models: [llama2-7b]\nbases: [0.5]\n",
        "models: [llama2-7b]\ntune_lengths: [1024]\n",
        "models: [no-such-model]\n",
        "models: [{head_dim: 127, train_len: 4096}]\n",
        "models: [{head_dim: 128, train_len: -1}]\n",
        "models: [llama2-7b]\nrope_types: [{type: warp, factor: 2}]\n",
        "models: [llama2-7b\n",
        "models: [llama2-7b]\nbasez: [1]\n",
        "models: [llama2-7b]\nbases: []\n",
        "models: []\n",
    };
    for (String text : bad) {
      Path spec = Files.createTempFile("bad", ".yaml");
      Files.writeString(spec, text);
      assertEquals(2, Main.run("scaling-laws", "--spec", spec.toString(), "--warehouse", wh.toString(), "--run-id", "ok"), text);
    }
    assertEquals(v, version(wh, "rope_bounds"));
    assertEquals(22, bounds(wh).count());
  }

  @Test
  void aTableWithAnotherPartitioningIsRefusedWithAClearMessage() {
    Path wh = tempWarehouse();
    // rope_bounds as an older build wrote it: partitioned by run_id only
    ScalingLawsJob.bounds(spark, SweepSpec.load(PAPER).configurations())
        .withColumn("run_id", org.apache.spark.sql.functions.lit("old"))
        .write().format("delta").partitionBy("run_id").save(wh.resolve("rope_bounds").toString());
    long v = version(wh, "rope_bounds");
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(err, true));
    try {
      assertEquals(1, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "new"));
    } finally {
      System.setErr(old);
    }
    assertTrue(err.toString().contains("is partitioned by [run_id] but this ropescale writes it partitioned by [run_id, model]"),
        err.toString());
    assertEquals(v, version(wh, "rope_bounds"));
    assertFalse(Files.exists(wh.resolve("runs")));
  }

  @Test
  void aTableFromBeforeANewColumnGainsIt() {
    Path wh = tempWarehouse();
    // rope_bounds as a build before critical_dim_tuned_formula wrote it (same partitioning)
    ScalingLawsJob.bounds(spark, SweepSpec.load(PAPER).configurations())
        .withColumn("run_id", org.apache.spark.sql.functions.lit("old")).drop("critical_dim_tuned_formula")
        .write().format("delta").partitionBy("run_id", "model").save(wh.resolve("rope_bounds").toString());
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "new"));
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> t = spark.read().format("delta").load(wh.resolve("rope_bounds").toString());
    assertTrue(java.util.Arrays.asList(t.columns()).contains("critical_dim_tuned_formula"));
    // the old run's rows are kept, with the new column null; the new run's rows carry it
    assertTrue(t.where("run_id = 'old'").count() > 0);
    assertEquals(0, t.where("run_id = 'old' AND critical_dim_tuned_formula IS NOT NULL").count());
    assertEquals(0, t.where("run_id = 'new' AND critical_dim_tuned_formula IS NULL").count());
  }
}
