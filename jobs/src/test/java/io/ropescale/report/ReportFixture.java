package io.ropescale.report;

import io.ropescale.cli.Main;
import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A warehouse with every table the report reads, for one run: a real sweep (scaling laws,
 * attention profile, base search, fits) over two models, one of them with a name that must be
 * escaped, plus corpus tables from a synthetic corpus (until the corpus stage lands) with document
 * paths that need escaping.
 */
final class ReportFixture {
  /** A model name that must never reach the page unescaped (an injected img would also break the CSP). */
  static final String EVIL_MODEL = "<img src=x onerror=alert(1)> \"m\" & co";
  static final String EVIL_PATH = "/corpus/\"quoted\" <b>doc</b> & 'more'.txt";
  static final String SPEC = """
      name: report-fixture
      models:
        - llama2-7b
        - {name: "%s", head_dim: 128, train_len: 4096, rope_theta: 10000}
      bases: [500, 2608, 10000, 80000, 400000, 1000000]
      tune_lengths: [4096, 16384]
      attention: {max_position: 65536}
      base_search: {contexts: [1024, 2048, 4096, 8192, 16384, 32768], grid_per_decade: 50, max_base: 1.0e+8}
      """.formatted(EVIL_MODEL.replace("\"", "\\\""));

  private ReportFixture() {}

  /** Runs the sweep (which writes its report), then adds the corpus tables. */
  static void write(SparkSession spark, Path warehouse, String runId) throws Exception {
    Path spec = Files.createTempFile("report-fixture", ".yaml");
    Files.writeString(spec, SPEC);
    if (Main.run("sweep", spec.toString(), "--warehouse", warehouse.toString(), "--run-id", runId) != 0) {
      throw new IllegalStateException("sweep failed");
    }
    Map<String, Long> firstOod = new HashMap<>();
    for (Row r : spark.read().format("delta").load(warehouse.resolve("attention_bounds").toString())
        .where("run_id = '" + runId + "'").select("config_id", "first_ood_position").collectAsList()) {
      firstOod.put(r.getString(0), r.isNullAt(1) ? Long.MAX_VALUE : r.getLong(1));
    }
    writeCorpus(spark, warehouse.toString(), runId, SweepSpec.load(spec).configurations(), firstOod,
        Timestamp.from(Instant.now()));
  }

  /** A synthetic corpus of 400 documents with log-normal token lengths (median ~6K tokens). */
  static void writeCorpus(SparkSession spark, String wh, String runId, List<SweepSpec.Configuration> configs,
      Map<String, Long> firstOod, Timestamp now) {
    Random rnd = new Random(42);
    long[] len = new long[400];
    List<Row> docs = new ArrayList<>();
    for (int i = 0; i < len.length; i++) {
      len[i] = i == 7 ? 250_000 : Math.max(16, Math.round(Math.exp(Math.log(6000) + 1.3 * rnd.nextGaussian())));
      String path = i == 7 ? EVIL_PATH : "/corpus/books/doc-" + i + ".txt";
      docs.add(RowFactory.create(runId, "books", "doc-" + i, path, len[i] * 4, len[i], "whitespace", now));
    }
    StructType docSchema = new StructType().add("run_id", "string").add("corpus", "string").add("doc_id", "string")
        .add("path", "string").add("characters", "bigint").add("tokens", "bigint").add("tokenizer", "string")
        .add("computed_at", "timestamp");
    List<Row> hist = new ArrayList<>();
    for (int e = 4; e < 24; e++) {
      long lo = 1L << e;
      long hi = 1L << (e + 1);
      long count = 0;
      long tokens = 0;
      for (long l : len) {
        if (l >= lo && l < hi) {
          count++;
          tokens += l;
        }
      }
      if (count > 0) {
        hist.add(RowFactory.create(runId, "books", lo, hi, count, tokens, now));
      }
    }
    StructType histSchema = new StructType().add("run_id", "string").add("corpus", "string").add("bucket_start", "bigint")
        .add("bucket_end", "bigint").add("documents", "bigint").add("tokens", "bigint").add("computed_at", "timestamp");
    long total = 0;
    for (long l : len) {
      total += l;
    }
    List<Row> cov = new ArrayList<>();
    for (SweepSpec.Configuration c : configs) {
      RopeConfig rc = c.config();
      BoundsReport br = ScalingLaws.bounds(rc);
      double extra = br.unbounded() ? Double.POSITIVE_INFINITY : br.extrapolationBound();
      long ood = firstOod.getOrDefault(c.configId(), Long.MAX_VALUE);
      double inTune = 0;
      double inExtra = 0;
      double noOod = 0;
      for (long l : len) {
        inTune += Math.min(l, rc.tuneLen());
        inExtra += Math.min(l, extra);
        noOod += Math.min(l, ood);
      }
      cov.add(RowFactory.create(runId, "books", c.model(), c.configId(), "jvm", (long) len.length,
          total, inTune / total, inExtra / total, noOod / total, Math.pow(inExtra / total, 1.5), Math.pow(noOod / total, 2),
          now));
    }
    StructType covSchema = new StructType().add("run_id", "string").add("corpus", "string").add("model", "string")
        .add("config_id", "string").add("engine", "string").add("documents", "bigint").add("tokens", "bigint")
        .add("share_tokens_within_tune_len", "double").add("share_tokens_within_extrapolation_bound", "double")
        .add("share_tokens_without_ood_pairs", "double").add("share_repeats_within_extrapolation_bound", "double")
        .add("share_repeats_discriminated", "double").add("computed_at", "timestamp");
    List<Row> quarantine = List.of(
        RowFactory.create(runId, "books", EVIL_PATH.replace("doc", "broken"), "not UTF-8 <at byte 12>", now),
        RowFactory.create(runId, "books", "/corpus/books/empty.txt", "empty file", now));
    StructType qSchema = new StructType().add("run_id", "string").add("corpus", "string").add("path", "string")
        .add("reason", "string").add("computed_at", "timestamp");
    save(spark, wh, "documents", spark.createDataFrame(docs, docSchema));
    save(spark, wh, "document_length_histogram", spark.createDataFrame(hist, histSchema));
    save(spark, wh, "corpus_coverage", spark.createDataFrame(cov, covSchema));
    save(spark, wh, "quarantine", spark.createDataFrame(quarantine, qSchema));
  }

  /** The corpus tables are not in TableDocs yet (the corpus stage adds them): plain Delta writes. */
  private static void save(SparkSession spark, String wh, String table, Dataset<Row> rows) {
    rows.write().format("delta").mode("overwrite").option("replaceWhere", "run_id = '" + rows.first().getString(0) + "'")
        .partitionBy("run_id").save(DeltaTables.path(wh, table));
  }
}
