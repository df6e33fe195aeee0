package io.ropescale.jobs.corpus;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.Engines;
import io.ropescale.jobs.Progress;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.jobs.TableDocs;
import io.ropescale.jobs.TypedRows;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ropescale corpus-coverage}: per-token attention statistics across a corpus of long
 * documents, for every configuration of a sweep (docs/corpus.md), rolled up per document and per
 * corpus. Reading and BPE tokenization run on the executors, partitioned by document
 * ({@link CorpusScan}); the statistics run in the JVM engine ({@link RepeatStats}, streaming) or the
 * SQL engine ({@link CorpusSql}, built-in operations only, GPU-placeable). Both give identical tables.
 */
public final class CorpusCoverageJob {
  private CorpusCoverageJob() {}

  /** The spec's tokenizer; a tokenizer.json is read on the driver and shipped to the executors. */
  public static TokenEncoder encoder(SparkSession spark, String tokenizer) {
    if (tokenizer.equals(TokenEncoder.CL100K) || tokenizer.equals(TokenEncoder.O200K)) {
      return TokenEncoder.jtokkit(tokenizer);
    }
    byte[] json;
    Path p = new Path(tokenizer);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (InputStream in = fs.open(p)) {
        json = in.readAllBytes();
      }
    } catch (IOException e) {
      throw new RopeInputException("corpus.tokenizer", tokenizer, "cannot be read: " + e.getMessage());
    }
    try {
      return TokenEncoder.huggingFace(p.getName(), json);
    } catch (RuntimeException | LinkageError e) {
      throw new RopeInputException("corpus.tokenizer", tokenizer,
          "is not a tokenizer.json that Hugging Face tokenizers (DJL) can load: " + e);
    }
  }

  /** The stage's table writes for one run. */
  public static List<DeltaTables.Write> writes(SparkSession spark, SweepSpec spec, CorpusSpec corpus, String runId) {
    CorpusConfigs cc = new CorpusConfigs(spec.configurations());
    TokenEncoder enc = encoder(spark, corpus.tokenizer());
    if (spark.sparkContext().isLocal()) {
      preload(enc);
    }
    CorpusInputs.Listing listing = CorpusInputs.list(corpus, spark.sparkContext().hadoopConfiguration());
    CorpusEngine engine = Engines.choose(spark, corpus.engine(), CorpusEngine.JVM, CorpusEngine.SQL);
    Progress.info("corpus-coverage: corpus " + corpus.name() + ": " + listing.items().size() + " files/entries, "
        + listing.parquet().size() + " Parquet files, " + listing.delta().size() + " Delta tables; "
        + cc.configs.size() + " configurations; tokenizer " + enc.name + "; engine " + engine.name());
    CorpusScan.Options o = new CorpusScan.Options(enc, cc, engine.countsInScan(), !engine.countsInScan(),
        corpus.tokenDetailSample(), corpus.textField(), CorpusInputs.confMap(spark.sparkContext().hadoopConfiguration()),
        CorpusScan.WINDOW);
    Dataset<Row> scan = spark.createDataFrame(scanRows(spark, listing, corpus, o), CorpusScan.SCHEMA)
        .persist(StorageLevel.MEMORY_AND_DISK());
    long t0 = System.nanoTime();
    Progress.track(spark, "corpus-coverage: read + tokenize", scan::count);
    Row total = scan.agg(count(col("doc")), sum(col("doc.tokens")), count(col("quarantined"))).first();
    long docCount = total.getLong(0);
    Progress.info(String.format("corpus-coverage: read and tokenized %d documents, %s tokens (%d quarantined) in %.1f s",
        docCount, total.get(1), total.getLong(2), (System.nanoTime() - t0) / 1e9));
    Dataset<Row> docs = CorpusScan.rows(scan, "doc");
    Dataset<Row> quarantined = CorpusScan.rows(scan, "quarantined");

    Column run = lit(runId).as("run_id");
    Column corpusName = lit(corpus.name()).as("corpus");
    Column now = current_timestamp().as("computed_at");
    Dataset<Row> documents = docs.select(run, corpusName, col("doc_id"), col("path"), col("characters"), col("tokens"),
        lit(enc.name).as("tokenizer"), now);
    Dataset<Row> quarantine = quarantined.select(run, corpusName, col("path"), col("reason"), now);

    Dataset<Row> configs = CorpusSql.configs(spark, cc);
    // a document can fail after its first windows (invalid UTF-8, a NUL): its chunks go with it
    Dataset<Row> chunks = CorpusScan.rows(scan, "chunk").join(docs.select("doc_key"), CorpusSql.seq(List.of("doc_key")),
        "left_semi");
    Dataset<Row> sampledKeys = corpus.tokenDetailSample() > 0 ? docs.where(col("sampled")).select("doc_key") : null;
    CorpusEngine.Counts counts = engine.counts(spark, cc, CorpusScan.rows(scan, "coverage"), chunks, sampledKeys, true);
    Dataset<Row> coverage = counts.coverage()
        .join(docs.select("doc_key", "doc_id", "path"), "doc_key")
        .join(broadcast(configs.select("config_index", "model", "config_id")), "config_index")
        .select(run, corpusName, col("doc_id"), col("path"), col("model"), col("config_id"),
            lit(engine.name()).as("engine"),
            col("tokens"), col("tokens_beyond_tune_len"), col("tokens_beyond_extrapolation_bound"),
            col("tokens_with_ood_pairs"), col("repeats"), col("repeats_beyond_extrapolation_bound"),
            col("undiscriminated_repeats"), col("ngram_repeats"), col("undiscriminated_ngram_repeats"),
            col("repeat_distance_p50"), col("repeat_distance_p90"), col("repeat_distance_p99"),
            col("repeat_distance_max"), now);

    // per-document tables are small (one row per document and configuration): few output files,
    // so each Delta commit stays cheap; roughly 200K rows per file
    int docFiles = (int) Math.max(1, Math.min(64, docCount / 200_000));
    int covFiles = (int) Math.max(1, Math.min(64, docCount * cc.configs.size() / 200_000));
    List<DeltaTables.Write> writes = new ArrayList<>();
    writes.add(new DeltaTables.Write(TableDocs.DOCUMENTS, documents.coalesce(docFiles)));
    writes.add(new DeltaTables.Write(TableDocs.DOCUMENT_COVERAGE, coverage.coalesce(covFiles)));
    writes.add(new DeltaTables.Write(TableDocs.CORPUS_COVERAGE, corpusCoverage(coverage).coalesce(1)));
    writes.add(new DeltaTables.Write(TableDocs.DOCUMENT_LENGTH_HISTOGRAM, histogram(docs, run, corpusName, now).coalesce(1)));
    writes.add(new DeltaTables.Write(TableDocs.QUARANTINE, quarantine.coalesce(1)));
    if (sampledKeys != null) {
      Dataset<Row> ts = CorpusSql.tokenStats(counts.sampledRepeats(), configs, counts.sampledMargins(),
              CorpusSql.oodSteps(spark, cc))
          .join(docs.select("doc_key", "doc_id"), "doc_key")
          .join(broadcast(configs.select("config_index", "model", "config_id")), "config_index")
          .select(run, corpusName, col("doc_id"), col("model"), col("config_id"), col("position"), col("token_id"),
              col("repeat_distance"), col("ngram_repeat_distance"), col("margin_at_repeat"), col("undiscriminated"),
              col("beyond_extrapolation_bound"), col("ood_pairs"), now);
      writes.add(new DeltaTables.Write(TableDocs.TOKEN_STATS, ts));
    }
    return writes;
  }

  /**
   * Local mode: the executors share this JVM, so the tokenizer's tables (cl100k_base: 100K ranks,
   * about a second to load cold) load on a background thread while the driver lists the corpus and
   * plans the scan, instead of on the first task. Executors wait for the same cached instance.
   */
  private static void preload(TokenEncoder enc) {
    Thread t = new Thread(() -> {
      try {
        enc.encode("preload");
      } catch (RuntimeException | LinkageError e) {
        // the tasks load it again and report the failure
      }
    }, "ropescale-tokenizer-preload");
    t.setDaemon(true);
    t.start();
  }

  /** The scan's rows: text-like items spread over partitions by size, plus Parquet/Delta rows. */
  private static JavaRDD<Row> scanRows(SparkSession spark, CorpusInputs.Listing listing, CorpusSpec corpus,
      CorpusScan.Options o) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows = jsc.emptyRDD();
    if (!listing.items().isEmpty()) {
      int bins = Math.max(1, Math.min(listing.items().size(), spark.sparkContext().defaultParallelism() * 4));
      List<List<CorpusInputs.Item>> groups = new ArrayList<>();
      for (List<CorpusInputs.Item> g : CorpusInputs.balance(listing.items(), bins)) {
        groups.add(new ArrayList<>(g));
      }
      rows = jsc.parallelize(groups, groups.size()).mapPartitions(it -> {
        List<CorpusInputs.Item> flat = new ArrayList<>();
        it.forEachRemaining(flat::addAll);
        return CorpusScan.scan(flat.iterator(), o);
      });
    }
    List<Dataset<Row>> tables = new ArrayList<>();
    if (!listing.parquet().isEmpty()) {
      tables.add(textColumn(readTable(spark, "parquet", listing.parquet()), corpus)
          .select(input_file_name().as("p"), col("t")));
    }
    for (String d : listing.delta()) {
      tables.add(textColumn(readTable(spark, "delta", List.of(d)), corpus).select(lit(d).as("p"), col("t")));
    }
    for (Dataset<Row> t : tables) {
      JavaRDD<Row> r = t.javaRDD().mapPartitionsWithIndex((part, it) -> {
        Iterator<String[]> docs = new Iterator<>() {
          long i;

          @Override
          public boolean hasNext() {
            return it.hasNext();
          }

          @Override
          public String[] next() {
            Row row = it.next();
            String path = row.getString(0);
            return new String[] {path + "#" + part + ":" + (i++), path, row.isNullAt(1) ? null : row.getString(1)};
          }
        };
        return CorpusScan.scanTexts(docs, o);
      }, false);
      rows = rows.union(r);
    }
    return rows;
  }

  /** A Parquet or Delta input; one that Spark cannot read is bad input (exit 2), found before any write. */
  private static Dataset<Row> readTable(SparkSession spark, String format, List<String> paths) {
    try {
      Dataset<Row> df = spark.read().format(format).load(paths.toArray(new String[0]));
      df.schema(); // resolves the schema now (reads Parquet footers / the Delta log)
      return df;
    } catch (Exception e) { // AnalysisException, SparkException: Scala throws them undeclared
      if (e instanceof RopeInputException r) {
        throw r;
      }
      String m = String.valueOf(e.getMessage()).split("\n")[0];
      throw new RopeInputException("corpus.paths", paths.size() == 1 ? paths.get(0) : paths,
          "cannot be read as " + format + ": " + (m.length() > 300 ? m.substring(0, 300) + "..." : m));
    }
  }

  private static Dataset<Row> textColumn(Dataset<Row> df, CorpusSpec corpus) {
    if (!Arrays.asList(df.columns()).contains(corpus.textField())) {
      throw new RopeInputException("corpus.text_field", corpus.textField(),
          "is not a column of the table; columns: " + Arrays.toString(df.columns()));
    }
    return df.select(col(corpus.textField()).cast(DataTypes.StringType).as("t"));
  }

  /** corpus_coverage: sums over documents, shares as (total - beyond) / total. */
  static Dataset<Row> corpusCoverage(Dataset<Row> coverage) {
    return coverage.groupBy("run_id", "corpus", "model", "config_id", "engine").agg(
            count(lit(1)).as("documents"),
            sum("tokens").as("tokens"),
            sum("tokens_beyond_tune_len").as("bt"),
            sum("tokens_beyond_extrapolation_bound").as("be"),
            sum("tokens_with_ood_pairs").as("bo"),
            sum("repeats").as("repeats"),
            sum("repeats_beyond_extrapolation_bound").as("rb"),
            sum("undiscriminated_repeats").as("ru"),
            sum("ngram_repeats").as("ngram_repeats"),
            sum("undiscriminated_ngram_repeats").as("gu"))
        .select(col("run_id"), col("corpus"), col("model"), col("config_id"), col("engine"), col("documents"),
            col("tokens"),
            share(col("tokens"), col("bt")).as("share_tokens_within_tune_len"),
            share(col("tokens"), col("be")).as("share_tokens_within_extrapolation_bound"),
            share(col("tokens"), col("bo")).as("share_tokens_without_ood_pairs"),
            share(col("repeats"), col("rb")).as("share_repeats_within_extrapolation_bound"),
            share(col("repeats"), col("ru")).as("share_repeats_discriminated"),
            col("repeats"), col("ngram_repeats"),
            share(col("ngram_repeats"), col("gu")).as("share_ngram_repeats_discriminated"),
            current_timestamp().as("computed_at"));
  }

  private static Column share(Column total, Column beyond) {
    return when(total.gt(0), total.minus(beyond).cast(DataTypes.DoubleType).divide(total.cast(DataTypes.DoubleType)));
  }

  /** Documents per power-of-two length bucket [2^k, 2^(k+1)) of tokens. */
  static Dataset<Row> histogram(Dataset<Row> valid, Column run, Column corpusName, Column now) {
    Column k0 = floor(log(2.0, col("tokens"))).cast(DataTypes.IntegerType);
    Column k = k0.plus(when(pow(lit(2.0), k0.plus(1)).leq(col("tokens")), 1).otherwise(0))
        .minus(when(pow(lit(2.0), k0).gt(col("tokens")), 1).otherwise(0));
    return valid.withColumn("k", k).groupBy("k").agg(count(lit(1)).as("documents"), sum("tokens").as("tokens"))
        .select(run, corpusName, pow(lit(2.0), col("k")).cast(DataTypes.LongType).as("bucket_start"),
            pow(lit(2.0), col("k").plus(1)).cast(DataTypes.LongType).as("bucket_end"), col("documents"),
            col("tokens"), now);
  }

  /**
   * An engine's document_coverage plan over a tiny in-memory input (two documents of token ids,
   * two configurations), for {@code explain-gpu}: everything after tokenization.
   */
  public static Dataset<Row> planForExplain(SparkSession spark, CorpusEngine engine) {
    List<Configuration> sweep = new ArrayList<>();
    for (double b : new double[] {10000, 1e6}) {
      RopeConfig c = RopeConfig.baseChange(128, 4096, 10000, 4096, b);
      sweep.add(new Configuration("llama2-7b", SweepSpec.configId("llama2-7b", c), c));
    }
    CorpusConfigs cc = new CorpusConfigs(sweep);
    TypedRows chunk = CorpusScan.CHUNK;
    List<Row> rows = List.of(
        chunk.row().set("doc_key", "a").set("sampled", false).set("chunk_start", 0L)
            .set("token_ids", new int[] {1, 2, 3, 4, 1, 2, 3, 4, 5}).build(),
        chunk.row().set("doc_key", "a").set("sampled", false).set("chunk_start", 9L)
            .set("token_ids", new int[] {1, 2, 3, 4}).build(),
        chunk.row().set("doc_key", "b").set("sampled", false).set("chunk_start", 0L)
            .set("token_ids", new int[] {7, 7, 7, 8, 9}).build());
    Dataset<Row> coverage = engine.counts(spark, cc, CorpusScan.COVERAGE.frame(spark, List.of()),
        chunk.frame(spark, rows), null, false).coverage();
    Dataset<Row> configs = CorpusSql.configs(spark, cc);
    return coverage.join(broadcast(configs.select("config_index", "model", "config_id")), "config_index");
  }
}
