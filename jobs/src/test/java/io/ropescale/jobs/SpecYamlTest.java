package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.jobs.corpus.CorpusSpec;
import io.ropescale.rope.RopeInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sweep specs bound to {@link SpecDocument}: what is accepted, and how each error names its key. No Spark. */
class SpecYamlTest {
  static final Path HOME = Path.of(System.getProperty("ropescale.home", ".."));

  static SweepSpec parse(String text) {
    return SweepSpec.parse(text, "t", HOME.resolve("conf/sweeps"));
  }

  static RopeInputException bad(String text) {
    return assertThrows(RopeInputException.class, () -> parse(text), text);
  }

  @Test
  void everySpecInTheRepositoryStillLoads() {
    for (String f : List.of("conf/sweeps/paper-llama2.yaml", "bench/attention-bench.yaml", "bench/attention-big.yaml",
        "report/browser-test-spec.yaml", "airflow-dags/tests/tiny-spec.yaml")) {
      SweepSpec s = SweepSpec.load(HOME.resolve(f));
      assertTrue(s.configurations().size() >= 1, f);
      StagePlan.of(s); // every section binds
    }
    SweepSpec paper = SweepSpec.load(HOME.resolve("conf/sweeps/paper-llama2.yaml"));
    assertEquals(22, paper.configurations().size(), "11 bases x 2 tuning lengths, one model, one type");
    assertEquals(1e11, BaseSearchJob.Settings.from(paper).maxBase());
    assertEquals(1L << 20, AttentionSettings.from(paper, null, null).maxPosition());
  }

  @Test
  void everyBaseOfALogRangeIsItsOwnConfiguration() {
    // 701 grid bases 10^(k/100), k = 300..1000: every one a configuration, each id naming its base
    SweepSpec s = parse("models: [llama2-7b]\nbases: {from: 1.0e+3, to: 1.0e+10, per_decade: 100}\n");
    List<SweepSpec.Configuration> cs = s.configurations();
    assertEquals(701, cs.size());
    for (SweepSpec.Configuration c : cs) {
      String b = c.configId().substring(c.configId().lastIndexOf("/b") + 2);
      assertEquals(c.config().base(), Double.parseDouble(b), c.config().base() * 1e-5, c.configId());
    }
    // 10^4.07 and 10^5.07 used to share the id b11749 (a trailing zero stripped from 117490)
    assertEquals("11749", SweepSpec.trim(Math.pow(10, 4.07)));
    assertEquals("117490", SweepSpec.trim(Math.pow(10, 5.07)));
    assertEquals("1.5e+09", SweepSpec.trim(1.5e9 + 0.25));
    assertEquals("0.5", SweepSpec.trim(0.5000001));
    assertEquals("1e+20", SweepSpec.trim(1e20));
    assertEquals("25000", SweepSpec.trim(25000));
  }

  @Test
  void everyDocumentedShapeIsAccepted() {
    SweepSpec s = parse(String.join("\n",
        "name: shapes",
        "models: [llama2-7b, {hf_config: ../../core/src/test/resources/llama31-config.json},"
            + " {head_dim: 128, train_len: 4096, rope_theta: 10000}, {head_dim: 128, partial_rotary_factor: 0.5,"
            + " train_len: 2048.0, name: half}]",
        "bases: {from: 1e3, to: 1e5, per_decade: 2}",
        "tune_lengths: [8192, 1.6384e4]",
        "rope_types: [default, model, {type: yarn, factor: 4}, {type: llama3, factor: 8, low_freq_factor: 1,"
            + " high_freq_factor: 4, original_max_position_embeddings: 4096}]",
        "attention: {max_position: 4096, engine: jvm}",
        "base_search: {contexts: [1024], grid_per_decade: 10, max_base: 1e7, rotary_dims: [64]}",
        "corpus: {name: c, paths: ../../datasets/corpus, token_detail_sample: 0.5}",
        ""));
    assertEquals(4, s.models.size());
    assertEquals("meta-llama/Llama-3.1-8B", s.models.get(1).name());
    assertEquals("d128-T4096-b10000.0", s.models.get(2).name());
    assertEquals(64, s.models.get(3).rotaryDim());
    assertEquals(2048, s.models.get(3).trainLen());
    assertEquals(List.of(1000.0, Math.pow(10, 3.5), 1e4, Math.pow(10, 4.5), 1e5), s.bases);
    assertEquals(List.of(8192L, 16384L), s.tuneLengths);
    CorpusSpec c = CorpusSpec.of(s, CorpusSpec.Overrides.NONE);
    assertEquals(1, c.paths().size(), "one path given as a string");
    assertEquals(0.5, c.tokenDetailSample());
    assertEquals(List.of(64), BaseSearchJob.Settings.from(s).rotaryDims());
    // absent sections: null, and the stage is not planned
    SweepSpec plain = parse("models: [llama2-7b]\nattention: null\n");
    assertNull(plain.doc.attention());
    assertEquals(List.of("scaling-laws", "fit", "report"), StagePlan.of(plain).names());
  }

  @Test
  void unknownKeysAreNamedWithTheirPathAndLine() {
    String[][] cases = {
        {"models: [llama2-7b]\nbasez: [1]\n", "spec.basez", "line 2, column 1"},
        {"models: [llama2-7b]\nfit: {}\n", "spec.fit", "line 2, column 1"},
        {"models: [{head_dim: 128, train_len: 4096, rope_thta: 5}]\n", "spec.models[0].rope_thta", "line 1, column 43"},
        {"models: [llama2-7b]\nbases: {from: 1e3, to: 1e5, per_decade: 2, step: 1}\n", "spec.bases.step", "line 2"},
        {"models: [llama2-7b]\nrope_types: [{type: linear, factor: 2, betafast: 2}]\n", "spec.rope_types[0].betafast",
            "line 2"},
        {"models: [llama2-7b]\nattention: {max_positions: 5}\n", "spec.attention.max_positions", "line 2, column 13"},
        {"models: [llama2-7b]\nbase_search:\n  contexts: [1024]\n  grid: 10\n", "spec.base_search.grid", "line 4, column 3"},
        {"models: [llama2-7b]\ncorpus:\n  name: x\n  colour: blue\n", "spec.corpus.colour", "line 4, column 3"},
    };
    for (String[] c : cases) {
      RopeInputException e = bad(c[0]);
      assertEquals(c[1], e.field(), e.getMessage());
      assertTrue(e.getMessage().contains("unknown key (" + c[2]), e.getMessage());
      assertTrue(e.getMessage().contains("expected one of ["), e.getMessage());
    }
  }

  @Test
  void wrongTypesAreNamedWithTheirValue() {
    String[][] cases = {
        {"models: [llama2-7b]\nbases: [10000, \"20000\"]\n", "spec.bases[1]", "must be a number"},
        {"models: [{head_dim: 128, train_len: 4096.5}]\n", "spec.models[0].train_len", "must be a whole number"},
        {"models: [5]\n", "spec.models[0]", "must be a model name"},
        {"models: llama2-7b\n", "spec.models", "must be a list"},
        {"models: [llama2-7b]\nattention: [1]\n", "spec.attention", "must be a mapping"},
        {"models: [llama2-7b]\ncorpus: [docs]\n", "spec.corpus", "must be a mapping"},
        {"models: [llama2-7b]\nbase_search: {contexts: [1024], grid_per_decade: 10.5}\n",
            "spec.base_search.grid_per_decade", "must be a whole number"},
        {"models: [llama2-7b]\ntune_lengths: [99999999999999999999999]\n", "spec.tune_lengths[0]", "out of range"},
        {"models: [llama2-7b]\nrope_types: [[yarn]]\n", "spec.rope_types[0]", "must be 'default', 'model'"},
    };
    for (String[] c : cases) {
      RopeInputException e = bad(c[0]);
      assertEquals(c[1], e.field(), e.getMessage());
      assertTrue(e.getMessage().contains(c[2]), e.getMessage());
    }
  }

  @Test
  void valuesAreStillCheckedAfterBinding() {
    assertEquals("spec.bases[0]", bad("models: [llama2-7b]\nbases: [0.5]\n").field());
    assertEquals("spec.models[0].partial_rotary_factor",
        bad("models: [{head_dim: 128, rotary_dim: 64, partial_rotary_factor: 0.5, train_len: 4096}]\n").field());
    assertEquals("spec.models[0].train_len", bad("models: [{head_dim: 128}]\n").field());
    assertEquals("spec.rope_types[0].type", bad("models: [llama2-7b]\nrope_types: [{factor: 2}]\n").field());
    assertEquals("spec.tune_lengths", bad("models: [llama2-7b]\ntune_lengths: [1024]\n").field());
    assertEquals("spec.models", bad("models: []\n").field());
    assertEquals("spec", bad("- just\n- a list\n").field());
    assertEquals("spec", bad("models: [llama2-7b\n").field());
  }

  @Test
  void hostileYamlIsRefusedAtOnce() throws Exception {
    // a guard against a hang (each case is refused in milliseconds), not a speed measurement
    StringBuilder bomb = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      bomb.append(c).append(": &").append(c).append(" [").append(String.join(", ",
          java.util.Collections.nCopies(10, "*" + (char) (c - 1)))).append("]\n");
    }
    bomb.append("models: [llama2-7b]\n");
    String deepList = "models: [llama2-7b]\nname: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    String deepMap = "models: [llama2-7b]\nattention: " + "{a: ".repeat(60) + "1" + "}".repeat(60) + "\n";
    String big = "models: [llama2-7b]\nname: '" + "x".repeat(5 << 20) + "'\n";
    String[][] cases = {
        {bomb.toString(), "spec.a"},                       // 10^9 leaves if aliases were expanded: they are not
        {deepList, "is " + deepList.length() + " characters long"},
        {"models: [llama2-7b]\nname: " + "[".repeat(60) + "]".repeat(60) + "\n", "nests deeper than 50 levels"},
        {deepMap, "nests deeper than 50 levels"},
        {big, "characters long; a spec holds at most 65536"},
    };
    for (String[] c : cases) {
      RopeInputException e = assertTimeoutPreemptively(Duration.ofSeconds(1), () -> bad(c[0]));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage().substring(0, Math.min(300, e.getMessage().length())));
    }
  }

  @Test
  void loadRemembersThePathAndTheText() throws Exception {
    Path f = Files.createTempFile("spec", ".yaml");
    Files.writeString(f, "models: [llama2-7b]\n");
    SweepSpec s = SweepSpec.load(f);
    assertEquals(f, s.path);
    assertEquals("models: [llama2-7b]\n", s.text);
    assertEquals(f.getFileName().toString().replace(".yaml", ""), s.name);
    Files.delete(f);
  }
}
