package io.ropescale.report;

import io.ropescale.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A warehouse with every table the report reads, for one run: a real sweep (scaling laws,
 * attention profile, base search, corpus coverage, fits) over two models, one with a name that must
 * be escaped, and a small generated corpus whose file names need escaping too (one of them not
 * UTF-8, so it lands in quarantine).
 */
final class ReportFixture {
  /** A model name that must never reach the page unescaped (an injected img would also break the CSP). */
  static final String EVIL_MODEL = "<img src=x onerror=alert(1)> \"m\" & co";
  static final String EVIL_FILE = "\"quoted\" <i>doc & 'more'.txt";
  static final String BROKEN_FILE = "<b>broken.txt";
  static final String SPEC = """
      name: report-fixture
      models:
        - llama2-7b
        - {name: "%s", head_dim: 128, train_len: 4096, rope_theta: 10000}
      bases: [500, 2608, 10000, 80000, 400000, 1000000]
      tune_lengths: [4096, 16384]
      attention: {max_position: 65536}
      base_search: {contexts: [1024, 2048, 4096, 8192, 16384, 32768], grid_per_decade: 50, max_base: 1.0e+8}
      corpus: {name: generated, paths: ["%s"], tokenizer: cl100k_base, engine: jvm}
      """;

  private ReportFixture() {}

  /** Writes the corpus, then runs the sweep (which writes its report). */
  static void write(Path warehouse, String runId) throws Exception {
    Path corpus = Files.createTempDirectory("report-corpus");
    Random rnd = new Random(42);
    String[] words = new String[3000];
    for (int i = 0; i < words.length; i++) {
      StringBuilder w = new StringBuilder();
      for (int k = 0, n = 2 + rnd.nextInt(8); k < n; k++) {
        w.append((char) ('a' + rnd.nextInt(26)));
      }
      words[i] = w.toString();
    }
    int[] lengths = {200, 700, 1500, 3000, 5000, 9000, 16000, 30000};
    for (int d = 0; d < lengths.length; d++) {
      Files.writeString(corpus.resolve(d == 3 ? EVIL_FILE : "doc-" + d + ".txt"), text(rnd, words, lengths[d]));
    }
    Files.write(corpus.resolve(BROKEN_FILE), new byte[] {'a', (byte) 0xC3, (byte) 0x28, 'b'});
    Path spec = Files.createTempFile("report-fixture", ".yaml");
    Files.writeString(spec, SPEC.formatted(EVIL_MODEL.replace("\"", "\\\""), corpus));
    if (Main.run("sweep", spec.toString(), "--warehouse", warehouse.toString(), "--run-id", runId) != 0) {
      throw new IllegalStateException("sweep failed");
    }
  }

  /** Words drawn with a Zipf-like skew, in lines of 12, so tokens repeat at many distances. */
  private static String text(Random rnd, String[] words, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      double u = rnd.nextDouble();
      b.append(words[(int) (words.length * u * u * u)]).append(i % 12 == 11 ? '\n' : ' ');
    }
    return b.toString();
  }
}
