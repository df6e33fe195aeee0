package io.ropescale.jobs.corpus;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ropescale.jobs.TypedRows;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The SQL engine of the corpus stage: built-in Spark SQL operations only (posexplode, lag and
 * row_number windows, equi-joins against driver-built tables, sums and counts), no Java UDF and no
 * higher-order function, so the RAPIDS Accelerator can place every operator on a GPU. Gives the
 * same numbers as the JVM engine ({@link RepeatStats}): same definitions, same integer thresholds
 * ({@link CorpusConfigs}), same margins ({@link Margins}).
 */
public final class CorpusSql {
  static final TypedRows CONFIG = TypedRows.of(new StructType()
      .add("config_index", DataTypes.IntegerType, false)
      .add("model", DataTypes.StringType, false)
      .add("config_id", DataTypes.StringType, false)
      .add("tune_len", DataTypes.LongType, false)
      .add("extra_ceil", DataTypes.LongType, false)
      .add("first_ood", DataTypes.LongType, false));
  static final TypedRows STEP = TypedRows.of(new StructType()
      .add("config_index", DataTypes.IntegerType, false)
      .add("ood_step", DataTypes.LongType, false));
  static final TypedRows MARGIN = TypedRows.of(new StructType()
      .add("config_index", DataTypes.IntegerType, false)
      .add("distance", DataTypes.LongType, false)
      .add("margin", DataTypes.DoubleType, false)
      .add("negative", DataTypes.BooleanType, false));

  private CorpusSql() {}

  static scala.collection.Seq<String> seq(List<String> names) {
    return scala.collection.JavaConverters.asScalaBuffer(names).toSeq();
  }

  /** The configurations with their integer thresholds. */
  public static Dataset<Row> configs(SparkSession spark, CorpusConfigs cc) {
    List<Row> rows = new ArrayList<>();
    for (CorpusConfigs.Config c : cc.configs) {
      rows.add(CONFIG.row().set("config_index", c.index).set("model", c.model).set("config_id", c.configId)
          .set("tune_len", c.tuneLen).set("extra_ceil", c.extraCeil).set("first_ood", c.firstOod).build());
    }
    return CONFIG.frame(spark, rows);
  }

  /** ood_pairs steps per configuration, plus a never-reached sentinel so every configuration has a row. */
  static Dataset<Row> oodSteps(SparkSession spark, CorpusConfigs cc) {
    List<Row> rows = new ArrayList<>();
    for (CorpusConfigs.Config c : cc.configs) {
      for (long s : c.oodSteps) {
        rows.add(STEP.row().set("config_index", c.index).set("ood_step", s).build());
      }
      rows.add(STEP.row().set("config_index", c.index).set("ood_step", Long.MAX_VALUE).build());
    }
    return STEP.frame(spark, rows);
  }

  /** B(m)/(d/2) and the sign of B(m) for every configuration at the given distances (sorted). */
  public static Dataset<Row> margins(SparkSession spark, CorpusConfigs cc, long[] distances) {
    List<Row> rows = new ArrayList<>(cc.configs.size() * distances.length);
    for (CorpusConfigs.Config c : cc.configs) {
      double[] b = Margins.values(c.theta, distances);
      for (int i = 0; i < distances.length; i++) {
        rows.add(MARGIN.row().set("config_index", c.index).set("distance", distances[i]).set("margin", b[i] / c.halfD)
            .set("negative", b[i] < 0).build());
      }
    }
    return MARGIN.frame(spark, rows);
  }

  /** (doc_key, position, token_id) from chunk rows (doc_key, chunk_start, token_ids). */
  public static Dataset<Row> tokens(Dataset<Row> chunks) {
    return chunks.select(col("doc_key"), col("chunk_start"), posexplode(col("token_ids")).as(new String[] {"pos", "token_id"}))
        .select(col("doc_key"), col("chunk_start").plus(col("pos")).as("position"), col("token_id"));
  }

  /**
   * Adds repeat_distance r(t) (lag of the position over the same token id) and
   * ngram_repeat_distance (lag over the same 4-gram ending at t, for t >= 3).
   */
  public static Dataset<Row> repeats(Dataset<Row> tokens) {
    WindowSpec byDoc = Window.partitionBy("doc_key").orderBy("position");
    Dataset<Row> g = tokens
        .withColumn("g1", lag("token_id", 1).over(byDoc))
        .withColumn("g2", lag("token_id", 2).over(byDoc))
        .withColumn("g3", lag("token_id", 3).over(byDoc));
    WindowSpec byToken = Window.partitionBy("doc_key", "token_id").orderBy("position");
    WindowSpec byGram = Window.partitionBy("doc_key", "g3", "g2", "g1", "token_id").orderBy("position");
    return g
        .withColumn("repeat_distance", col("position").minus(lag("position", 1).over(byToken)))
        .withColumn("ngram_repeat_distance",
            when(col("g3").isNotNull(), col("position").minus(lag("position", 1).over(byGram))))
        .select("doc_key", "position", "token_id", "repeat_distance", "ngram_repeat_distance");
  }

  /** Nearest-rank percentile rank (p*k + 99) div 100, in integers. */
  private static Column rank(int p) {
    return expr("(" + p + " * k + 99) div 100");
  }

  /**
   * document_coverage counts per (doc_key, config_index), from the per-token repeats and the
   * configurations and margins tables.
   */
  public static Dataset<Row> coverage(Dataset<Row> rep, Dataset<Row> configs, Dataset<Row> margins) {
    Dataset<Row> perDoc = rep.groupBy("doc_key").agg(
        count(lit(1)).as("tokens"),
        count("repeat_distance").as("repeats"),
        count("ngram_repeat_distance").as("ngram_repeats"),
        max("repeat_distance").as("repeat_distance_max"));
    WindowSpec byDistance = Window.partitionBy("doc_key").orderBy("repeat_distance");
    Dataset<Row> pct = rep.where(col("repeat_distance").isNotNull())
        .select(col("doc_key"), col("repeat_distance"),
            row_number().over(byDistance).as("rn"),
            count(lit(1)).over(Window.partitionBy("doc_key")).as("k"))
        .groupBy("doc_key").agg(
            max(when(col("rn").equalTo(rank(50)), col("repeat_distance"))).as("repeat_distance_p50"),
            max(when(col("rn").equalTo(rank(90)), col("repeat_distance"))).as("repeat_distance_p90"),
            max(when(col("rn").equalTo(rank(99)), col("repeat_distance"))).as("repeat_distance_p99"));
    Dataset<Row> positions = rep.select("doc_key", "position").crossJoin(broadcast(configs))
        .groupBy("doc_key", "config_index").agg(
            sum(when(col("position").geq(col("tune_len")), 1L).otherwise(0L)).as("tokens_beyond_tune_len"),
            sum(when(col("position").geq(col("extra_ceil")), 1L).otherwise(0L)).as("tokens_beyond_extrapolation_bound"),
            sum(when(col("position").geq(col("first_ood")), 1L).otherwise(0L)).as("tokens_with_ood_pairs"));
    Dataset<Row> repeatCounts = rep.where(col("repeat_distance").isNotNull())
        .select("doc_key", "repeat_distance")
        .join(margins, col("distance").equalTo(col("repeat_distance")))
        .join(broadcast(configs.select("config_index", "extra_ceil")), "config_index")
        .groupBy("doc_key", "config_index").agg(
            sum(when(col("repeat_distance").geq(col("extra_ceil")), 1L).otherwise(0L))
                .as("repeats_beyond_extrapolation_bound"),
            sum(when(col("negative"), 1L).otherwise(0L)).as("undiscriminated_repeats"));
    Dataset<Row> gramCounts = rep.where(col("ngram_repeat_distance").isNotNull())
        .select("doc_key", "ngram_repeat_distance")
        .join(margins, col("distance").equalTo(col("ngram_repeat_distance")))
        .groupBy("doc_key", "config_index").agg(
            sum(when(col("negative"), 1L).otherwise(0L)).as("undiscriminated_ngram_repeats"));
    List<String> key = List.of("doc_key", "config_index");
    return positions
        .join(repeatCounts, seq(key), "left")
        .join(gramCounts, seq(key), "left")
        .join(perDoc, "doc_key")
        .join(pct, seq(List.of("doc_key")), "left")
        .select(col("doc_key"), col("config_index"), col("tokens"), col("tokens_beyond_tune_len"),
            col("tokens_beyond_extrapolation_bound"), col("tokens_with_ood_pairs"), col("repeats"),
            coalesce(col("repeats_beyond_extrapolation_bound"), lit(0L)).as("repeats_beyond_extrapolation_bound"),
            coalesce(col("undiscriminated_repeats"), lit(0L)).as("undiscriminated_repeats"),
            col("ngram_repeats"),
            coalesce(col("undiscriminated_ngram_repeats"), lit(0L)).as("undiscriminated_ngram_repeats"),
            col("repeat_distance_p50"), col("repeat_distance_p90"), col("repeat_distance_p99"),
            col("repeat_distance_max"));
  }

  /** One row per token and configuration (doc_key, config_index, position, ...). */
  public static Dataset<Row> tokenStats(Dataset<Row> rep, Dataset<Row> configs, Dataset<Row> margins,
      Dataset<Row> steps) {
    Dataset<Row> perConfig = rep.crossJoin(broadcast(configs.select("config_index", "extra_ceil")));
    Dataset<Row> ood = rep.select("doc_key", "position").join(broadcast(steps))
        .groupBy("doc_key", "position", "config_index")
        .agg(sum(when(col("position").geq(col("ood_step")), 1).otherwise(0)).as("ood_pairs"));
    Dataset<Row> m = margins.select(col("config_index").as("m_config"), col("distance"), col("margin"),
        col("negative"));
    return perConfig
        .join(m, col("m_config").equalTo(col("config_index")).and(col("distance").equalTo(col("repeat_distance"))),
            "left")
        .join(ood, seq(List.of("doc_key", "position", "config_index")))
        .select(col("doc_key"), col("config_index"), col("position"), col("token_id"), col("repeat_distance"),
            col("ngram_repeat_distance"), col("margin").as("margin_at_repeat"), col("negative").as("undiscriminated"),
            col("position").geq(col("extra_ceil")).as("beyond_extrapolation_bound"),
            col("ood_pairs").cast(DataTypes.IntegerType).as("ood_pairs"));
  }

  /** Sorted distinct repeat and 4-gram repeat distances (driver action). */
  static long[] distances(Dataset<Row> rep) {
    List<Row> d = rep.select(col("repeat_distance").as("d")).where(col("d").isNotNull())
        .union(rep.select(col("ngram_repeat_distance").as("d")).where(col("d").isNotNull()))
        .distinct().orderBy("d").collectAsList();
    long[] out = new long[d.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.get(i).getLong(0);
    }
    return out;
  }
}
