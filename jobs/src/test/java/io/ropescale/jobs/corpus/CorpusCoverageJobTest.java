package io.ropescale.jobs.corpus;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.ropescale.cli.Main;
import io.ropescale.jobs.SparkTestBase;
import io.ropescale.jobs.SweepSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** corpus-coverage on local Spark, read back from Delta. */
class CorpusCoverageJobTest extends SparkTestBase {
  static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  static final String TABLES = "documents,document_coverage,corpus_coverage,document_length_histogram,quarantine";
  /** d = 32, T_train = 64: bounds of a few hundred tokens, so short documents cross them. */
  static final String SPEC = """
      name: corpus-test
      models: [{name: tiny, head_dim: 32, train_len: 64, rope_theta: 10000}]
      bases: [500, 10000, 1000000]
      tune_lengths: [64, 256]
      corpus:
        name: hand
        paths: [docs]
      """;

  /** Hand-built texts: known repeats (a word repeated), code-like lines, prose. */
  static final Map<String, String> HAND = Map.of(
      "repeat.txt", "hello".repeat(1) + " hello".repeat(700),
      "cycle.txt", "alpha beta gamma delta\n".repeat(120),
      "mixed.txt", "The quick brown fox jumps over the lazy dog.\n".repeat(40)
          + "for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }\n".repeat(60),
      "short.txt", "One line only.");

  static Path setUp(String spec, Map<String, String> docs) throws IOException {
    Path dir = Files.createTempDirectory("corpus");
    Files.createDirectories(dir.resolve("docs"));
    for (Map.Entry<String, String> e : docs.entrySet()) {
      Files.writeString(dir.resolve("docs").resolve(e.getKey()), e.getValue());
    }
    Path s = dir.resolve("spec.yaml");
    Files.writeString(s, spec);
    return s;
  }

  static Dataset<Row> table(Path wh, String t) {
    return spark.read().format("delta").load(wh.resolve(t).toString());
  }

  static int run(Path spec, Path wh, String runId, String... more) {
    List<String> args = new ArrayList<>(List.of("corpus-coverage", "--spec", spec.toString(), "--warehouse",
        wh.toString(), "--run-id", runId));
    args.addAll(List.of(more));
    return Main.run(args.toArray(new String[0]));
  }

  @Test
  void handBuiltDocumentsMatchTheReference() throws Exception {
    Path spec = setUp(SPEC, HAND);
    Path wh = tempWarehouse();
    assertEquals(0, run(spec, wh, "h1", "--engine", "jvm"));
    Map<String, Long> first = counts(wh);
    assertEquals(0, run(spec, wh, "h1", "--engine", "jvm")); // a rerun of a run_id replaces its rows
    assertEquals(first, counts(wh));
    List<SweepSpec.Configuration> configs = SweepSpec.load(spec).configurations();
    assertEquals(6, configs.size());
    Map<String, Row> docs = table(wh, "documents").collectAsList().stream()
        .collect(Collectors.toMap(r -> Path.of(r.<String>getAs("path").replace("file:", "")).getFileName().toString(), r -> r));
    assertEquals(HAND.keySet(), docs.keySet());
    for (Map.Entry<String, String> e : HAND.entrySet()) {
      int[] x = CL100K.encodeOrdinary(e.getValue()).toArray();
      Row d = docs.get(e.getKey());
      assertEquals(x.length, d.<Long>getAs("tokens"), e.getKey());
      assertEquals(e.getValue().codePointCount(0, e.getValue().length()), d.<Long>getAs("characters"));
      assertEquals(TokenEncoder.sha(e.getValue()), d.getAs("doc_id"));
      assertEquals("cl100k_base", d.getAs("tokenizer"));
      for (SweepSpec.Configuration c : configs) {
        Reference ref = Reference.of(x, c);
        Row r = table(wh, "document_coverage")
            .where(col("doc_id").equalTo(d.getAs("doc_id")).and(col("config_id").equalTo(c.configId()))).first();
        String at = e.getKey() + " " + c.configId();
        assertEquals(ref.n, r.<Long>getAs("tokens"), at);
        assertEquals(ref.beyondTune, r.<Long>getAs("tokens_beyond_tune_len"), at);
        assertEquals(ref.beyondExtra, r.<Long>getAs("tokens_beyond_extrapolation_bound"), at);
        assertEquals(ref.withOod, r.<Long>getAs("tokens_with_ood_pairs"), at);
        assertEquals(ref.repeats, r.<Long>getAs("repeats"), at);
        assertEquals(ref.repeatsBeyond, r.<Long>getAs("repeats_beyond_extrapolation_bound"), at);
        assertEquals(ref.undiscriminated, r.<Long>getAs("undiscriminated_repeats"), at);
        assertEquals(ref.ngramRepeats, r.<Long>getAs("ngram_repeats"), at);
        assertEquals(ref.ngramUndiscriminated, r.<Long>getAs("undiscriminated_ngram_repeats"), at);
        assertEquals(ref.p50, r.getAs("repeat_distance_p50"), at);
        assertEquals(ref.p90, r.getAs("repeat_distance_p90"), at);
        assertEquals(ref.p99, r.getAs("repeat_distance_p99"), at);
        assertEquals(ref.max, r.getAs("repeat_distance_max"), at);
        assertEquals("jvm", r.getAs("engine"));
      }
    }
    // known exactly: "hello" then 700 x " hello" is 701 tokens, every " hello" after the first at distance 1
    Row rep = table(wh, "document_coverage").where(col("doc_id").equalTo(TokenEncoder.sha(HAND.get("repeat.txt")))
        .and(col("config_id").equalTo("tiny/default/T64/b10000"))).first();
    assertEquals(701L, rep.<Long>getAs("tokens"));
    assertEquals(699L, rep.<Long>getAs("repeats"));
    assertEquals(1L, rep.<Long>getAs("repeat_distance_max"));
    assertEquals(701L - 64, rep.<Long>getAs("tokens_beyond_tune_len"));
    assertEquals(696L, rep.<Long>getAs("ngram_repeats")); // t = 4 .. 700
    // corpus roll-up: sums over the four documents
    long total = docs.values().stream().mapToLong(r -> r.<Long>getAs("tokens")).sum();
    Row corpus = table(wh, "corpus_coverage").where(col("config_id").equalTo("tiny/default/T64/b10000")).first();
    assertEquals(4L, corpus.<Long>getAs("documents"));
    assertEquals(total, corpus.<Long>getAs("tokens"));
    long beyond = docs.values().stream().mapToLong(r -> Math.max(0, r.<Long>getAs("tokens") - 64)).sum();
    assertEquals((total - beyond) / (double) total, corpus.<Double>getAs("share_tokens_within_tune_len"), 1e-12);
    // histogram: power-of-two buckets holding every document once
    List<Row> hist = table(wh, "document_length_histogram").collectAsList();
    assertEquals(4L, hist.stream().mapToLong(r -> r.<Long>getAs("documents")).sum());
    for (Row h : hist) {
      long start = h.getAs("bucket_start");
      assertEquals(2 * start, (long) h.<Long>getAs("bucket_end"));
      assertEquals(Long.bitCount(start), 1);
    }
    assertEquals(0, table(wh, "quarantine").count());
  }

  @Test
  void sampleCorpusInvariants() throws Exception {
    Path wh = tempWarehouse();
    Path spec = setUp("""
        models: [llama2-7b]
        bases: [10000, 1000000]
        tune_lengths: [4096, 16384]
        corpus: {name: sample, paths: [%s]}
        """.formatted(home.resolve("datasets/corpus")), Map.of());
    assertEquals(0, run(spec, wh, "s1"));
    List<Row> docs = table(wh, "documents").collectAsList();
    assertEquals(6, docs.size()); // GPL text, pydoc topics, Arrays.java, 3 zip entries
    boolean over100k = false;
    for (Row d : docs) {
      String text = read(d.getAs("path"));
      assertEquals(CL100K.countTokensOrdinary(text), d.<Long>getAs("tokens").intValue(), (String) d.getAs("path"));
      over100k |= d.<Long>getAs("tokens") > 100_000;
    }
    assertTrue(over100k, "the sample corpus holds a document of more than 100K tokens");
    Map<String, Long> n = docs.stream().collect(Collectors.toMap(r -> r.getAs("doc_id"), r -> r.getAs("tokens")));
    List<Row> cov = table(wh, "document_coverage").collectAsList();
    assertEquals(6 * 4, cov.size());
    for (Row r : cov) {
      SweepSpec.Configuration c = SweepSpec.load(spec).configurations().stream()
          .filter(x -> x.configId().equals(r.getAs("config_id"))).findFirst().orElseThrow();
      long tokens = n.get(r.<String>getAs("doc_id"));
      double tExtra = io.ropescale.rope.ScalingLaws.bounds(c.config()).extrapolationBound();
      assertEquals(Math.max(0, tokens - c.config().tuneLen()), r.<Long>getAs("tokens_beyond_tune_len"));
      assertEquals(Math.max(0, tokens - (long) Math.ceil(tExtra)), r.<Long>getAs("tokens_beyond_extrapolation_bound"));
      assertTrue(r.<Long>getAs("repeats") <= tokens && r.<Long>getAs("undiscriminated_repeats") <= r.<Long>getAs("repeats"));
      assertTrue(r.<Long>getAs("repeat_distance_p50") <= r.<Long>getAs("repeat_distance_p90"));
      assertTrue(r.<Long>getAs("repeat_distance_p99") <= r.<Long>getAs("repeat_distance_max"));
    }
  }

  /** The text of a documents.path (plain, .gz, or zip!/entry). */
  static String read(String path) throws IOException {
    String p = path.replaceFirst("^file:", "");
    if (p.contains("!/")) {
      try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(p.substring(0, p.indexOf("!/")))) {
        return new String(z.getInputStream(z.getEntry(p.substring(p.indexOf("!/") + 2))).readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    try (InputStream in = p.endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(Path.of(p))) : Files.newInputStream(Path.of(p))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void jvmAndSqlEnginesGiveIdenticalTables() throws Exception {
    Map<String, String> docs = new HashMap<>(HAND);
    docs.put("gpl.txt", Files.readString(home.resolve("datasets/corpus/gnu-gpl-3.0.txt")).substring(0, 12000));
    Path spec = setUp(SPEC.replace("bases: [500, 10000, 1000000]", "bases: [500, 1000000]")
        .replace("tune_lengths: [64, 256]", "tune_lengths: [256]"), docs);
    Path jvm = tempWarehouse();
    Path sql = tempWarehouse();
    // the sample hashes the document keys, which hold the random temp folder: pick the fraction
    // nearest 0.6 that samples some documents and leaves out others (a fixed 0.6 sampled none of
    // the five once in about a hundred runs)
    List<String> keys = docs.keySet().stream().map(n -> "file:" + spec.getParent().resolve("docs").resolve(n)).toList();
    double fraction = -1;
    for (int i = 0; i <= 90 && fraction < 0; i++) {
      for (double f : new double[] {0.6 + i / 200.0, 0.6 - i / 200.0}) {
        long in = keys.stream().filter(k -> CorpusScan.sampled(k, f)).count();
        if (fraction < 0 && in > 0 && in < keys.size()) {
          fraction = f;
        }
      }
    }
    assertTrue(fraction > 0, "no fraction splits the sample documents");
    String sample = Double.toString(fraction);
    assertEquals(0, run(spec, jvm, "e", "--engine", "jvm", "--token-detail-sample", sample));
    assertEquals(0, run(spec, sql, "e", "--engine", "sql", "--token-detail-sample", sample));
    for (String t : List.of("documents", "document_coverage", "corpus_coverage", "document_length_histogram", "token_stats")) {
      Dataset<Row> a = table(jvm, t).drop("computed_at", "engine");
      Dataset<Row> b = table(sql, t).drop("computed_at", "engine");
      assertTrue(a.count() > 0, t);
      assertEquals(a.count(), b.count(), t);
      assertEquals(0, a.exceptAll(b).count(), () -> t + " differs between engines; jvm only: "
          + a.exceptAll(b).limit(5).collectAsList() + "; sql only: " + b.exceptAll(a).limit(5).collectAsList());
    }
    assertEquals("sql", table(sql, "document_coverage").first().getAs("engine"));
    assertEquals("jvm", table(jvm, "corpus_coverage").first().getAs("engine"));
    // token_stats: a sample of documents, every token x configuration, consistent with the roll-up
    Dataset<Row> ts = table(sql, "token_stats");
    List<Row> sampled = ts.select("doc_id").distinct().collectAsList();
    // the sample is the documents whose key hashes under the fraction (CorpusScan.sampled), whatever the temp paths
    java.util.Set<String> expected = new java.util.TreeSet<>();
    for (Row d : table(sql, "documents").select("doc_id", "path").collectAsList()) {
      if (CorpusScan.sampled(d.getString(1), fraction)) {
        expected.add(d.getString(0));
      }
    }
    java.util.Set<String> got = new java.util.TreeSet<>();
    sampled.forEach(s -> got.add(s.getString(0)));
    assertEquals(expected, got, "token_stats holds exactly the sampled documents");
    for (Row s : sampled) {
      String id = s.getString(0);
      Row c = table(sql, "document_coverage").where(col("doc_id").equalTo(id)
          .and(col("config_id").equalTo("tiny/default/T256/b1000000"))).first();
      Dataset<Row> one = ts.where(col("doc_id").equalTo(id).and(col("config_id").equalTo("tiny/default/T256/b1000000")));
      assertEquals(c.<Long>getAs("tokens"), one.count());
      assertEquals(c.<Long>getAs("repeats"), one.where(col("repeat_distance").isNotNull()).count());
      assertEquals(c.<Long>getAs("undiscriminated_repeats"), one.where(col("undiscriminated")).count());
      assertEquals(c.<Long>getAs("tokens_with_ood_pairs"), one.where(col("ood_pairs").gt(0)).count());
      assertEquals(c.<Long>getAs("tokens_beyond_extrapolation_bound"), one.where(col("beyond_extrapolation_bound")).count());
      Row first = one.where(col("position").equalTo(0)).first();
      assertNull(first.getAs("repeat_distance"));
      assertEquals(0, (int) first.<Integer>getAs("ood_pairs"));
    }
  }

  @Test
  void badFilesGoToQuarantineAndTheRestProceeds() throws Exception {
    Path spec = setUp(SPEC, Map.of("good.txt", "A good document.\n", "also-good.md", "# Title\n\nMore text."));
    Path dir = spec.getParent().resolve("docs");
    Files.write(dir.resolve("image.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H'});
    Files.write(dir.resolve("latin1.txt"), "caf\u00e9 cr\u00e8me".getBytes(StandardCharsets.ISO_8859_1));
    Files.write(dir.resolve("empty.txt"), new byte[0]);
    Files.writeString(dir.resolve("blank.txt"), " \n\t\n");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("broken.txt.gz")))) {
      o.write("fine so far".getBytes(StandardCharsets.UTF_8));
    }
    byte[] gz = Files.readAllBytes(dir.resolve("broken.txt.gz"));
    Files.write(dir.resolve("broken.txt.gz"), java.util.Arrays.copyOf(gz, gz.length - 6)); // truncated
    Path wh = tempWarehouse();
    assertEquals(0, run(spec, wh, "q"));
    Map<String, String> q = table(wh, "quarantine").collectAsList().stream()
        .collect(Collectors.toMap(r -> Path.of(r.<String>getAs("path").replace("file:", "")).getFileName().toString(),
            r -> r.getAs("reason")));
    assertEquals(5, q.size(), q.toString());
    assertTrue(q.get("image.png").startsWith("binary"), q.toString());
    assertTrue(q.get("latin1.txt").startsWith("invalid UTF-8"), q.toString());
    assertTrue(q.get("empty.txt").startsWith("empty"), q.toString());
    assertTrue(q.get("blank.txt").startsWith("empty"), q.toString());
    assertTrue(q.get("broken.txt.gz").startsWith("unreadable"), q.toString());
    assertEquals(2, table(wh, "documents").count());
    assertEquals(2 * 6, table(wh, "document_coverage").count());
    assertEquals(2L, table(wh, "corpus_coverage").first().<Long>getAs("documents"));
  }

  static Map<String, Long> counts(Path wh) {
    Map<String, Long> m = new HashMap<>();
    for (String t : TABLES.split(",")) {
      m.put(t, Files.exists(wh.resolve(t)) ? table(wh, t).count() : -1L);
    }
    return m;
  }

  @Test
  void badSpecValuesExitTwoAndTouchNoTable() throws Exception {
    Path wh = tempWarehouse();
    Path good = setUp(SPEC, HAND);
    assertEquals(0, run(good, wh, "ok"));
    Map<String, Long> before = counts(wh);
    long v = version(wh, "documents");
    String[] bad = {
        "corpus: {name: x, paths: [docs], format: pdf}",
        "corpus: {name: x, paths: [docs], engine: gpu}",
        "corpus: {name: x, paths: [docs], token_detail_sample: 1.5}",
        "corpus: {name: x, paths: [docs], tokenizer: p50k_base}",
        "corpus: {name: x, paths: [docs], tokenizer: missing/tokenizer.json}",
        "corpus: {name: x, paths: [no-such-dir/*.txt]}",
        "corpus: {name: x}",
        "corpus: {name: 'bad name', paths: [docs]}",
        "corpus: {name: x, paths: [docs], colour: blue}",
        "corpus: [docs]",
    };
    for (String text : bad) {
      Path spec = setUp(SPEC.substring(0, SPEC.indexOf("corpus:")) + text + "\n", HAND);
      assertEquals(2, run(spec, wh, "ok"), text);
    }
    assertEquals(2, run(good, wh, "ok", "--token-detail-sample", "-0.1"));
    assertEquals(2, run(good, wh, "ok", "--engine", "cuda"));
    assertEquals(2, run(good, wh, "ok", "--corpus", "/no/such/place"));
    assertEquals(2, run(good, wh, "ok", "--format", "parquet", "--text-field", "body"));
    assertEquals(v, version(wh, "documents"));
    assertEquals(before, counts(wh));
  }

  @Test
  void readsZipJsonlParquetDeltaAndGzip() throws Exception {
    Path spec = setUp(SPEC, Map.of());
    Path dir = spec.getParent().resolve("docs");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(dir.resolve("pair.zip")))) {
      for (String name : List.of("a.txt", "sub/b.txt")) {
        z.putNextEntry(new ZipEntry(name));
        z.write(("zip entry " + name + "\n").repeat(30).getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    Files.writeString(dir.resolve("lines.jsonl"), "{\"text\": \"first json document\", \"id\": 1}\n\n"
        + "{\"text\": \"second json document\"}\n{\"body\": \"no text field\"}\nnot json\n");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(dir.resolve("packed.txt.gz")))) {
      o.write("gzip text ".repeat(100).getBytes(StandardCharsets.UTF_8));
    }
    Path tables = Files.createTempDirectory("corpus-tables");
    spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("parquet row one"),
            org.apache.spark.sql.RowFactory.create("parquet row two")),
        new org.apache.spark.sql.types.StructType().add("text", "string"))
        .write().parquet(tables.resolve("pq").toString());
    spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("delta row")),
        new org.apache.spark.sql.types.StructType().add("text", "string"))
        .write().format("delta").save(tables.resolve("dl").toString());
    Path wh = tempWarehouse();
    assertEquals(0, run(spec, wh, "f", "--corpus", dir.toString(), "--corpus", tables.resolve("pq") + "/*.parquet",
        "--corpus", tables.resolve("dl").toString()));
    List<String> paths = table(wh, "documents").collectAsList().stream().map(r -> r.<String>getAs("path")).sorted()
        .collect(Collectors.toList());
    assertEquals(8, paths.size(), paths.toString()); // 2 zip entries, 2 json lines, 1 gzip, 2 parquet rows, 1 delta row
    assertTrue(paths.stream().anyMatch(p -> p.endsWith("pair.zip!/sub/b.txt")), paths.toString());
    assertTrue(paths.stream().anyMatch(p -> p.endsWith("lines.jsonl#L3")), paths.toString());
    Row gz = table(wh, "documents").where(col("path").endsWith("packed.txt.gz")).first();
    assertEquals(CL100K.countTokensOrdinary("gzip text ".repeat(100)), gz.<Long>getAs("tokens").intValue());
    Map<String, String> q = table(wh, "quarantine").collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getAs("path"), r -> r.getAs("reason")));
    assertEquals(2, q.size(), q.toString());
    assertTrue(q.keySet().stream().anyMatch(p -> p.endsWith("lines.jsonl#L4")), q.toString());
    assertTrue(q.values().stream().anyMatch(r -> r.startsWith("invalid JSON")), q.toString());
  }

  @Test
  void huggingFaceTokenizerJsonThroughDjl() throws Exception {
    Path spec = setUp(SPEC, Map.of("abc.txt", "abc ab a c\nabc abc"));
    Path tok = spec.getParent().resolve("tokenizer.json");
    try (InputStream in = getClass().getResourceAsStream("/corpus/tiny-bpe-tokenizer.json")) {
      Files.write(tok, in.readAllBytes());
    }
    assertEquals(List.of(5, 4, 1, 3, 5, 5), java.util.Arrays.stream(
        TokenEncoder.huggingFace("t.json", Files.readAllBytes(tok)).encode("abc ab a c\nabc abc")).boxed().toList());
    Path wh = tempWarehouse();
    assertEquals(0, run(spec, wh, "hf", "--tokenizer", tok.toString()));
    Row d = table(wh, "documents").first();
    assertEquals(6L, d.<Long>getAs("tokens"));
    assertEquals("hf:tokenizer.json", d.getAs("tokenizer"));
    Row c = table(wh, "document_coverage").where(col("config_id").equalTo("tiny/default/T64/b10000")).first();
    assertEquals(2L, c.<Long>getAs("repeats")); // abc at 4 (r = 4), abc at 5 (r = 1)
    assertEquals(4L, c.<Long>getAs("repeat_distance_max"));
    Path notJson = spec.getParent().resolve("bad-tokenizer.json");
    Files.writeString(notJson, "{\"model\": 42}");
    assertEquals(2, run(spec, wh, "hf2", "--tokenizer", notJson.toString()));
  }

  @Test
  void sweepRunsTheStageWhenTheSpecNamesACorpus() throws Exception {
    Path spec = setUp(SPEC, HAND);
    Path wh = tempWarehouse();
    assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "sw"));
    assertEquals(6, table(wh, "rope_bounds").count());
    assertEquals(4 * 6, table(wh, "document_coverage").count());
    Row run = table(wh, "runs").first();
    assertEquals(4L, (long) run.<scala.collection.Map<String, Long>>getAs("tables").apply("documents"));
  }

  @Test
  void sqlPlanForExplainUsesOnlyBuiltInExpressions() {
    assertTrue(CorpusEngine.SQL.gpuPlaceable());
    assertFalse(CorpusEngine.JVM.gpuPlaceable());
    Dataset<Row> df = CorpusCoverageJob.planForExplain(spark, CorpusEngine.SQL);
    String plan = df.queryExecution().analyzed().toString() + df.queryExecution().executedPlan();
    assertFalse(plan.contains("UDF"), plan);
    assertFalse(plan.toLowerCase().contains("lambda"), plan);
    assertTrue(plan.contains("Window"), plan);
    List<Row> rows = df.collectAsList();
    assertEquals(2 * 2, rows.size());
    Row a = rows.stream().filter(r -> r.getAs("doc_key").equals("a") && r.<Integer>getAs("config_index") == 0)
        .findFirst().orElseThrow();
    assertEquals(13L, a.<Long>getAs("tokens"));
    // ids 1 2 3 4 1 2 3 4 5 1 2 3 4: repeats at t = 4..7 (r = 4), 9 (r = 5), 10..12 (r = 5)
    assertEquals(8L, a.<Long>getAs("repeats"));
    assertEquals(5L, a.<Long>getAs("repeat_distance_max"));
    assertEquals(2L, a.<Long>getAs("ngram_repeats")); // (1,2,3,4) ending at 7 (r4 = 4) and at 12 (r4 = 5)
    assertEquals(4L, a.<Long>getAs("repeat_distance_p50")); // sorted 4 4 4 4 5 5 5 5: the 4th
    assertNotNull(a.getAs("repeat_distance_p50"));
  }
}
