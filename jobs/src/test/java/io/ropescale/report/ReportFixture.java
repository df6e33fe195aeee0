package io.ropescale.report;

import io.ropescale.attention.BaseSearch;
import io.ropescale.attention.PositionProfile;
import io.ropescale.cli.Main;
import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * A warehouse with every table the report reads, for one run: rope_bounds and runs from a real
 * scaling-laws run; attention_profile, attention_bounds and base_lower_bounds computed with the
 * udfs kernels (what the attention and base-search stages will write), scaling_fits by least
 * squares, and corpus tables from a synthetic corpus (until the corpus stage lands), including
 * document paths that need escaping. Tables documented in TableDocs go through DeltaTables.commit,
 * so their documented types and partitioning are checked.
 */
final class ReportFixture {
  static final String SPEC = """
      name: report-fixture
      models:
        - llama2-7b
        - {name: "%s", head_dim: 128, train_len: 4096, rope_theta: 10000}
      bases: [500, 2608, 10000, 80000, 400000, 1000000]
      tune_lengths: [4096, 16384]
      """.formatted(ReportFixture.EVIL_MODEL.replace("\"", "\\\""));
  /** A model name that must never reach the page unescaped (an injected img would also break the CSP). */
  static final String EVIL_MODEL = "<img src=x onerror=alert(1)> \"m\" & co";
  static final long PROFILE_POSITIONS = 1L << 16;
  static final long[] CONTEXTS = {1024, 2048, 4096, 8192, 16384, 32768};
  static final int GRID = 25;
  static final String EVIL_PATH = "/corpus/\"quoted\" <b>doc</b> & 'more'.txt";

  private ReportFixture() {}

  static void write(SparkSession spark, Path warehouse, String runId) throws Exception {
    Path spec = Files.createTempFile("report-fixture", ".yaml");
    Files.writeString(spec, SPEC);
    if (Main.run("scaling-laws", "--spec", spec.toString(), "--warehouse", warehouse.toString(), "--run-id", runId) != 0) {
      throw new IllegalStateException("scaling-laws failed");
    }
    List<SweepSpec.Configuration> configs = SweepSpec.load(spec).configurations();
    Timestamp now = Timestamp.from(Instant.now());
    String wh = warehouse.toString();

    List<Row> profile = new ArrayList<>();
    List<Row> bounds = new ArrayList<>();
    List<long[]> firstOod = new ArrayList<>();
    for (SweepSpec.Configuration c : configs) {
      RopeConfig rc = c.config();
      double[] theta = RopeTypes.theta(rc);
      double[] a = ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(rc), theta, rc.trainLen(), rc.tuneLen());
      PositionProfile.Result r = new PositionProfile(theta, a).profile(0, PROFILE_POSITIONS);
      for (PositionProfile.Bucket b : r.buckets()) {
        profile.add(RowFactory.create(runId, c.model(), c.configId(), "jvm", b.bucket(), b.start(), b.end(), b.count(),
            b.marginMin(), b.marginMax(), b.marginSum() / b.count(), b.decayMin(), b.decayMax(), b.decaySum() / b.count(),
            b.oodMin(), b.oodMax(), (double) b.oodSum() / b.count(), now));
      }
      BoundsReport br = ScalingLaws.bounds(rc);
      bounds.add(RowFactory.create(runId, c.model(), c.configId(), "jvm", rc.rotaryDim(), rc.tuneLen(), rc.base(),
          rc.scaling().type(), PROFILE_POSITIONS - 1, r.firstNegative() < 0 ? null : r.firstNegative(),
          r.firstOod() < 0 ? null : r.firstOod(), br.extrapolationBound(), br.angleCoverageBound(), now));
      firstOod.add(new long[] {r.firstOod()});
    }
    StructType profileSchema = new StructType().add("run_id", "string").add("model", "string").add("config_id", "string")
        .add("engine", "string").add("bucket", "int").add("position_start", "bigint").add("position_end", "bigint")
        .add("positions", "bigint").add("margin_min", "double").add("margin_max", "double").add("margin_mean", "double")
        .add("decay_min", "double").add("decay_max", "double").add("decay_mean", "double").add("ood_pairs_min", "int")
        .add("ood_pairs_max", "int").add("ood_pairs_mean", "double").add("computed_at", "timestamp");
    StructType boundsSchema = new StructType().add("run_id", "string").add("model", "string").add("config_id", "string")
        .add("engine", "string").add("rotary_dim", "int").add("tune_len", "bigint").add("base", "double")
        .add("rope_type", "string").add("max_position", "bigint").add("first_negative_margin", "bigint")
        .add("first_ood_position", "bigint").add("extrapolation_bound", "double").add("angle_coverage_bound", "double")
        .add("computed_at", "timestamp");

    BaseSearch.Bound[] found = BaseSearch.search(128, CONTEXTS, GRID, 1e9, null);
    List<Row> base = new ArrayList<>();
    double[] x = new double[found.length];
    double[] y = new double[found.length];
    int n = 0;
    for (BaseSearch.Bound b : found) {
      base.add(RowFactory.create(runId, b.context(), 128, GRID, b.k() < 0 ? null : b.k(), b.k() < 0 ? null : b.base(),
          b.kSafe() < 0 ? null : b.kSafe(), b.kSafe() < 0 ? null : b.safeBase(), 1e9, now));
      if (b.k() >= 0) {
        x[n] = Math.log10(b.context());
        y[n++] = Math.log10(b.base());
      }
    }
    StructType baseSchema = new StructType().add("run_id", "string").add("context", "bigint").add("rotary_dim", "int")
        .add("grid_per_decade", "int").add("k", "bigint").add("lower_bound_base", "double").add("k_safe", "bigint")
        .add("safe_base", "double").add("max_base", "double").add("computed_at", "timestamp");
    double[] fit = leastSquares(x, y, n);
    List<Row> fits = List.of(RowFactory.create(runId, "base_lower_bound_vs_context", "rotary_dim=128", fit[0], fit[1],
        fit[2], (long) n, 1.628, Math.log10(0.0424), now));
    StructType fitSchema = new StructType().add("run_id", "string").add("fit", "string").add("group_key", "string")
        .add("slope", "double").add("intercept", "double").add("r2", "double").add("rows", "bigint")
        .add("reference_slope", "double").add("reference_intercept", "double").add("computed_at", "timestamp");

    DeltaTables.commit(spark, wh, runId, List.of(
        new DeltaTables.Write("attention_profile", spark.createDataFrame(profile, profileSchema), "run_id", "model"),
        new DeltaTables.Write("attention_bounds", spark.createDataFrame(bounds, boundsSchema), "run_id", "model"),
        new DeltaTables.Write("base_lower_bounds", spark.createDataFrame(base, baseSchema), "run_id"),
        new DeltaTables.Write("scaling_fits", spark.createDataFrame(fits, fitSchema), "run_id")));
    writeCorpus(spark, wh, runId, configs, firstOod, now);
  }

  /** slope, intercept, r2 of y = intercept + slope x. */
  static double[] leastSquares(double[] x, double[] y, int n) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n; i++) {
      mx += x[i] / n;
      my += y[i] / n;
    }
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int i = 0; i < n; i++) {
      sxy += (x[i] - mx) * (y[i] - my);
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
    }
    double slope = sxy / sxx;
    return new double[] {slope, my - slope * mx, sxy * sxy / (sxx * syy)};
  }

  /** A synthetic corpus of 400 documents with log-normal token lengths (median ~6K tokens). */
  static void writeCorpus(SparkSession spark, String wh, String runId, List<SweepSpec.Configuration> configs,
      List<long[]> firstOod, Timestamp now) {
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
    for (int c = 0; c < configs.size(); c++) {
      RopeConfig rc = configs.get(c).config();
      BoundsReport br = ScalingLaws.bounds(rc);
      double extra = br.unbounded() ? Double.POSITIVE_INFINITY : br.extrapolationBound();
      long ood = firstOod.get(c)[0] < 0 ? Long.MAX_VALUE : firstOod.get(c)[0];
      double inTune = 0;
      double inExtra = 0;
      double noOod = 0;
      for (long l : len) {
        inTune += Math.min(l, rc.tuneLen());
        inExtra += Math.min(l, extra);
        noOod += Math.min(l, ood);
      }
      cov.add(RowFactory.create(runId, "books", configs.get(c).model(), configs.get(c).configId(), "jvm", (long) len.length,
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
