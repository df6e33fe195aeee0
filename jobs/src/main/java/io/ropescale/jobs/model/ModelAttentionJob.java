package io.ropescale.jobs.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ropescale.attention.MarginKernel;
import io.ropescale.attention.PositionBuckets;
import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.Progress;
import io.ropescale.jobs.TableDocs;
import io.ropescale.jobs.corpus.CorpusInputs;
import io.ropescale.jobs.corpus.CorpusScan;
import io.ropescale.model.BucketMeans;
import io.ropescale.model.ControlWindows;
import io.ropescale.model.ForwardResult;
import io.ropescale.model.Intervals;
import io.ropescale.model.LlamaConfig;
import io.ropescale.model.MeasuredBound;
import io.ropescale.model.QkCorrelation;
import io.ropescale.model.InferenceVariant;
import io.ropescale.model.StatsRequest;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.ScalingLaws;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code ropescale model-attention}: a real llama-architecture model (GGUF) reads long documents
 * under several RoPE variants; per token it records the loss, and per recorded layer the attention
 * entropy and far mass. Spark tasks are (document, variant) forward passes, plus the native
 * model's sliding-window control passes ({@link ControlWindows}); everything after the passes is
 * per-document core statistics and Spark SQL aggregation (docs/model-attention.md).
 */
public final class ModelAttentionJob {
  public static final String TOKENS = TableDocs.MODEL_TOKEN_STATS.name();
  public static final String PROFILE = TableDocs.MODEL_POSITION_PROFILE.name();
  public static final String BOUNDS = TableDocs.MODEL_MEASURED_BOUNDS.name();
  public static final String QK = TableDocs.MODEL_QK_CORRELATION.name();
  public static final String LOGITS = TableDocs.MODEL_LOGIT_PROFILE.name();
  /** Positions searched for Men et al.'s first negative B(m) (the margin kernel's scan limit). */
  static final long MARGIN_LIMIT = 1L << 24;

  private ModelAttentionJob() {}

  /** What every task needs besides its own tokens. */
  static final class Model implements Serializable {
    String location;
    String sha;
    Map<String, String> hadoop;
    int threads;
    int[] layers;
    int farDistance;
    int heads;
    int kvHeads;
    int headDim;

    Model() {}
  }

  /** One forward pass: a variant over a whole document, or a control window (window >= 1) of it. */
  static final class Task implements Serializable {
    int doc;
    String docKey;
    int[] tokens;
    String variant;
    int window;
    double[] invFreq;
    double attentionFactor;
    boolean qk;

    Task() {}
  }

  /** A pass's results; q/k correlation sums per recorded layer for the native pass. */
  static final class Pass implements Serializable {
    int doc;
    String docKey;
    String variant;
    int window;
    int[] tokens;
    double[] nll;
    double[][] entropy;
    double[][] far;
    double[][] qkRe;
    double[][] qkIm;
    long[] qkPairs;
    int qkBuckets;

    Pass() {}
  }

  static Pass run(Task t, Model m) {
    long t0 = System.nanoTime();
    boolean stats = t.window == 0;
    StatsRequest req = stats ? new StatsRequest(m.layers, m.farDistance, t.qk) : StatsRequest.none();
    ForwardResult r = ModelRuntime.forward(ModelRuntime.weights(m.location, m.sha, m.hadoop), m.threads, t.tokens,
        t.invFreq, t.attentionFactor, req);
    Pass p = new Pass();
    p.doc = t.doc;
    p.docKey = t.docKey;
    p.variant = t.variant;
    p.window = t.window;
    p.nll = r.nll();
    if (stats) {
      p.tokens = t.tokens;
      p.entropy = r.entropy();
      p.far = r.farMass();
    }
    if (t.qk) {
      int n = t.tokens.length;
      int layers = m.layers.length;
      p.qkRe = new double[layers][];
      p.qkIm = new double[layers][];
      for (int l = 0; l < layers; l++) {
        float[][] q = r.preRopeQ()[l];
        float[][] k = r.preRopeK()[l];
        int hd = m.headDim;
        QkCorrelation.Sums s = QkCorrelation.of((tt, h, e) -> q[tt][h * hd + e], (tt, h, e) -> k[tt][h * hd + e], n,
            m.heads, m.kvHeads, hd, n - 1);
        p.qkRe[l] = s.re();
        p.qkIm[l] = s.im();
        p.qkPairs = s.count();
        p.qkBuckets = s.buckets();
      }
    }
    Progress.info(String.format("model-attention: document %d, %s%s: %d tokens in %.1f s", t.doc, t.variant,
        t.window > 0 ? " control window " + t.window : "", t.tokens.length, (System.nanoTime() - t0) / 1e9));
    return p;
  }

  /** The tables of one run, computed (and persisted) before anything is written. */
  public record Result(Dataset<Row> tokens, Dataset<Row> profile, Dataset<Row> bounds, Dataset<Row> qk,
      Dataset<Row> logits) {}

  public static Result compute(SparkSession spark, ModelAttentionSettings s) {
    Map<String, String> hadoop = CorpusInputs.confMap(spark.sparkContext().hadoopConfiguration());
    Path local = ModelRuntime.local(s.gguf(), hadoop);
    ModelRuntime.Header header = ModelRuntime.header(local);
    LlamaConfig c = header.config();
    int[] layers = s.layers() != null ? s.layers() : defaultLayers(c.layers());
    for (int l : layers) {
      if (l >= c.layers()) {
        throw new RopeInputException("spec.model_attention.layers", l, "no such layer (the model has " + c.layers() + ")");
      }
    }
    int trainLen = c.contextLength();
    if (trainLen % 2 != 0) {
      throw new RopeInputException("gguf llama.context_length", trainLen, "must be even (control windows stride T/2)");
    }
    List<ModelDocuments.Doc> docs = ModelDocuments.select(spark, s.corpus(), header.tokenizer(), s.documents(),
        s.minTokens(), s.maxTokens());
    Model m = new Model();
    m.location = s.gguf();
    m.sha = ModelRuntime.sha256(local);
    m.hadoop = hadoop;
    m.layers = layers;
    m.farDistance = s.farDistance() != null ? s.farDistance() : trainLen / 2;
    m.heads = c.heads();
    m.kvHeads = c.kvHeads();
    m.headDim = c.headDim();

    List<Task> tasks = new ArrayList<>();
    for (ModelDocuments.Doc d : docs) {
      for (InferenceVariant v : s.variants()) {
        Task t = task(d, v.label(), 0, d.tokens);
        io.ropescale.rope.RopeFrequencies f = v.frequencies(c.rotaryDim(), trainLen, c.ropeBase(), d.tokens.length);
        t.invFreq = f.inverseFrequencies();
        t.attentionFactor = f.attentionFactor();
        t.qk = v.isNative() && s.qkCorrelation();
        tasks.add(t);
      }
      for (int k = 1; k < ControlWindows.windows(d.tokens.length, trainLen); k++) {
        Task t = task(d, InferenceVariant.NATIVE.label(), k, Arrays.copyOfRange(d.tokens, ControlWindows.start(k, trainLen),
            ControlWindows.end(k, d.tokens.length, trainLen)));
        t.invFreq = c.nativeInvFreq();
        t.attentionFactor = 1.0;
        tasks.add(t);
      }
    }
    tasks.sort(Comparator.comparingInt((Task t) -> -t.tokens.length));
    int slots = Math.max(1, Math.min(tasks.size(), spark.sparkContext().defaultParallelism()));
    m.threads = s.threads() != null ? s.threads() : Math.max(1, Runtime.getRuntime().availableProcessors() / slots);
    Progress.info(String.format("model-attention: %s (%d layers, d=%d, T_train=%d), %d documents x %d variants"
            + " + %d control windows = %d forward passes, %d threads each; layers %s", s.name(), c.layers(),
        c.headDim(), trainLen, docs.size(), s.variants().size(), tasks.size() - docs.size() * s.variants().size(),
        tasks.size(), m.threads, Arrays.toString(layers)));

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Model> model = jsc.broadcast(m);
    JavaRDD<Pass> passes = jsc.parallelize(tasks, tasks.size()).map(t -> run(t, model.value()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Progress.track(spark, "model-attention", passes::count);

    String name = s.name();
    Dataset<Row> qk = s.qkCorrelation() ? qkTable(spark, passes, name, c.headDim(), layers)
        .persist(StorageLevel.MEMORY_AND_DISK()) : null;
    int recorded = layers.length;
    int smoothing = s.smoothing(); // closures capture plain values, never the (non-serializable) settings
    JavaRDD<DocResult> perDoc = passes
        .mapToPair(p -> new Tuple2<>(p.doc, stripQk(p)))
        .groupByKey()
        .map(g -> DocResult.of(g._2(), trainLen, recorded, smoothing))
        .persist(StorageLevel.MEMORY_AND_DISK());
    double sample = s.tokenDetailSample();
    Dataset<Row> tokens = spark.createDataFrame(perDoc.flatMap(d -> d.tokenRows(name, layers, sample).iterator()),
        TOKEN_SCHEMA).withColumn("computed_at", current_timestamp());
    Dataset<Row> tq = tQuantiles(spark, docs.size());
    Dataset<Row> profile = profile(spark.createDataFrame(perDoc.flatMap(d -> d.bucketRows(layers).iterator()),
        BUCKET_SCHEMA), tq, name);
    Dataset<Row> curves = spark.createDataFrame(perDoc.flatMap(d -> d.curveRows().iterator()), CURVE_SCHEMA);
    Dataset<Row> bounds = bounds(spark, curves, tq, s, c, name, docs.size());
    Dataset<Row> logits = qk != null && !s.bases().isEmpty() ? logitProfile(spark, qk, s.bases(), c.headDim()) : null;
    return new Result(tokens, profile, bounds, qk, logits);
  }

  static int[] defaultLayers(int layers) {
    return Arrays.stream(new int[] {0, layers / 2, layers - 1}).distinct().toArray();
  }

  private static Task task(ModelDocuments.Doc d, String variant, int window, int[] tokens) {
    Task t = new Task();
    t.doc = d.index;
    t.docKey = d.key;
    t.variant = variant;
    t.window = window;
    t.tokens = tokens;
    return t;
  }

  private static Pass stripQk(Pass p) {
    if (p.qkRe == null) {
      return p;
    }
    Pass q = new Pass();
    q.doc = p.doc;
    q.docKey = p.docKey;
    q.variant = p.variant;
    q.window = p.window;
    q.tokens = p.tokens;
    q.nll = p.nll;
    q.entropy = p.entropy;
    q.far = p.far;
    return q;
  }

  /** One document's merged statistics: per variant nll, control, excess, entropy and far mass per layer. */
  static final class DocResult implements Serializable {
    int doc;
    String docKey;
    int[] tokens;
    String[] variants;
    double[][] nll;
    double[][] excess;
    double[] control;
    double[][][] entropy;
    double[][][] far;
    double[][][] curve; // per variant: smoothed excess and its single-document half-width

    DocResult() {}

    static DocResult of(Iterable<Pass> passes, int trainLen, int layers, int smoothing) {
      List<Pass> variants = new ArrayList<>();
      Map<Integer, double[]> windows = new HashMap<>();
      Pass nat = null;
      for (Pass p : passes) {
        if (p.window > 0) {
          windows.put(p.window, p.nll);
        } else {
          variants.add(p);
          if (p.variant.equals(InferenceVariant.NATIVE.label())) {
            nat = p;
          }
        }
      }
      if (nat == null) {
        throw new IllegalStateException("document without its native pass");
      }
      variants.sort(Comparator.comparing((Pass p) -> !p.variant.equals("native")).thenComparing(p -> p.variant));
      DocResult d = new DocResult();
      d.doc = nat.doc;
      d.docKey = nat.docKey;
      d.tokens = nat.tokens;
      d.control = ControlWindows.merge(nat.nll, windows, trainLen);
      int v = variants.size();
      d.variants = new String[v];
      d.nll = new double[v][];
      d.excess = new double[v][];
      d.entropy = new double[v][][];
      d.far = new double[v][][];
      d.curve = new double[v][][];
      for (int i = 0; i < v; i++) {
        Pass p = variants.get(i);
        d.variants[i] = p.variant;
        d.nll[i] = p.nll;
        d.excess[i] = ControlWindows.excess(p.nll, d.control);
        d.entropy[i] = p.entropy;
        d.far[i] = p.far;
        d.curve[i] = MeasuredBound.smooth(d.excess[i], smoothing);
      }
      return d;
    }

    List<Row> tokenRows(String model, int[] layers, double sample) {
      List<Row> out = new ArrayList<>();
      if (!CorpusScan.sampled(docKey, sample)) {
        return out;
      }
      // arrays, not java.util.List: Spark's Row encoder takes Seq or Java arrays
      for (int i = 0; i < variants.length; i++) {
        for (int t = 0; t < tokens.length; t++) {
          double[] e = new double[layers.length];
          double[] f = new double[layers.length];
          for (int l = 0; l < layers.length; l++) {
            e[l] = entropy[i][l][t];
            f[l] = far[i][l][t];
          }
          out.add(RowFactory.create(model, variants[i], docKey, (long) t, tokens[t], nullIfNaN(nll[i][t]),
              nullIfNaN(control[t]), nullIfNaN(excess[i][t]), layers.clone(), e, f));
        }
      }
      return out;
    }

    List<Row> bucketRows(int[] layers) {
      List<Row> out = new ArrayList<>();
      BucketMeans c = BucketMeans.of(control);
      for (int i = 0; i < variants.length; i++) {
        BucketMeans n = BucketMeans.of(nll[i]);
        BucketMeans x = BucketMeans.of(excess[i]);
        for (int l = 0; l < layers.length; l++) {
          BucketMeans e = BucketMeans.of(entropy[i][l]);
          BucketMeans f = BucketMeans.of(far[i][l]);
          for (int b = 0; b < e.buckets(); b++) {
            out.add(RowFactory.create(variants[i], layers[l], docKey, b, e.count(b), nullIfNaN(n.mean(b)),
                nullIfNaN(c.mean(b)), nullIfNaN(x.mean(b)), e.mean(b), f.mean(b)));
          }
        }
      }
      return out;
    }

    List<Row> curveRows() {
      List<Row> out = new ArrayList<>();
      for (int i = 0; i < variants.length; i++) {
        for (int t = 0; t < curve[i][0].length; t++) {
          if (!Double.isNaN(curve[i][0][t])) {
            out.add(RowFactory.create(variants[i], docKey, t, curve[i][0][t], nullIfNaN(curve[i][1][t])));
          }
        }
      }
      return out;
    }
  }

  static Double nullIfNaN(double x) {
    return Double.isNaN(x) ? null : x;
  }

  static final StructType TOKEN_SCHEMA = new StructType()
      .add("model", DataTypes.StringType, false)
      .add("variant", DataTypes.StringType, false)
      .add("document", DataTypes.StringType, false)
      .add("position", DataTypes.LongType, false)
      .add("token_id", DataTypes.IntegerType, false)
      .add("nll", DataTypes.DoubleType, true)
      .add("control_nll", DataTypes.DoubleType, true)
      .add("excess", DataTypes.DoubleType, true)
      .add("layers", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("entropy", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
      .add("far_mass", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  static final StructType BUCKET_SCHEMA = new StructType()
      .add("variant", DataTypes.StringType, false)
      .add("layer", DataTypes.IntegerType, false)
      .add("document", DataTypes.StringType, false)
      .add("bucket", DataTypes.IntegerType, false)
      .add("tokens", DataTypes.LongType, false)
      .add("nll", DataTypes.DoubleType, true)
      .add("control_nll", DataTypes.DoubleType, true)
      .add("excess", DataTypes.DoubleType, true)
      .add("entropy", DataTypes.DoubleType, false)
      .add("far_mass", DataTypes.DoubleType, false);

  static final StructType CURVE_SCHEMA = new StructType()
      .add("variant", DataTypes.StringType, false)
      .add("document", DataTypes.StringType, false)
      .add("position", DataTypes.IntegerType, false)
      .add("excess", DataTypes.DoubleType, false)
      .add("single_half", DataTypes.DoubleType, true);

  /** t_{0.975, documents-1} for every possible document count (built-in join, no UDF). */
  static Dataset<Row> tQuantiles(SparkSession spark, int maxDocuments) {
    List<Row> rows = new ArrayList<>();
    for (long n = 1; n <= Math.max(1, maxDocuments); n++) {
      rows.add(RowFactory.create(n, n < 2 ? null : Intervals.t975(n - 1)));
    }
    return spark.createDataFrame(rows, new StructType().add("documents", DataTypes.LongType, false)
        .add("t975", DataTypes.DoubleType, true));
  }

  private static Column half(String sd) {
    return col("t975").multiply(col(sd)).divide(sqrt(col("documents")));
  }

  /** Per variant x layer x bucket: means over documents (each document weighs the same) and 95% intervals. */
  static Dataset<Row> profile(Dataset<Row> buckets, Dataset<Row> tq, String model) {
    Dataset<Row> g = buckets.groupBy("variant", "layer", "bucket").agg(
        count(lit(1)).as("documents"), sum("tokens").cast("long").as("tokens"),
        avg("nll").as("nll_mean"), avg("control_nll").as("control_nll_mean"),
        avg("excess").as("excess_mean"), stddev_samp("excess").as("excess_sd"),
        avg("entropy").as("entropy_mean"), stddev_samp("entropy").as("entropy_sd"),
        avg("far_mass").as("far_mass_mean"), stddev_samp("far_mass").as("far_mass_sd"));
    return g.join(broadcast(tq), "documents").select(
        lit(model).as("model"), col("variant"), col("layer"), col("bucket"),
        lit(0L).as("position_start"), lit(0L).as("position_end"), col("documents"), col("tokens"),
        col("nll_mean"), col("control_nll_mean"),
        col("excess_mean"), col("excess_mean").minus(half("excess_sd")).as("excess_lower"),
        col("excess_mean").plus(half("excess_sd")).as("excess_upper"),
        col("entropy_mean"), col("entropy_mean").minus(half("entropy_sd")).as("entropy_lower"),
        col("entropy_mean").plus(half("entropy_sd")).as("entropy_upper"),
        col("far_mass_mean"), col("far_mass_mean").minus(half("far_mass_sd")).as("far_mass_lower"),
        col("far_mass_mean").plus(half("far_mass_sd")).as("far_mass_upper"),
        current_timestamp().as("computed_at"))
        .withColumn("position_start", io.ropescale.attention.PositionBucketsSql.bucketStart(col("bucket")))
        .withColumn("position_end", io.ropescale.attention.PositionBucketsSql.bucketStart(col("bucket").plus(1)));
  }

  /** The measured bound of every variant beside the scaling laws' predictions. */
  static Dataset<Row> bounds(SparkSession spark, Dataset<Row> curves, Dataset<Row> tq, ModelAttentionSettings s,
      LlamaConfig c, String model, int documents) {
    List<Row> band = curves.groupBy("variant", "position").agg(count(lit(1)).as("documents"),
            avg("excess").as("mean"), stddev_samp("excess").as("sd"), max("single_half").as("single_half"))
        .join(broadcast(tq), "documents")
        .withColumn("half", when(col("documents").geq(2), half("sd")).otherwise(col("single_half")))
        .select("variant", "position", "mean", "half").orderBy("variant", "position").collectAsList();
    Map<String, List<Row>> byVariant = new LinkedHashMap<>();
    for (Row r : band) {
      byVariant.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
    }
    List<Row> rows = new ArrayList<>();
    for (InferenceVariant v : s.variants()) {
      List<Row> pts = byVariant.getOrDefault(v.label(), List.of());
      int n = pts.isEmpty() ? 0 : pts.get(pts.size() - 1).getInt(1) + 1;
      double[] mean = new double[n];
      double[] lo = new double[n];
      double[] hi = new double[n];
      Arrays.fill(mean, Double.NaN);
      Arrays.fill(lo, Double.NaN);
      Arrays.fill(hi, Double.NaN);
      for (Row r : pts) {
        int t = r.getInt(1);
        mean[t] = r.getDouble(2);
        double h = r.isNullAt(3) ? Double.NaN : r.getDouble(3);
        lo[t] = mean[t] - h;
        hi[t] = mean[t] + h;
      }
      long measured = MeasuredBound.firstSustained(mean, s.excessThreshold());
      long lower = MeasuredBound.firstSustained(hi, s.excessThreshold());
      long upper = MeasuredBound.firstSustained(lo, s.excessThreshold());
      RopeConfig rc = v.config(c.headDim(), c.rotaryDim(), c.contextLength(), c.ropeBase());
      BoundsReport b = ScalingLaws.bounds(rc);
      double[] theta = io.ropescale.rope.RopeTypes.theta(rc);
      long firstNeg = MarginKernel.firstNegative(theta, MARGIN_LIMIT);
      Long m = measured >= 0 ? measured : null;
      rows.add(RowFactory.create(model, v.label(), b.ropeType(),
          Double.isNaN(rc.scaling().factor()) ? null : rc.scaling().factor(), rc.base(), b.effectiveBase(),
          (long) c.contextLength(), (long) documents, (long) n, s.excessThreshold(), s.smoothing(), m != null, m,
          lower >= 0 ? lower : null, upper >= 0 ? upper : null,
          b.extrapolationBound(), b.criticalDim(), b.angleCoverageBound(), firstNeg >= 0 ? firstNeg : null,
          m == null ? null : m / b.extrapolationBound(),
          m == null || b.angleCoverageBound() == null ? null : m / b.angleCoverageBound()));
    }
    return spark.createDataFrame(rows, BOUNDS_SCHEMA).withColumn("computed_at", current_timestamp());
  }

  static final StructType BOUNDS_SCHEMA = new StructType()
      .add("model", DataTypes.StringType, false)
      .add("variant", DataTypes.StringType, false)
      .add("rope_type", DataTypes.StringType, false)
      .add("rope_factor", DataTypes.DoubleType, true)
      .add("base", DataTypes.DoubleType, false)
      .add("effective_base", DataTypes.DoubleType, false)
      .add("train_len", DataTypes.LongType, false)
      .add("documents", DataTypes.LongType, false)
      .add("evaluated_length", DataTypes.LongType, false)
      .add("excess_threshold", DataTypes.DoubleType, false)
      .add("smoothing", DataTypes.IntegerType, false)
      .add("broke", DataTypes.BooleanType, false)
      .add("measured_bound", DataTypes.LongType, true)
      .add("measured_lower", DataTypes.LongType, true)
      .add("measured_upper", DataTypes.LongType, true)
      .add("extrapolation_bound", DataTypes.DoubleType, false)
      .add("critical_dim", DataTypes.IntegerType, false)
      .add("angle_coverage_bound", DataTypes.DoubleType, true)
      .add("first_negative_margin", DataTypes.LongType, true)
      .add("measured_over_extrapolation_bound", DataTypes.DoubleType, true)
      .add("measured_over_coverage_bound", DataTypes.DoubleType, true);

  static final StructType QK_ROWS = new StructType()
      .add("layer", DataTypes.IntegerType, false)
      .add("head", DataTypes.IntegerType, false)
      .add("pair", DataTypes.IntegerType, false)
      .add("bucket", DataTypes.IntegerType, false)
      .add("sum_re", DataTypes.DoubleType, false)
      .add("sum_im", DataTypes.DoubleType, false)
      .add("pairs", DataTypes.LongType, false);

  /** Per layer x head x pair x bucket: C_i(m) = sum / pairs over every document's native pass. */
  static Dataset<Row> qkTable(SparkSession spark, JavaRDD<Pass> passes, String model, int headDim, int[] layers) {
    JavaRDD<Row> rows = passes.filter(p -> p.qkRe != null).flatMap(p -> {
      List<Row> out = new ArrayList<>();
      int pairs = headDim / 2;
      for (int l = 0; l < p.qkRe.length; l++) {
        int heads = p.qkRe[l].length / (pairs * p.qkBuckets);
        for (int h = 0; h < heads; h++) {
          for (int i = 0; i < pairs; i++) {
            for (int b = 0; b < p.qkBuckets; b++) {
              int idx = (h * pairs + i) * p.qkBuckets + b;
              out.add(RowFactory.create(layers[l], h, i, b, p.qkRe[l][idx], p.qkIm[l][idx], p.qkPairs[b]));
            }
          }
        }
      }
      return out.iterator();
    });
    return qkFromSums(spark.createDataFrame(rows, QK_ROWS), model, headDim);
  }

  /** Merges per-document correlation sums into the table's rows: C = sum / pairs. */
  static Dataset<Row> qkFromSums(Dataset<Row> sums, String model, int headDim) {
    return sums.groupBy("layer", "head", "pair", "bucket").agg(count(lit(1)).as("documents"),
            sum("sum_re").as("sum_re"), sum("sum_im").as("sum_im"), sum("pairs").cast("long").as("pairs"))
        .select(lit(model).as("model"), col("layer"), col("head"), col("pair"), col("bucket"),
            io.ropescale.attention.PositionBucketsSql.bucketStart(col("bucket")).as("position_start"),
            io.ropescale.attention.PositionBucketsSql.bucketStart(col("bucket").plus(1)).as("position_end"),
            col("documents"), col("pairs"), col("sum_re").divide(col("pairs")).as("c_re"),
            col("sum_im").divide(col("pairs")).as("c_im"), lit(headDim).as("head_dim"),
            current_timestamp().as("computed_at"));
  }

  /**
   * model_logit_profile with built-in expressions only (RAPIDS-placeable): the correlation joined
   * with a bases x pairs frame, theta_i(b) = b^(-2i/d), L_b(m) = (1/sqrt(d)) sum_i (Re C cos(m theta)
   * - Im C sin(m theta)) grouped by base, layer, head, bucket.
   */
  public static Dataset<Row> logitProfile(SparkSession spark, Dataset<Row> qk, List<Double> bases, int headDim) {
    List<Row> b = new ArrayList<>();
    for (double x : bases) {
      b.add(RowFactory.create(x));
    }
    Dataset<Row> frame = spark.createDataFrame(b, new StructType().add("base", DataTypes.DoubleType, false))
        .crossJoin(spark.range(0, headDim / 2).selectExpr("CAST(id AS INT) AS pair"))
        .withColumn("theta", pow(col("base"), lit(-2.0).multiply(col("pair")).divide(lit((double) headDim))));
    Column phi = col("position_start").cast("double").multiply(col("theta"));
    return qk.select("model", "layer", "head", "pair", "bucket", "position_start", "c_re", "c_im")
        .join(broadcast(frame), "pair")
        .withColumn("term", col("c_re").multiply(cos(phi)).minus(col("c_im").multiply(sin(phi))))
        .groupBy("model", "base", "layer", "head", "bucket", "position_start")
        .agg(sum("term").divide(Math.sqrt(headDim)).as("logit"))
        .withColumn("computed_at", current_timestamp());
  }

  /** Prints the run's measured bounds beside the predictions (after the tables are committed). */
  public static void printSummary(SparkSession spark, String warehouse, String runId) {
    List<Row> rows = DeltaTables.read(spark, warehouse, BOUNDS).where(col("run_id").equalTo(runId))
        .orderBy("model", "variant").collectAsList();
    if (rows.isEmpty()) {
      return;
    }
    Row first = rows.get(0);
    System.out.printf(java.util.Locale.ROOT, "%nMeasured on a real model (%s, %d documents, %d tokens; break = mean excess"
            + " > %.2f nats, smoothed over %d tokens, to the end)%n", first.<String>getAs("model"),
        first.<Long>getAs("documents"), first.<Long>getAs("evaluated_length"), first.<Double>getAs("excess_threshold"),
        first.<Integer>getAs("smoothing"));
    System.out.printf(java.util.Locale.ROOT, "%-18s %9s %17s %9s %8s %9s %8s %10s%n", "variant", "measured", "95% interval",
        "T_extra", "ratio", "coverage", "ratio", "B(m)<0 at");
    for (Row r : rows) {
      System.out.printf(java.util.Locale.ROOT, "%-18s %9s %17s %9.0f %8s %9s %8s %10s%n", r.<String>getAs("variant"),
          r.isNullAt(r.fieldIndex("measured_bound")) ? "none" : r.<Long>getAs("measured_bound"),
          (r.isNullAt(r.fieldIndex("measured_lower")) ? "-" : r.<Long>getAs("measured_lower").toString()) + ".."
              + (r.isNullAt(r.fieldIndex("measured_upper")) ? "-" : r.<Long>getAs("measured_upper").toString()),
          r.<Double>getAs("extrapolation_bound"),
          r.isNullAt(r.fieldIndex("measured_over_extrapolation_bound")) ? "-"
              : String.format(java.util.Locale.ROOT, "%.3f", r.<Double>getAs("measured_over_extrapolation_bound")),
          r.isNullAt(r.fieldIndex("angle_coverage_bound")) ? "unbounded"
              : String.format(java.util.Locale.ROOT, "%.0f", r.<Double>getAs("angle_coverage_bound")),
          r.isNullAt(r.fieldIndex("measured_over_coverage_bound")) ? "-"
              : String.format(java.util.Locale.ROOT, "%.3f", r.<Double>getAs("measured_over_coverage_bound")),
          r.isNullAt(r.fieldIndex("first_negative_margin")) ? "none" : r.<Long>getAs("first_negative_margin"));
    }
  }

  /** The SQL of model_logit_profile over a small driver-built correlation, for explain-gpu. */
  public static Dataset<Row> logitPlanForExplain(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    int headDim = 64;
    for (int h = 0; h < 2; h++) {
      for (int i = 0; i < headDim / 2; i++) {
        for (int b = 0; b < 64; b++) {
          rows.add(RowFactory.create("explain", 0, h, i, b, PositionBuckets.bucketStart(b), Math.cos(b + i), Math.sin(h + b)));
        }
      }
    }
    Dataset<Row> qk = spark.createDataFrame(rows, new StructType()
        .add("model", DataTypes.StringType, false).add("layer", DataTypes.IntegerType, false)
        .add("head", DataTypes.IntegerType, false).add("pair", DataTypes.IntegerType, false)
        .add("bucket", DataTypes.IntegerType, false).add("position_start", DataTypes.LongType, false)
        .add("c_re", DataTypes.DoubleType, false).add("c_im", DataTypes.DoubleType, false));
    return logitProfile(spark, qk, List.of(1e4, 1e5, 1e6), headDim);
  }

  public static List<DeltaTables.Write> writes(SparkSession spark, ModelAttentionSettings s, String runId) {
    Result r = compute(spark, s);
    List<DeltaTables.Write> w = new ArrayList<>();
    w.add(new DeltaTables.Write(TableDocs.MODEL_TOKEN_STATS, TableDocs.MODEL_TOKEN_STATS.stamp(r.tokens(), runId)));
    w.add(new DeltaTables.Write(TableDocs.MODEL_POSITION_PROFILE, TableDocs.MODEL_POSITION_PROFILE.stamp(r.profile(), runId)));
    w.add(new DeltaTables.Write(TableDocs.MODEL_MEASURED_BOUNDS, TableDocs.MODEL_MEASURED_BOUNDS.stamp(r.bounds(), runId)));
    if (r.qk() != null) {
      w.add(new DeltaTables.Write(TableDocs.MODEL_QK_CORRELATION, TableDocs.MODEL_QK_CORRELATION.stamp(r.qk(), runId)));
    }
    if (r.logits() != null) {
      w.add(new DeltaTables.Write(TableDocs.MODEL_LOGIT_PROFILE, TableDocs.MODEL_LOGIT_PROFILE.stamp(r.logits(), runId)));
    }
    return w;
  }
}
