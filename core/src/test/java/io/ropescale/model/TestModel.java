package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the tests find SmolLM2-135M: system property {@code ropescale.model.gguf}, else the cache
 * bin/fetch-model fills (ROPESCALE_MODEL_CACHE, else $XDG_CACHE_HOME/ropescale/models, else
 * ~/.cache/ropescale/models). bin/test fetches it before Maven runs; a missing model FAILS the
 * tests (it does not skip them). The weights load once per test JVM.
 */
final class TestModel {
  private static LlamaWeights weights;
  private static BpeTokenizer tokenizer;

  private TestModel() {}

  static Path path() {
    String prop = System.getProperty("ropescale.model.gguf");
    Path p;
    if (prop != null && !prop.isBlank()) {
      p = Path.of(prop);
    } else {
      String cache = System.getenv("ROPESCALE_MODEL_CACHE");
      if (cache == null || cache.isBlank()) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        String base = xdg != null && !xdg.isBlank() ? xdg : System.getProperty("user.home") + "/.cache";
        cache = base + "/ropescale/models";
      }
      p = Path.of(cache, "SmolLM2-135M-Instruct.Q4_1.gguf");
    }
    if (!Files.isRegularFile(p)) {
      fail("model file " + p + " is missing: run bin/fetch-model (bin/test does) or pass -Dropescale.model.gguf=PATH");
    }
    return p;
  }

  static synchronized LlamaWeights weights() {
    if (weights == null) {
      try (GgufFile f = GgufFile.open(path())) {
        weights = LlamaWeights.load(f);
        tokenizer = BpeTokenizer.fromGguf(f);
      }
    }
    return weights;
  }

  static synchronized BpeTokenizer tokenizer() {
    weights();
    return tokenizer;
  }
}
