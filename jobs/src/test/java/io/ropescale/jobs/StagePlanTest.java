package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ropescale.rope.RopeInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stage plan of each spec shape: stages, order, tables, upstream stages. No Spark. */
class StagePlanTest {
  static final Path HOME = Path.of(System.getProperty("ropescale.home", ".."));
  static final String MODELS = "models: [llama2-7b]\nbases: [10000, 1000000]\n";

  static StagePlan plan(String text) {
    return StagePlan.of(SweepSpec.parse(text, "t", HOME.resolve("conf/sweeps")));
  }

  static StagePlan.Stage stage(StagePlan p, String name) {
    return p.stages().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  static List<String> names(List<TableDocs.TableDef> tables) {
    return tables.stream().map(TableDocs.TableDef::name).toList();
  }

  @Test
  void onlyScalingLaws() {
    StagePlan p = plan(MODELS);
    assertEquals(List.of("scaling-laws", "fit", "report"), p.names());
    assertEquals(List.of("rope_bounds"), names(stage(p, "fit").reads()));
    assertEquals(List.of("scaling-laws"), stage(p, "fit").upstream());
    assertEquals(List.of("rope_bounds", "scaling_fits"), names(stage(p, "report").reads()));
    assertEquals(List.of("scaling-laws", "fit"), stage(p, "report").upstream());
    assertNull(stage(p, "report").job(), "the report runs after the commit");
    assertNotNull(stage(p, "fit").job());
  }

  @Test
  void everySection() {
    StagePlan p = StagePlan.of(SweepSpec.load(HOME.resolve("conf/sweeps/paper-llama2.yaml")));
    assertEquals(List.of("scaling-laws", "attention-profile", "base-search", "corpus-coverage", "model-attention", "fit",
        "report"), p.names());
    assertEquals(List.of("rope_bounds", "base_lower_bounds", "model_measured_bounds"), names(stage(p, "fit").reads()));
    assertEquals(List.of("scaling-laws", "base-search", "model-attention"), stage(p, "fit").upstream());
    assertEquals(List.of("scaling-laws", "attention-profile", "base-search", "corpus-coverage", "model-attention", "fit"),
        stage(p, "report").upstream());
    for (String independent : List.of("scaling-laws", "attention-profile", "base-search", "corpus-coverage",
        "model-attention")) {
      assertEquals(List.of(), stage(p, independent).upstream(), independent);
    }
    String spec = HOME.resolve("conf/sweeps/paper-llama2.yaml").toAbsolutePath().normalize().toString();
    assertEquals(List.of("base-search", "--spec", spec), stage(p, "base-search").argv());
  }

  @Test
  void withoutBaseSearchOrCorpus() {
    StagePlan p = plan(MODELS + "attention: {max_position: 4096}\n");
    assertEquals(List.of("scaling-laws", "attention-profile", "fit", "report"), p.names());
    assertEquals(List.of("scaling-laws"), stage(p, "fit").upstream());
    assertEquals(List.of("scaling-laws", "attention-profile", "fit"), stage(p, "report").upstream());
    assertEquals(List.of("rope_bounds", "attention_profile", "attention_bounds", "scaling_fits"),
        names(stage(p, "report").reads()));
  }

  @Test
  void catalogueHasEveryStageAndNoWork() {
    StagePlan c = StagePlan.catalogue();
    assertEquals(StagePlan.STAGES.stream().map(StagePlan.Definition::name).toList(), c.names());
    c.stages().forEach(s -> {
      assertNull(s.argv());
      assertNull(s.job());
    });
    // every stage's reads are written by an earlier stage (the plan derives upstreams from that)
    assertEquals(List.of("scaling-laws", "base-search", "model-attention"), stage(c, "fit").upstream());
  }

  @Test
  void everySectionIsValidatedWhenPlanning() {
    // binding the plan validates each asked-for stage's settings, before any Spark work
    assertEquals("attention.max_position",
        assertThrows(RopeInputException.class, () -> plan(MODELS + "attention: {max_position: 0}\n")).field());
    assertEquals("spec.base_search.contexts",
        assertThrows(RopeInputException.class, () -> plan(MODELS + "base_search: {grid_per_decade: 10}\n")).field());
    assertEquals("spec.corpus.paths",
        assertThrows(RopeInputException.class, () -> plan(MODELS + "corpus: {name: x}\n")).field());
  }

  @Test
  @SuppressWarnings("unchecked")
  void jsonIsTheAirflowContract() throws Exception {
    Path f = Files.createTempFile("plan", ".yaml");
    Files.writeString(f, MODELS);
    Map<String, Object> j = StagePlan.of(SweepSpec.load(f)).toJson();
    assertEquals(f.toAbsolutePath().normalize().toString(), j.get("spec"));
    List<Map<String, Object>> stages = (List<Map<String, Object>>) j.get("stages");
    assertEquals(List.of("name", "section", "argv", "reads", "writes", "upstream"), List.copyOf(stages.get(0).keySet()));
    assertEquals(List.of("fit", "--spec", f.toAbsolutePath().normalize().toString()), stages.get(1).get("argv"));
    Files.delete(f);
  }
}
