package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.jobs.corpus.CorpusEngine;
import io.ropescale.rope.RopeInputException;
import org.junit.jupiter.api.Test;

/** One engine choice for every stage: the RAPIDS settings, the parsed choice, the capabilities. */
class EnginesTest {
  @Test
  void autoMeansSqlOnlyWhenThePluginIsLoadedAndEnabled() {
    assertTrue(Engines.rapidsActive("com.nvidia.spark.SQLPlugin", "true"));
    assertTrue(Engines.rapidsActive("org.example.Other, com.nvidia.spark.SQLPlugin", "TRUE"));
    assertFalse(Engines.rapidsActive("com.nvidia.spark.SQLPlugin", "false"), "spark.rapids.sql.enabled=false");
    assertFalse(Engines.rapidsActive("com.nvidia.spark.SQLPlugin", " False "));
    assertFalse(Engines.rapidsActive("", "true"), "no plugin");
    assertFalse(Engines.rapidsActive("com.nvidia.spark.SQLPluginX", "true"));
  }

  @Test
  void choicesParseOnceAndBadOnesNameTheirField() {
    assertEquals(Engine.Choice.AUTO, Engine.Choice.parse("engine", null));
    assertEquals(Engine.Choice.SQL, Engine.Choice.parse("engine", " SQL "));
    assertEquals(Engine.Choice.JVM, Engine.Choice.parse("engine", "jvm"));
    RopeInputException e = assertThrows(RopeInputException.class, () -> Engine.Choice.parse("spec.corpus.engine", "gpu"));
    assertTrue(e.getMessage().contains("spec.corpus.engine"), e.getMessage());
  }

  @Test
  void bothStagesHaveAJvmAndAGpuPlaceableSqlEngine() {
    for (var engines : java.util.List.of(AttentionEngine.all(), CorpusEngine.all())) {
      assertEquals(java.util.List.of("jvm", "sql"), engines.stream().map(Engine::name).toList());
      assertEquals(java.util.List.of(false, true), engines.stream().map(Engine::gpuPlaceable).toList());
    }
  }
}
