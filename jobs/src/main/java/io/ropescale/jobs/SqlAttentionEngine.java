package io.ropescale.jobs;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.ropescale.attention.PositionBucketsSql;
import io.ropescale.jobs.SweepSpec.Configuration;
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
 * The {@code sql} attention engine: positions x pairs with built-in trigonometry, a running window
 * over pairs for the RoFormer prefix sums S_j, and aggregations; no UDF, so the RAPIDS Accelerator
 * can run all of it on GPUs.
 */
final class SqlAttentionEngine implements AttentionEngine {
  /** Per-pair inputs: theta_n, A_n, and the last position to evaluate. */
  static final TypedRows PAIR = TypedRows.of(new StructType()
      .add("config_id", DataTypes.StringType, false)
      .add("pair", DataTypes.IntegerType, false)
      .add("half_d", DataTypes.IntegerType, false)
      .add("theta", DataTypes.DoubleType, false)
      .add("coverage", DataTypes.DoubleType, false)
      .add("max_position", DataTypes.LongType, false));

  @Override
  public Kind kind() {
    return Kind.SQL;
  }

  static Dataset<Row> pairRows(SparkSession spark, List<Configuration> configs, long maxPosition) {
    List<Row> rows = new ArrayList<>();
    for (Configuration c : configs) {
      AttentionAggregation.Rotary r = AttentionAggregation.Rotary.of(c);
      for (int n = 0; n < r.theta.length; n++) {
        rows.add(PAIR.row().set("config_id", r.configId).set("pair", n).set("half_d", r.theta.length)
            .set("theta", r.theta[n]).set("coverage", r.coverage[n]).set("max_position", maxPosition).build());
      }
    }
    return PAIR.frame(spark, rows);
  }

  @Override
  public Dataset<Row> partials(SparkSession spark, List<Configuration> configs, long maxPosition) {
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
        .withColumn("bucket", PositionBucketsSql.bucket(col("m")))
        .groupBy("config_id", "bucket")
        .agg(count(lit(1)).as("positions"),
            min("margin").as("margin_min"), max("margin").as("margin_max"), sum("margin").as("margin_sum"),
            min("decay").as("decay_min"), max("decay").as("decay_max"), sum("decay").as("decay_sum"),
            min("ood_pairs").as("ood_min"), max("ood_pairs").as("ood_max"), sum("ood_pairs").cast("long").as("ood_sum"),
            min(when(col("margin").lt(0), col("m"))).as("first_negative"),
            min(when(col("ood_pairs").gt(0), col("m"))).as("first_ood"));
  }
}
