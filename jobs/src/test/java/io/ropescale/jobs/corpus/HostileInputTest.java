package io.ropescale.jobs.corpus;

import static io.ropescale.jobs.corpus.CorpusCoverageJobTest.CL100K;
import static io.ropescale.jobs.corpus.CorpusCoverageJobTest.run;
import static io.ropescale.jobs.corpus.CorpusCoverageJobTest.setUp;
import static io.ropescale.jobs.corpus.CorpusCoverageJobTest.table;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import io.ropescale.jobs.SparkTestBase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Hostile corpus input (issue 10, docs/reliability.md): zip and gzip bombs past the documented
 * inflation limits ({@link InflationGuard}), text no tokenizer finishes (a run of one letter past
 * {@link CorpusScan#MAX_RUN}), names full of quotes and markup, and a 10M-token document in a JVM
 * capped at 1 GiB. Each hostile item is quarantined with its reason; every other document is
 * counted exactly as without it.
 */
class HostileInputTest extends SparkTestBase {
  static final String GOOD = "The quick brown fox jumps over the lazy dog.\nPack my box with five dozen liquor jugs.\n";

  /** Writes {@code bytes} times {@code unit} through a compressor without holding it in memory. */
  static void repeat(OutputStream o, String unit, long bytes) throws IOException {
    byte[] u = unit.repeat(Math.max(1, (1 << 16) / unit.length())).getBytes(StandardCharsets.UTF_8);
    for (long w = 0; w < bytes; w += u.length) {
      o.write(u, 0, (int) Math.min(u.length, bytes - w));
    }
  }

  @Test
  void bombsAndPathologicalTextGoToQuarantineAndTheRestIsCountedExactly() throws Exception {
    Path spec = setUp(CorpusCoverageJobTest.SPEC, Map.of("good.txt", GOOD.repeat(50)));
    Path dir = spec.getParent().resolve("docs");
    // a zip with a normal entry beside a 256 MiB entry of repeated lines (ratio ~1000) and a 64 MiB entry of one letter
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(dir.resolve("archive.zip")))) {
      z.putNextEntry(new ZipEntry("normal.txt"));
      z.write(GOOD.repeat(20).getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
      z.putNextEntry(new ZipEntry("bomb.txt"));
      repeat(z, "all work and no play makes jack a dull boy\n", 256L << 20);
      z.closeEntry();
      z.putNextEntry(new ZipEntry("letters.txt"));
      repeat(z, "a", 64L << 20);
      z.closeEntry();
    }
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("bomb.txt.gz")))) {
      repeat(o, "all work and no play makes jack a dull boy\n", 256L << 20);
    }
    try (OutputStream o = Files.newOutputStream(dir.resolve("one-letter.txt"))) { // plain, 8 MiB, no break
      repeat(o, "b", 8L << 20);
    }
    Files.writeString(dir.resolve("just-below.txt"), "c".repeat(CorpusScan.MAX_RUN - 1) + " end\n");
    long zipBytes = Files.size(dir.resolve("archive.zip"));
    assertTrue(zipBytes < (4 << 20), "the archive is small: " + zipBytes);

    Path wh = tempWarehouse();
    assertEquals(0, run(spec, wh, "hostile", "--engine", "jvm"));
    Map<String, String> q = table(wh, "quarantine").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("path").replaceAll(".*/docs/", ""), r -> r.getAs("reason")));
    assertEquals(4, q.size(), q.toString());
    assertTrue(q.get("archive.zip!/bomb.txt").startsWith("zip bomb: "), q.toString());
    assertTrue(q.get("archive.zip!/bomb.txt").contains("limit " + InflationGuard.MAX_RATIO), q.toString());
    assertTrue(q.get("bomb.txt.gz").startsWith("zip bomb: "), q.toString());
    assertTrue(q.get("archive.zip!/letters.txt").startsWith("pathological text: 65536 characters without whitespace"),
        q.toString());
    assertTrue(q.get("one-letter.txt").startsWith("pathological text: "), q.toString());

    Map<String, Long> tokens = table(wh, "documents").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("path").replaceAll(".*/docs/", ""), r -> r.<Long>getAs("tokens")));
    assertEquals(Map.of(
        "good.txt", (long) CL100K.countTokensOrdinary(GOOD.repeat(50)),
        "archive.zip!/normal.txt", (long) CL100K.countTokensOrdinary(GOOD.repeat(20)),
        "just-below.txt", (long) CL100K.countTokensOrdinary("c".repeat(CorpusScan.MAX_RUN - 1) + " end\n")), tokens);
    assertEquals(3L, table(wh, "corpus_coverage").first().<Long>getAs("documents"));
  }

  /**
   * Names holding quotes, spaces, SQL, markup and non-ASCII: a model name (a partition column) and a
   * corpus directory; stored verbatim, and the report escapes them.
   */
  @Test
  void hostileNamesAreStoredVerbatimAndEscapedInTheReport() throws Exception {
    String model = "evil'; DROP TABLE runs; -- \"q\" </script><b>x</b> modèle 模型";
    Path root = Files.createTempDirectory("names");
    // file names cannot hold '/', so no closing tag there: an opening one, quotes, spaces, non-ASCII
    Path docs = Files.createDirectories(root.resolve("dir with 'quote' <script> é"));
    Files.writeString(docs.resolve("it's a \"doc\" <script>; DROP.txt"), GOOD);
    String yaml = "name: hostile-names\n"
        + "models: [{name: " + yamlQuote(model) + ", head_dim: 32, train_len: 64, rope_theta: 10000}]\n"
        + "bases: [10000, 500000]\ntune_lengths: [64, 256]\n"
        + "corpus:\n  name: c1\n  paths: [" + yamlQuote(docs.getFileName().toString()) + "]\n";
    Path spec = root.resolve("spec.yaml");
    Files.writeString(spec, yaml);
    Path wh = tempWarehouse();
    assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "names"));
    assertEquals(List.of(model), table(wh, "rope_bounds").select("model").distinct().collectAsList().stream()
        .map(r -> r.getString(0)).toList());
    assertEquals(4, table(wh, "rope_bounds").where(col("model").equalTo(model)).count(), "partition value round-trips");
    Row doc = table(wh, "documents").first();
    assertTrue(doc.<String>getAs("path").endsWith("/it's a \"doc\" <script>; DROP.txt"), doc.<String>getAs("path"));
    String html = Files.readString(wh.resolve("reports/names/index.html"));
    assertTrue(!html.contains("<b>x</b>") && !html.contains("</script><b>"), "markup in names is escaped");
    // rerun: the run's rows (model partition included) are replaced, never duplicated
    assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "names"));
    assertEquals(4, table(wh, "rope_bounds").count());
    assertEquals(1, table(wh, "documents").count());
  }

  static String yamlQuote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * A single document of more than 10M tokens through corpus-coverage in a JVM whose heap is capped
   * at 1 GiB (local mode: driver and executors share it): no OutOfMemoryError, and its
   * token count equals jtokkit's count of the whole text.
   */
  @Test
  void tenMillionTokenDocumentUnderAOneGibHeap() throws Exception {
    Path spec = setUp(CorpusCoverageJobTest.SPEC, Map.of());
    Path doc = spec.getParent().resolve("docs/long.txt");
    StringBuilder unit = new StringBuilder();
    for (Path p : Files.list(home.resolve("datasets/corpus")).sorted().toList()) {
      if (p.toString().endsWith(".txt") || p.toString().endsWith(".md")) {
        unit.append(Files.readString(p)).append('\n');
      }
    }
    long unitTokens = CL100K.countTokensOrdinary(unit.toString());
    int copies = (int) (10_000_000 / unitTokens) + 2;
    try (var w = Files.newBufferedWriter(doc)) {
      for (int i = 0; i < copies; i++) {
        w.write(unit.toString());
      }
    }
    // the same text as one string: jtokkit's count of the whole document, the independent reference
    long expected = CL100K.countTokensOrdinary(Files.readString(doc));
    assertTrue(expected >= 10_000_000, "at least 10M tokens: " + expected);
    Path wh = tempWarehouse();
    // a fresh JVM on this test's class path and JVM flags, the heap capped at 1 GiB
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-Xmx") && !a.startsWith("-XX:MaxRAM") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
        cmd.add(a);
      }
    }
    cmd.addAll(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
        "io.ropescale.cli.Main", "corpus-coverage", "--spec", spec.toString(), "--warehouse", wh.toString(),
        "--run-id", "big", "--engine", "jvm"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), out);
    Row d = table(wh, "documents").first();
    assertEquals(expected, d.<Long>getAs("tokens").longValue());
    assertEquals(0, table(wh, "quarantine").count());
  }

  /** Runs the CLI, capturing stderr; fails if it does not end within 30 s (a hang guard, not a speed test). */
  static String[] cli(String... args) {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
          () -> Main.run(args));
      return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
    } finally {
      System.setErr(old);
    }
  }

  /** YAML alias expansion ("billion laughs", 10^12 leaves) and absurd nesting: exit 2, the item named. */
  @Test
  void yamlBombsAndAbsurdNestingExitTwo() throws Exception {
    Path dir = Files.createTempDirectory("yaml-bombs");
    StringBuilder laughs = new StringBuilder("name: laughs\nmodels: [llama2-7b]\nbases: [&x0 [1e4,1e4,1e4,1e4,1e4,1e4,1e4,1e4,1e4,1e4]");
    for (int i = 1; i < 12; i++) {
      laughs.append(", &x").append(i).append(" [").append(String.join(",", java.util.Collections.nCopies(10, "*x" + (i - 1))))
          .append("]");
    }
    laughs.append("]\n");
    StringBuilder keyed = new StringBuilder("name: laughs\nx0: &x0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (int i = 1; i < 12; i++) {
      keyed.append("x").append(i).append(": &x").append(i).append(" [")
          .append(String.join(",", java.util.Collections.nCopies(10, "*x" + (i - 1)))).append("]\n");
    }
    keyed.append("models: [llama2-7b]\n");
    String deep = "models: [llama2-7b]\nbases: " + "[".repeat(20000) + "1" + "]".repeat(20000) + "\n";
    String deepMap = "models: [llama2-7b]\nattention: " + "{a: ".repeat(5000) + "1" + "}".repeat(5000) + "\n";
    Path wh = tempWarehouse();
    for (String text : List.of(laughs.toString(), keyed.toString(), deep, deepMap)) {
      Path spec = dir.resolve("bomb-" + text.length() + ".yaml");
      Files.writeString(spec, text);
      String[] r = cli("scaling-laws", "--spec", spec.toString(), "--warehouse", wh.toString());
      assertEquals("2", r[0], r[1]);
      assertTrue(r[1].contains("invalid spec"), r[1]);
      assertTrue(r[1].length() < 10_000, "one short line, not the expansion: " + r[1].length() + " chars");
    }
    assertTrue(!Files.exists(wh.resolve("rope_bounds")), "nothing written");
  }

  /** config.json with NaN, Infinity, huge, negative or string values: exit 2, the field named. */
  @Test
  void hostileConfigJsonExitsTwoNamingTheField() throws Exception {
    Path dir = Files.createTempDirectory("configs");
    Map<String, String> cases = Map.of(
        "\"rope_theta\": NaN", "hf-config",
        "\"rope_theta\": Infinity", "hf-config",
        "\"rope_theta\": -Infinity", "hf-config",
        "\"rope_theta\": 1e400", "pretrain_base",
        "\"rope_theta\": -10000", "pretrain_base",
        "\"head_dim\": -128", "head_dim",
        "\"head_dim\": \"128\"", "head_dim",
        "\"max_position_embeddings\": 99999999999999999999999", "train_len",
        "\"max_position_embeddings\": \"4k\"", "max_position_embeddings");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      Map<String, String> fields = new java.util.LinkedHashMap<>(Map.of("\"head_dim\"", "128",
          "\"max_position_embeddings\"", "4096", "\"rope_theta\"", "10000"));
      String key = c.getKey().substring(0, c.getKey().indexOf(':'));
      fields.put(key, c.getKey().substring(c.getKey().indexOf(':') + 1).trim());
      String json = "{" + fields.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
          .collect(Collectors.joining(", ")) + "}";
      Path f = dir.resolve("config-" + Math.abs(json.hashCode()) + ".json");
      Files.writeString(f, json);
      String[] r = cli("bounds", "--hf-config", f.toString());
      assertEquals("2", r[0], json + " -> " + r[1]);
      assertTrue(r[1].contains("invalid " + c.getValue()), json + " -> " + r[1]);
    }
  }
}
