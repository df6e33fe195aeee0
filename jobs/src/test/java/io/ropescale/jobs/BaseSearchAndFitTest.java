package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.attention.BaseSearch;
import io.ropescale.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** base-search on Spark vs the local scan; fit slopes vs closed forms; bad input. */
class BaseSearchAndFitTest extends SparkTestBase {

  @Test
  void distributedScanEqualsLocalScan() {
    long[] contexts = {64, 128, 256, 512, 1024};
    BaseSearchJob.Settings s = new BaseSearchJob.Settings(List.of(16, 32), contexts, 100, 1e6);
    List<Row> rows = BaseSearchJob.compute(spark, s).orderBy("rotary_dim", "context").collectAsList();
    assertEquals(10, rows.size());
    int i = 0;
    for (int d : new int[] {16, 32}) {
      BaseSearch.Bound[] local = BaseSearch.search(d, contexts, 100, 1e6, null);
      for (BaseSearch.Bound b : local) {
        Row r = rows.get(i++);
        assertEquals(b.context(), (long) r.<Long>getAs("context"));
        assertEquals(b.k() < 0 ? null : b.k(), r.<Long>getAs("k"));
        assertEquals(b.kSafe() < 0 ? null : b.kSafe(), r.<Long>getAs("k_safe"));
        if (b.k() >= 0) {
          assertEquals(Math.pow(10, b.k() / 100.0), r.<Double>getAs("lower_bound_base"), 1e-9 * b.base());
        }
      }
    }
  }

  static String runJson(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void commandPrintsTheJsonContractAndMatchesMenEtAlAt1k() throws Exception {
    Path wh = tempWarehouse();
    String[] args = {"base-search", "--head-dim", "128", "--context", "1024,2048", "--grid-per-decade", "1000",
        "--max-base", "1e6", "--json", "--warehouse", wh.toString(), "--run-id", "bs"};
    JsonNode arr = new ObjectMapper().readTree(runJson(args));
    assertEquals(2, arr.size());
    JsonNode k1 = arr.get(0);
    for (String f : List.of("context", "rotary_dim", "grid_per_decade", "k", "lower_bound_base", "k_safe", "safe_base",
        "max_base")) {
      assertTrue(k1.has(f), f);
    }
    assertEquals(1024, k1.get("context").asLong());
    assertEquals(Math.pow(10, k1.get("k").asLong() / 1000.0), k1.get("lower_bound_base").asDouble(), 1e-6);
    // Men et al. report 4.3e3 for 1K at d = 128
    assertEquals(4.3e3, k1.get("lower_bound_base").asDouble(), 0.05e3);
    assertTrue(k1.get("k_safe").asLong() > k1.get("k").asLong(), "for d=128 the bounds already differ at 1K");
    runJson(args);
    assertEquals(2, spark.read().format("delta").load(wh.resolve("base_lower_bounds").toString()).count());
  }

  @Test
  void specDrivenSearchAndFitTakeTheStageFlags() throws Exception {
    // the Airflow stages call every command as <command> --spec F --warehouse W --run-id R
    Path wh = tempWarehouse();
    Path spec = java.nio.file.Files.createTempFile("bs", ".yaml");
    java.nio.file.Files.writeString(spec, "name: stage-flags\nmodels: [llama2-7b, pythia-6.9b]\n"
        + "base_search: {contexts: [256, 1024], grid_per_decade: 100, max_base: 1e7}\n");
    String[] common = {"--spec", spec.toString(), "--warehouse", wh.toString(), "--run-id", "st"};
    assertEquals(0, Main.run(concat("base-search", common)));
    List<Row> rows = spark.read().format("delta").load(wh.resolve("base_lower_bounds").toString())
        .orderBy("rotary_dim", "context").collectAsList();
    assertEquals(4, rows.size(), "two contexts for each rotary dim of the spec's models (32 and 128)");
    assertEquals(32, (int) rows.get(0).<Integer>getAs("rotary_dim"));
    assertEquals(0, Main.run(concat("fit", common)));
    Row fitRun = spark.read().format("delta").load(wh.resolve("runs").toString()).where("command = 'fit'").first();
    assertEquals("stage-flags", fitRun.getAs("spec_name"));
    assertEquals(2, spark.read().format("delta").load(wh.resolve("runs").toString()).count(), "one row per command");
    java.nio.file.Files.writeString(spec, "models: [llama2-7b]\n");
    assertEquals(2, Main.run(concat("base-search", common)), "a spec without base_search: is bad input");
  }

  static String[] concat(String command, String[] rest) {
    String[] out = new String[rest.length + 1];
    out[0] = command;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  @Test
  void badSearchInputExitsTwoAndWritesNothing() {
    Path wh = tempWarehouse();
    String w = wh.toString();
    String[][] bad = {
        {"base-search", "--head-dim", "128", "--context", "1024", "--grid-per-decade", "20000", "--warehouse", w},
        {"base-search", "--head-dim", "128", "--context", "0", "--warehouse", w},
        {"base-search", "--head-dim", "128", "--context", "999999999999", "--warehouse", w},
        {"base-search", "--head-dim", "127", "--context", "1024", "--warehouse", w},
        {"base-search", "--head-dim", "128", "--context", "1024", "--max-base", "0.5", "--warehouse", w},
        {"fit", "--warehouse", w, "--run-id", "nothing-here"},
        {"fit", "--warehouse", w},
        {"base-search", "--context", "1024", "--warehouse", w},
        {"base-search", "--head-dim", "128", "--warehouse", w},
    };
    for (String[] a : bad) {
      assertEquals(2, Main.run(a), String.join(" ", a));
    }
    assertEquals(-1, version(wh, "base_lower_bounds"));
    assertEquals(-1, version(wh, "runs"));
  }

  @Test
  void fitRecoversTheClosedFormSlope() {
    SweepSpec spec = SweepSpec.parse("models: [llama2-7b]\nbases: {from: 1e5, to: 1e9, per_decade: 4}\n"
        + "tune_lengths: [4096, 16384]\n", "fit", home);
    Dataset<Row> bounds = ScalingLawsJob.bounds(spark, spec.configurations());
    BaseSearchJob.Settings s = new BaseSearchJob.Settings(List.of(128), new long[] {1024, 4096, 16384}, 200, 1e8);
    List<Row> fits = FitJob.compute(spark, bounds, BaseSearchJob.compute(spark, s)).collectAsList();
    int extrapolationFits = 0;
    for (Row f : fits) {
      if (f.<String>getAs("fit").equals("extrapolation_bound_vs_base")) {
        extrapolationFits++;
        assertEquals(92.0 / 128, f.<Double>getAs("slope"), 1e-9);
        assertEquals(Math.log10(2 * Math.PI), f.<Double>getAs("intercept"), 1e-8);
        assertEquals(1.0, f.<Double>getAs("r2"), 1e-12);
      } else {
        assertEquals("rotary_dim=128", f.getAs("group_key"));
        assertEquals(3L, (long) f.<Long>getAs("rows"));
        double slope = f.<Double>getAs("slope");
        assertTrue(slope > 1.2 && slope < 2.0, "near Men et al.'s 1.628: " + slope);
      }
    }
    assertEquals(2, extrapolationFits);
  }
  /**
   * Calibration over measured bounds: only the variants that broke at a positive position are
   * regressed (log10 measured vs log10 predicted); one broken from position 0 on (worse
   * everywhere, no length bound) and one that did not break are left out, not a NaN label.
   */
  @Test
  void calibrationRegressesOnlyLengthBounds() {
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("model", "string").add("variant", "string").add("broke", "boolean").add("measured_bound", "long")
        .add("extrapolation_bound", "double").add("angle_coverage_bound", "double");
    Dataset<Row> measured = spark.createDataFrame(List.of(
        org.apache.spark.sql.RowFactory.create("m", "native", true, 9000L, 8192.0, 8192.0),
        org.apache.spark.sql.RowFactory.create("m", "b400000", true, 20000L, 19928.0, 19484.0),
        org.apache.spark.sql.RowFactory.create("m", "b25000", true, 0L, 8192.0, 8192.0),
        org.apache.spark.sql.RowFactory.create("m", "b1600000", false, null, 47397.0, 46341.0)), schema);
    List<Row> fits = FitJob.compute(spark, null, null, measured).orderBy("fit").collectAsList();
    assertEquals(2, fits.size());
    double[][] xy = {{8192.0, 19484.0, 9000, 20000}, {8192.0, 19928.0, 9000, 20000}}; // coverage, T_extra
    for (int i = 0; i < 2; i++) {
      Row f = fits.get(i);
      assertEquals(i == 0 ? "measured_vs_coverage_bound" : "measured_vs_extrapolation_bound", f.getAs("fit"));
      double slope = Math.log10(xy[i][3] / xy[i][2]) / Math.log10(xy[i][1] / xy[i][0]);
      assertEquals(slope, f.<Double>getAs("slope"), 1e-9);
      assertEquals(Math.log10(xy[i][2]) - slope * Math.log10(xy[i][0]), f.<Double>getAs("intercept"), 1e-9);
      assertEquals(2L, (long) f.<Long>getAs("rows"));
    }
  }
}
