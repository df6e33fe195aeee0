package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The main job on a small spec: every stage's table gains this run's rows, once. */
class SweepTest extends SparkTestBase {
  @Test
  void sweepWritesEveryStageOnceAndAnotherRunAppends() throws Exception {
    Path wh = tempWarehouse();
    Path spec = Files.createTempFile("sweep", ".yaml");
    Files.writeString(spec, String.join("\n",
        "name: small",
        "models: [llama2-7b]",
        "bases: [10000, 500000, 1000000]",
        "tune_lengths: [4096]",
        "attention: {max_position: 20000}",
        "base_search: {contexts: [1024, 2048, 4096], grid_per_decade: 100, max_base: 1e7}",
        ""));
    String[] args = {"sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "sw"};
    assertEquals(0, Main.run(args));
    assertEquals(0, Main.run(args));
    Map<String, Long> expected = Map.of("rope_bounds", 3L, "attention_bounds", 3L, "base_lower_bounds", 3L,
        "scaling_fits", 2L, "runs", 1L);
    for (Map.Entry<String, Long> e : expected.entrySet()) {
      assertEquals(e.getValue(), spark.read().format("delta").load(wh.resolve(e.getKey()).toString()).count(), e.getKey());
    }
    assertTrue(spark.read().format("delta").load(wh.resolve("attention_profile").toString()).count() > 3 * 2048);
    assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "sw2"));
    assertEquals(6, spark.read().format("delta").load(wh.resolve("rope_bounds").toString()).count());
    assertEquals(2, spark.read().format("delta").load(wh.resolve("runs").toString()).count());
  }

  /** Rows of this run per table; -1 when the table does not exist. */
  Map<String, Long> rowsOf(Path wh, String runId, String... tables) {
    Map<String, Long> m = new java.util.TreeMap<>();
    for (String t : tables) {
      m.put(t, Files.exists(wh.resolve(t))
          ? spark.read().format("delta").load(wh.resolve(t).toString()).where("run_id = '" + runId + "'").count() : -1L);
    }
    return m;
  }

  @Test
  void everySpecShapeRunsExactlyItsPlan() throws Exception {
    Path dir = Files.createTempDirectory("shapes");
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(dir.resolve("docs/a.txt"), "the quick brown fox jumps over the lazy dog. ".repeat(40));
    Files.writeString(dir.resolve("docs/b.txt"), "a b c d e f g a b c d e f g ".repeat(30));
    String models = "models: [llama2-7b]\nbases: [10000, 500000, 1000000]\ntune_lengths: [4096]\n";
    Map<String, String> shapes = Map.of(
        "laws-only", models,
        "no-search-no-corpus", models + "attention: {max_position: 4096, engine: jvm}\n",
        "every-section", models + "attention: {max_position: 4096, engine: jvm}\n"
            + "base_search: {contexts: [1024, 2048], grid_per_decade: 20, max_base: 1e6}\n"
            + "corpus: {name: tiny, paths: [docs], engine: jvm}\n");
    String[] tables = {"rope_bounds", "attention_bounds", "base_lower_bounds", "documents", "corpus_coverage",
        "scaling_fits", "runs"};
    Path wh = tempWarehouse();
    for (String name : List.of("laws-only", "no-search-no-corpus", "every-section")) {
      Map.Entry<String, String> shape = Map.entry(name, shapes.get(name));
      Path spec = dir.resolve(name + ".yaml");
      Files.writeString(spec, shape.getValue());
      List<String> planned = StagePlan.of(SweepSpec.load(spec)).names();
      assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", shape.getKey()));
      Map<String, Long> rows = rowsOf(wh, shape.getKey(), tables);
      // a table has this run's rows exactly when a planned stage writes it
      assertEquals(3L, rows.get("rope_bounds"));
      assertEquals(1L, rows.get("runs"), "one sweep, one runs row");
      assertEquals(planned.contains("attention-profile") ? 3L : 0L, Math.max(0, rows.get("attention_bounds")), shape.getKey());
      assertEquals(planned.contains("base-search") ? 2L : 0L, Math.max(0, rows.get("base_lower_bounds")), shape.getKey());
      assertEquals(planned.contains("corpus-coverage") ? 2L : 0L, Math.max(0, rows.get("documents")), shape.getKey());
      // fit: T_extra vs base over the two larger-base rows, plus base vs context when base-search ran
      assertEquals(planned.contains("base-search") ? 2L : 1L, rows.get("scaling_fits"), shape.getKey());
      assertTrue(Files.exists(wh.resolve("reports").resolve(shape.getKey()).resolve("index.html")), shape.getKey());
    }
    assertEquals(List.of("scaling-laws", "fit", "report"), StagePlan.of(SweepSpec.load(dir.resolve("laws-only.yaml"))).names());
    assertEquals(List.of("scaling-laws", "attention-profile", "fit", "report"),
        StagePlan.of(SweepSpec.load(dir.resolve("no-search-no-corpus.yaml"))).names());
  }
}
