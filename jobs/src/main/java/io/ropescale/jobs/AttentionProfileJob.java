package io.ropescale.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import io.ropescale.attention.PositionBuckets;
import io.ropescale.attention.PositionProfile;
import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ropescale attention-profile}: per relative position m = 0..max_position of every
 * configuration, the similar-token margin B(m)/(d/2) (Men et al. 2024), the RoFormer decay bound
 * and ood_pairs(m) (DESIGN.md s.3-4), condensed into {@link PositionBuckets} buckets
 * ({@code attention_profile}) and, at full resolution, the first negative margin and first OOD
 * position ({@code attention_bounds}). Two engines produce the same per-bucket partials, which one
 * shared aggregation turns into the tables.
 */
public final class AttentionProfileJob {
  public static final String PROFILE = "attention_profile";
  public static final String BOUNDS = "attention_bounds";
  public static final long DEFAULT_MAX_POSITION = 1L << 20;
  public static final long LIMIT_MAX_POSITION = 1L << 31;
  /** Positions per JVM task: large enough to amortise task overhead, small enough to balance. */
  static final long JVM_CHUNK = 1L << 18;

  /** One bucket's partial statistics, the common currency of both engines. */
  static final StructType PARTIAL = new StructType()
      .add("config_id", DataTypes.StringType, false)
      .add("bucket", DataTypes.IntegerType, false)
      .add("positions", DataTypes.LongType, false)
      .add("margin_min", DataTypes.DoubleType, false)
      .add("margin_max", DataTypes.DoubleType, false)
      .add("margin_sum", DataTypes.DoubleType, false)
      .add("decay_min", DataTypes.DoubleType, false)
      .add("decay_max", DataTypes.DoubleType, false)
      .add("decay_sum", DataTypes.DoubleType, false)
      .add("ood_min", DataTypes.IntegerType, false)
      .add("ood_max", DataTypes.IntegerType, false)
      .add("ood_sum", DataTypes.LongType, false)
      .add("first_negative", DataTypes.LongType, true)
      .add("first_ood", DataTypes.LongType, true);

  private AttentionProfileJob() {}

  /** The {@code attention:} section of a spec: {@code max_position}, {@code engine}. */
  public record Settings(long maxPosition, String engine) {
    public Settings {
      if (maxPosition < 1 || maxPosition > LIMIT_MAX_POSITION) {
        throw new RopeInputException("attention.max_position", maxPosition,
            "must be in [1, 2^31] (positions 0..max_position are evaluated)");
      }
      Engines.validate(engine);
    }

    public static Settings from(SweepSpec spec, Long maxPositionFlag, String engineFlag) {
      JsonNode a = spec.section("attention");
      if (!a.isMissingNode() && !a.isObject()) {
        throw new RopeInputException("spec.attention", a, "must be a mapping with max_position / engine");
      }
      a.fieldNames().forEachRemaining(k -> {
        if (!k.equals("max_position") && !k.equals("engine")) {
          throw new RopeInputException("spec.attention." + k, a.get(k), "unknown key; expected max_position, engine");
        }
      });
      long maxPos = maxPositionFlag != null ? maxPositionFlag
          : a.hasNonNull("max_position") ? integral(a.get("max_position")) : DEFAULT_MAX_POSITION;
      String engine = engineFlag != null ? engineFlag : a.hasNonNull("engine") ? a.get("engine").asText() : "auto";
      return new Settings(maxPos, engine);
    }

    private static long integral(JsonNode n) {
      if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble())) {
        throw new RopeInputException("attention.max_position", n, "must be a whole number of positions");
      }
      return n.asLong();
    }
  }

  /**
   * What a task needs of one configuration: frequencies and angle coverage. (Plain classes, not
   * records: Spark's Kryo serializer cannot write record fields.)
   */
  static final class Rotary implements Serializable {
    final String configId;
    final double[] theta;
    final double[] coverage;

    Rotary(String configId, double[] theta, double[] coverage) {
      this.configId = configId;
      this.theta = theta;
      this.coverage = coverage;
    }

    static Rotary of(Configuration c) {
      RopeConfig rc = c.config();
      double[] theta = RopeTypes.theta(rc);
      double[] coverage = ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(rc), theta, rc.trainLen(), rc.tuneLen());
      return new Rotary(c.configId(), theta, coverage);
    }
  }

  /** One (configuration, position block) unit of JVM work: positions [from, to). */
  static final class Task implements Serializable {
    final Rotary rotary;
    final long from;
    final long to;

    Task(Rotary rotary, long from, long to) {
      this.rotary = rotary;
      this.from = from;
      this.to = to;
    }
  }

  /** JVM engine: (configuration, position block) tasks over the executors, each a PositionProfile. */
  static Dataset<Row> jvmPartials(SparkSession spark, List<Configuration> configs, long maxPosition) {
    List<Task> tasks = new ArrayList<>();
    for (Configuration c : configs) {
      Rotary r = Rotary.of(c);
      for (long from = 0; from <= maxPosition; from += JVM_CHUNK) {
        tasks.add(new Task(r, from, Math.min(maxPosition + 1, from + JVM_CHUNK)));
      }
    }
    int slices = Math.max(1, Math.min(tasks.size(), spark.sparkContext().defaultParallelism() * 4));
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, slices)
        .flatMap(AttentionProfileJob::profileTask);
    return spark.createDataFrame(rows, PARTIAL);
  }

  static Iterator<Row> profileTask(Task t) {
    PositionProfile.Result r = new PositionProfile(t.rotary.theta, t.rotary.coverage).profile(t.from, t.to);
    List<Row> out = new ArrayList<>(r.buckets().size());
    boolean first = true;
    for (PositionProfile.Bucket b : r.buckets()) {
      // the range's first crossings ride on its first bucket row; min() merges them later
      Long neg = first && r.firstNegative() >= 0 ? r.firstNegative() : null;
      Long ood = first && r.firstOod() >= 0 ? r.firstOod() : null;
      first = false;
      out.add(RowFactory.create(t.rotary.configId, b.bucket(), b.count(), b.marginMin(), b.marginMax(),
          b.marginSum(), b.decayMin(), b.decayMax(), b.decaySum(), b.oodMin(), b.oodMax(), b.oodSum(), neg, ood));
    }
    return out.iterator();
  }

  /** Per-pair rows for the SQL engine: theta_n, A_n, and whether the pair is full (A_n >= 2pi). */
  static Dataset<Row> pairRows(SparkSession spark, List<Configuration> configs, long maxPosition) {
    StructType schema = new StructType()
        .add("config_id", DataTypes.StringType, false)
        .add("pair", DataTypes.IntegerType, false)
        .add("half_d", DataTypes.IntegerType, false)
        .add("theta", DataTypes.DoubleType, false)
        .add("coverage", DataTypes.DoubleType, false)
        .add("max_position", DataTypes.LongType, false);
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      Rotary r = Rotary.of(c);
      for (int n = 0; n < r.theta.length; n++) {
        rows.add(RowFactory.create(r.configId, n, r.theta.length, r.theta[n], r.coverage[n], maxPosition));
      }
    }
    return spark.createDataFrame(rows, schema);
  }

  /**
   * SQL engine: positions x pairs with built-in trigonometry, a running window over pairs for the
   * RoFormer prefix sums S_j, and aggregations; no UDF, so RAPIDS can run all of it on GPUs.
   */
  static Dataset<Row> sqlPartials(SparkSession spark, List<Configuration> configs, long maxPosition) {
    Dataset<Row> pairs = pairRows(spark, configs, maxPosition);
    Dataset<Row> positions = spark.range(0, maxPosition + 1).toDF("m");
    Column angle = col("m").multiply(col("theta"));
    WindowSpec prefix = Window.partitionBy("config_id", "m").orderBy("pair")
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Dataset<Row> terms = positions.crossJoin(broadcast(pairs))
        .where(col("m").leq(col("max_position")))
        .withColumn("c", cos(angle))
        .withColumn("s", sin(angle))
        // a pair is OOD at m when its angle passes what training showed it (A_n < 2pi only)
        .withColumn("ood", when(col("coverage").lt(2 * Math.PI).and(angle.gt(col("coverage"))), 1).otherwise(0))
        .withColumn("re", sum("c").over(prefix))
        .withColumn("im", sum("s").over(prefix))
        .withColumn("modulus", sqrt(col("re").multiply(col("re")).plus(col("im").multiply(col("im")))));
    Dataset<Row> perPosition = terms.groupBy("config_id", "m").agg(
        sum("c").divide(max("half_d")).as("margin"),
        sum("modulus").divide(max("half_d")).as("decay"),
        sum("ood").cast("int").as("ood_pairs"));
    return perPosition
        .withColumn("bucket", bucketOf(col("m")))
        .groupBy("config_id", "bucket")
        .agg(count(lit(1)).as("positions"),
            min("margin").as("margin_min"), max("margin").as("margin_max"), sum("margin").as("margin_sum"),
            min("decay").as("decay_min"), max("decay").as("decay_max"), sum("decay").as("decay_sum"),
            min("ood_pairs").as("ood_min"), max("ood_pairs").as("ood_max"), sum("ood_pairs").cast("long").as("ood_sum"),
            min(when(col("margin").lt(0), col("m"))).as("first_negative"),
            min(when(col("ood_pairs").gt(0), col("m"))).as("first_ood"));
  }

  /** Shifts by a column amount (functions.shiftleft only takes a constant). */
  private static Column shiftleft(Column x, Column bits) {
    return call_function("shiftleft", x, bits);
  }

  private static Column shiftright(Column x, Column bits) {
    return call_function("shiftright", x, bits);
  }

  /** PositionBuckets.bucket as exact integer expressions (log2 only seeds the octave, then corrected). */
  static Column bucketOf(Column m) {
    Column e0 = floor(log2(m.cast("double"))).cast("int");
    Column e = e0.plus(when(shiftleft(lit(1L), e0.plus(1)).leq(m), 1).otherwise(0))
        .minus(when(shiftleft(lit(1L), e0).gt(m), 1).otherwise(0));
    Column sub = shiftright(m.minus(shiftleft(lit(1L), e)), e.minus(9));
    return when(m.lt(PositionBuckets.EXACT), m.cast("int"))
        .otherwise(e.minus(PositionBuckets.FIRST_OCTAVE).multiply(PositionBuckets.PER_OCTAVE)
            .plus(PositionBuckets.EXACT).plus(sub).cast("int"));
  }

  /** PositionBuckets.bucketStart as expressions. */
  public static Column bucketStart(Column b) {
    Column rel = b.minus(PositionBuckets.EXACT);
    Column e = floor(rel.divide(PositionBuckets.PER_OCTAVE)).cast("int").plus(PositionBuckets.FIRST_OCTAVE);
    Column sub = rel.mod(PositionBuckets.PER_OCTAVE).cast("long");
    return when(b.lt(PositionBuckets.EXACT), b.cast("long"))
        .otherwise(shiftleft(lit(1L), e).plus(shiftleft(sub, e.minus(9))));
  }

  /** The shared final aggregation: partials (from either engine) -> attention_profile rows. */
  static Dataset<Row> profile(Dataset<Row> partials, Dataset<Row> configs, String engine) {
    return partials.groupBy("config_id", "bucket").agg(
            sum("positions").as("positions"),
            min("margin_min").as("margin_min"), max("margin_max").as("margin_max"),
            sum("margin_sum").as("margin_sum"),
            min("decay_min").as("decay_min"), max("decay_max").as("decay_max"), sum("decay_sum").as("decay_sum"),
            min("ood_min").as("ood_pairs_min"), max("ood_max").as("ood_pairs_max"), sum("ood_sum").as("ood_sum"))
        .join(broadcast(configs.select("config_id", "model")), "config_id")
        .select(col("model"), col("config_id"), lit(engine).as("engine"), col("bucket"),
            bucketStart(col("bucket")).as("position_start"),
            bucketStart(col("bucket").plus(1)).as("position_end"),
            col("positions"),
            col("margin_min"), col("margin_max"), col("margin_sum").divide(col("positions")).as("margin_mean"),
            col("decay_min"), col("decay_max"), col("decay_sum").divide(col("positions")).as("decay_mean"),
            col("ood_pairs_min"), col("ood_pairs_max"),
            col("ood_sum").divide(col("positions")).as("ood_pairs_mean"),
            current_timestamp().as("computed_at"));
  }

  /** Per-configuration crossings at full resolution beside the closed-form bounds. */
  static Dataset<Row> bounds(Dataset<Row> partials, Dataset<Row> configs, String engine) {
    Dataset<Row> firsts = partials.groupBy("config_id")
        .agg(min("first_negative").as("first_negative_margin"), min("first_ood").as("first_ood_position"));
    return configs.join(firsts, "config_id")
        .select(col("model"), col("config_id"), lit(engine).as("engine"), col("rotary_dim"), col("tune_len"),
            col("base"), col("rope_type"), col("max_position"), col("first_negative_margin"),
            col("first_ood_position"), col("extrapolation_bound"), col("angle_coverage_bound"),
            current_timestamp().as("computed_at"));
  }

  static Dataset<Row> configRows(SparkSession spark, List<Configuration> configs, long maxPosition) {
    StructType schema = new StructType()
        .add("model", DataTypes.StringType, false)
        .add("config_id", DataTypes.StringType, false)
        .add("rotary_dim", DataTypes.IntegerType, false)
        .add("tune_len", DataTypes.LongType, false)
        .add("base", DataTypes.DoubleType, false)
        .add("rope_type", DataTypes.StringType, false)
        .add("max_position", DataTypes.LongType, false)
        .add("extrapolation_bound", DataTypes.DoubleType, false)
        .add("angle_coverage_bound", DataTypes.DoubleType, true);
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      BoundsReport b = ScalingLaws.bounds(c.config());
      rows.add(RowFactory.create(c.model(), c.configId(), b.rotaryDim(), b.tuneLen(), b.base(), b.ropeType(),
          maxPosition, b.extrapolationBound(), b.angleCoverageBound()));
    }
    return spark.createDataFrame(rows, schema);
  }

  /** Both tables for a list of configurations, computed once (persisted) and ready to write. */
  public static List<Dataset<Row>> compute(SparkSession spark, List<Configuration> configs, Settings s) {
    Engines engine = Engines.choose(spark, s.engine());
    Progress.info(String.format("attention-profile: %d configurations x %,d positions, engine %s",
        configs.size(), s.maxPosition() + 1, engine.label()));
    Dataset<Row> cfg = configRows(spark, configs, s.maxPosition());
    Dataset<Row> partials = engine == Engines.JVM
        ? jvmPartials(spark, configs, s.maxPosition())
        : sqlPartials(spark, configs, s.maxPosition());
    partials = partials.persist(StorageLevel.MEMORY_AND_DISK());
    long t0 = System.nanoTime();
    long rows = Progress.track(spark, "attention-profile", partials::count);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long pairPositions = 0;
    for (Configuration c : configs) {
      pairPositions += (s.maxPosition() + 1) * (c.config().rotaryDim() / 2);
    }
    Progress.info(String.format("attention-profile: %d bucket partials; statistics computed in %.2f s"
        + " (%.3e position-pairs/s, engine %s)", rows, seconds, pairPositions / seconds, engine.label()));
    return List.of(profile(partials, cfg, engine.label()), bounds(partials, cfg, engine.label()));
  }

  public static List<DeltaTables.Write> writes(SparkSession spark, SweepSpec spec, Settings s, String runId) {
    List<Dataset<Row>> t = compute(spark, spec.configurations(), s);
    return List.of(
        new DeltaTables.Write(PROFILE, t.get(0).withColumn("run_id", lit(runId)), "run_id", "model"),
        new DeltaTables.Write(BOUNDS, t.get(1).withColumn("run_id", lit(runId)), "run_id", "model"));
  }

  /** The SQL engine's plan over a small input, for explain-gpu. */
  public static Dataset<Row> sqlPlanForExplain(SparkSession spark, List<Configuration> configs) {
    Dataset<Row> cfg = configRows(spark, configs, 4096);
    Dataset<Row> partials = sqlPartials(spark, configs, 4096);
    return profile(partials, cfg, "sql");
  }

}
