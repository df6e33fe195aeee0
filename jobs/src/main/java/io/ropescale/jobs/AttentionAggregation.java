package io.ropescale.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;

import io.ropescale.attention.PositionBucketsSql;
import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The attention stage's shared part: what both engines start from ({@link Rotary}), what they
 * produce ({@link #PARTIAL}: one bucket's partial statistics), and the one aggregation that turns
 * either engine's partials into {@code attention_profile} and {@code attention_bounds} rows.
 */
final class AttentionAggregation {
  /** One bucket's partial statistics, the common currency of both engines. */
  static final TypedRows PARTIAL = TypedRows.of(new StructType()
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
      .add("first_ood", DataTypes.LongType, true));

  /** A configuration's attention_bounds inputs, known before any position is evaluated. */
  static final TypedRows CONFIG = TableDocs.ATTENTION_BOUNDS.rowsOf("model", "config_id", "rotary_dim", "tune_len",
      "base", "rope_type", "max_position", "extrapolation_bound", "angle_coverage_bound");

  private AttentionAggregation() {}

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

  static Dataset<Row> configRows(SparkSession spark, List<Configuration> configs, long maxPosition) {
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      BoundsReport b = ScalingLaws.bounds(c.config());
      rows.add(CONFIG.row().set("model", c.model()).set("config_id", c.configId()).set("rotary_dim", b.rotaryDim())
          .set("tune_len", b.tuneLen()).set("base", b.base()).set("rope_type", b.ropeType())
          .set("max_position", maxPosition).set("extrapolation_bound", b.extrapolationBound())
          .set("angle_coverage_bound", b.angleCoverageBound()).build());
    }
    return CONFIG.frame(spark, rows);
  }

  /** Partials (from either engine) -> attention_profile rows (without run_id). */
  static Dataset<Row> profile(Dataset<Row> partials, Dataset<Row> configs, Engine engine) {
    return partials.groupBy("config_id", "bucket").agg(
            sum("positions").as("positions"),
            min("margin_min").as("margin_min"), max("margin_max").as("margin_max"),
            sum("margin_sum").as("margin_sum"),
            min("decay_min").as("decay_min"), max("decay_max").as("decay_max"), sum("decay_sum").as("decay_sum"),
            min("ood_min").as("ood_pairs_min"), max("ood_max").as("ood_pairs_max"), sum("ood_sum").as("ood_sum"))
        .join(broadcast(configs.select("config_id", "model")), "config_id")
        .select(col("model"), col("config_id"), lit(engine.name()).as("engine"), col("bucket"),
            PositionBucketsSql.bucketStart(col("bucket")).as("position_start"),
            PositionBucketsSql.bucketStart(col("bucket").plus(1)).as("position_end"),
            col("positions"),
            col("margin_min"), col("margin_max"), col("margin_sum").divide(col("positions")).as("margin_mean"),
            col("decay_min"), col("decay_max"), col("decay_sum").divide(col("positions")).as("decay_mean"),
            col("ood_pairs_min"), col("ood_pairs_max"),
            col("ood_sum").divide(col("positions")).as("ood_pairs_mean"),
            current_timestamp().as("computed_at"));
  }

  /** Per-configuration crossings at full resolution beside the closed-form bounds: attention_bounds rows. */
  static Dataset<Row> bounds(Dataset<Row> partials, Dataset<Row> configs, Engine engine) {
    Dataset<Row> firsts = partials.groupBy("config_id")
        .agg(min("first_negative").as("first_negative_margin"), min("first_ood").as("first_ood_position"));
    return configs.join(firsts, "config_id")
        .select(col("model"), col("config_id"), lit(engine.name()).as("engine"), col("rotary_dim"), col("tune_len"),
            col("base"), col("rope_type"), col("max_position"), col("first_negative_margin"),
            col("first_ood_position"), col("extrapolation_bound"), col("angle_coverage_bound"),
            current_timestamp().as("computed_at"));
  }
}
