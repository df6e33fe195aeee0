package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
