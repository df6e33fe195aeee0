package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;

/**
 * SmolLM2-135M for the tests, found by {@link DefaultModel#path()} (system property
 * {@code ropescale.model.gguf}, else bin/fetch-model's cache). bin/test fetches it before Maven
 * runs; a missing model FAILS the tests, it does not skip them. The weights load once per JVM.
 */
final class TestModel {
  private static LlamaWeights weights;
  private static BpeTokenizer tokenizer;

  private TestModel() {}

  static Path path() {
    return DefaultModel.path().orElseGet(() -> {
      fail("model file " + DefaultModel.expectedPath() + " is missing: run bin/fetch-model (bin/test does)"
          + " or pass -Dropescale.model.gguf=PATH");
      return null;
    });
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
