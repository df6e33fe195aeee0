package io.ropescale.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The no-Spark commands: docs/theory.md s.6 JSON contract, defaults, and bad input (exit 2). */
class CliTest {
  record Out(int code, String out, String err) {}

  static Out run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static JsonNode json(Out o) throws Exception {
    assertEquals(0, o.code(), o.err());
    return new ObjectMapper().readTree(o.out());
  }

  @Test
  void boundsJsonCarriesEveryContractField() throws Exception {
    JsonNode j = json(run("bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000",
        "--tune-len", "16384", "--base", "1000000", "--json"));
    for (String f : List.of("rotary_dim", "train_len", "pretrain_base", "tune_len", "base", "rope_type", "critical_dim",
        "critical_base", "regime", "extrapolation_bound", "critical_dim_tuned", "critical_dim_tuned_formula",
        "beta_quarter", "beta_half", "beta_full", "unbounded", "angle_coverage_bound")) {
      assertTrue(j.has(f), f);
    }
    assertEquals(92, j.get("critical_dim").asInt());
    assertEquals(71738.44, j.get("critical_base").asDouble(), 0.01);
    assertEquals("larger-base", j.get("regime").asText());
    assertEquals(129026.8, j.get("extrapolation_bound").asDouble(), 0.1);
    assertEquals(92, j.get("critical_dim_tuned").asInt()); // in force above b_0 (Theorem 2)
    assertEquals(74, j.get("critical_dim_tuned_formula").asInt());
    assertTrue(j.get("extrapolation_bound").isNumber());
    assertTrue(j.get("unbounded").isBoolean());
    assertTrue(j.get("angle_coverage_bound").isNumber());
  }

  @Test
  void versionComesFromThePom() {
    Out o = run("--version");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("ropescale " + io.ropescale.Versions.project() + " (Spark "
        + io.ropescale.Versions.spark() + ", delta-spark " + io.ropescale.Versions.delta()), o.out());
  }

  @Test
  void defaultsTuneToTrainAndBaseToPretrain() throws Exception {
    JsonNode j = json(run("bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "500", "--json"));
    assertEquals(4096, j.get("tune_len").asLong());
    assertEquals(500, j.get("base").asDouble(), 0);
    assertTrue(j.get("unbounded").asBoolean());
    assertTrue(j.get("angle_coverage_bound").isNull());
    assertEquals("smaller-base", j.get("regime").asText());
  }

  @Test
  void partialRotaryAndModels() throws Exception {
    JsonNode j = json(run("bounds", "--head-dim", "128", "--partial-rotary", "0.5", "--train-len", "4096",
        "--pretrain-base", "10000", "--json"));
    assertEquals(64, j.get("rotary_dim").asInt());
    JsonNode m = json(run("bounds", "--model", "llama2-7b", "--base", "1e6", "--tune-len", "4096", "--json"));
    assertEquals(129026.8, m.get("extrapolation_bound").asDouble(), 0.1);
    JsonNode y = json(run("bounds", "--model", "llama2-7b", "--rope-type", "yarn", "--factor", "4",
        "--tune-len", "16384", "--json"));
    assertEquals("yarn", y.get("rope_type").asText());
  }

  @Test
  void requiredBaseJson() throws Exception {
    JsonNode j = json(run("required-base", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000",
        "--target", "100000", "--json"));
    assertEquals(100000, j.get("target").asDouble(), 0);
    assertEquals(938327.2, j.get("required_base_paper").asDouble(), 0.1);
    assertEquals(701472.4, j.get("required_base_exact").asDouble(), 0.1);
  }

  @Test
  void badInputExitsTwoNamingFieldAndValue() {
    String[][] cases = {
        {"bounds", "--head-dim", "127", "--train-len", "4096", "--pretrain-base", "10000"},
        {"bounds", "--head-dim", "-2", "--train-len", "4096", "--pretrain-base", "10000"},
        {"bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "1"},
        {"bounds", "--head-dim", "128", "--train-len", "0", "--pretrain-base", "10000"},
        {"bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000", "--tune-len", "2048"},
        {"bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000", "--rope-type", "warp"},
        {"bounds", "--model", "gpt-17"},
        {"bounds", "--hf-config", "/nonexistent/config.json"},
        {"bounds", "--train-len", "4096", "--pretrain-base", "10000"},
        {"required-base", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000", "--target", "-1"},
        {"bounds", "--head-dim", "128", "--train-len", "4096", "--pretrain-base", "10000", "--rope-type", "linear",
            "--factor", "2", "--beta-fast", "32"},
    };
    String[] mentions = {"127", "-2", "pretrain_base = 1", "train_len = 0", "2048", "warp", "gpt-17",
        "/nonexistent/config.json", "--head-dim", "target", "rope_scaling.beta_fast = 32: does not apply to rope_type linear"};
    for (int i = 0; i < cases.length; i++) {
      Out o = run(cases[i]);
      assertEquals(2, o.code(), String.join(" ", cases[i]) + " -> " + o.err());
      assertTrue(o.err().contains(mentions[i]), o.err());
      assertEquals("", o.out());
    }
  }

  @Test
  void planPrintsTheStagesOfASpecAndTheCatalogue() throws Exception {
    java.nio.file.Path home = java.nio.file.Path.of(System.getProperty("ropescale.home", ".."));
    String paper = home.resolve("conf/sweeps/paper-llama2.yaml").toAbsolutePath().normalize().toString();
    JsonNode j = json(run("plan", "--spec", paper, "--json"));
    assertEquals("paper-llama2", j.get("name").asText());
    assertEquals(paper, j.get("spec").asText());
    List<String> names = new java.util.ArrayList<>();
    j.get("stages").forEach(s -> names.add(s.get("name").asText()));
    assertEquals(List.of("scaling-laws", "attention-profile", "base-search", "corpus-coverage", "model-attention", "fit",
        "report"), names);
    JsonNode fit = j.get("stages").get(5);
    assertEquals("[\"fit\",\"--spec\",\"" + paper + "\"]", fit.get("argv").toString());
    assertEquals("[\"scaling-laws\",\"base-search\",\"model-attention\"]", fit.get("upstream").toString());
    assertEquals("[\"scaling_fits\"]", fit.get("writes").toString());
    JsonNode all = json(run("plan", "--json"));
    assertTrue(all.get("spec").isNull());
    assertEquals(7, all.get("stages").size()); // scaling-laws .. model-attention, fit, report
    assertTrue(run("plan", "--spec", paper).out().contains("fit                scaling-laws,base-search,model-attention"));
    Out missing = run("plan", "--spec", "/nonexistent/spec.yaml");
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("/nonexistent/spec.yaml"), missing.err());
  }

  @Test
  void modelInputsGivenTwiceAreErrorsEverywhere() {
    String[][] cases = {
        {"bounds", "--head-dim", "128", "--rotary-dim", "64", "--partial-rotary", "0.5", "--train-len", "4096",
            "--pretrain-base", "10000"},
        {"base-search", "--head-dim", "128", "--rotary-dim", "64", "--partial-rotary", "0.5", "--context", "1024"},
        {"bounds", "--model", "llama2-7b", "--hf-config", "/nonexistent/config.json"},
        {"base-search", "--model", "llama2-7b", "--hf-config", "/nonexistent/config.json", "--context", "1024"},
    };
    String[] mentions = {"give either --rotary-dim or --partial-rotary", "give either --rotary-dim or --partial-rotary",
        "give either --model or --hf-config", "give either --model or --hf-config"};
    for (int i = 0; i < cases.length; i++) {
      Out o = run(cases[i]);
      assertEquals(2, o.code(), String.join(" ", cases[i]) + " -> " + o.err());
      assertTrue(o.err().contains(mentions[i]), o.err());
    }
  }
}
