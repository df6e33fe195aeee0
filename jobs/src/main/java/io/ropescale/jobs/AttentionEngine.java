package io.ropescale.jobs;

import io.ropescale.jobs.SweepSpec.Configuration;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An engine of the attention-profile stage: per-bucket partial statistics of every configuration
 * over positions 0..maxPosition, rows of {@link AttentionAggregation#PARTIAL}. The shared
 * aggregation ({@link AttentionAggregation}) turns either engine's partials into the tables.
 */
public interface AttentionEngine extends Engine {
  AttentionEngine JVM = new JvmAttentionEngine();
  AttentionEngine SQL = new SqlAttentionEngine();

  Dataset<Row> partials(SparkSession spark, List<Configuration> configs, long maxPosition);

  static List<AttentionEngine> all() {
    return List.of(JVM, SQL);
  }
}
