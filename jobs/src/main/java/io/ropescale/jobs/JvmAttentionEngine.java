package io.ropescale.jobs;

import io.ropescale.attention.PositionProfile;
import io.ropescale.jobs.SweepSpec.Configuration;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code jvm} attention engine: (configuration, position block) tasks over the executors, each
 * a {@link PositionProfile} (hand kernel in mapPartitions, fastest on CPUs; not GPU-placeable).
 */
final class JvmAttentionEngine implements AttentionEngine {
  /** Positions per task: large enough to amortise task overhead, small enough to balance. */
  static final long CHUNK = 1L << 18;

  /** One (configuration, position block) unit of work: positions [from, to). */
  static final class Task implements Serializable {
    final AttentionAggregation.Rotary rotary;
    final long from;
    final long to;

    Task(AttentionAggregation.Rotary rotary, long from, long to) {
      this.rotary = rotary;
      this.from = from;
      this.to = to;
    }
  }

  @Override
  public Kind kind() {
    return Kind.JVM;
  }

  @Override
  public Dataset<Row> partials(SparkSession spark, List<Configuration> configs, long maxPosition) {
    List<Task> tasks = new ArrayList<>();
    for (Configuration c : configs) {
      AttentionAggregation.Rotary r = AttentionAggregation.Rotary.of(c);
      for (long from = 0; from <= maxPosition; from += CHUNK) {
        tasks.add(new Task(r, from, Math.min(maxPosition + 1, from + CHUNK)));
      }
    }
    int slices = Math.max(1, Math.min(tasks.size(), spark.sparkContext().defaultParallelism() * 4));
    JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(tasks, slices)
        .flatMap(JvmAttentionEngine::profileTask);
    return AttentionAggregation.PARTIAL.frame(spark, rows);
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
      out.add(AttentionAggregation.PARTIAL.row().set("config_id", t.rotary.configId).set("bucket", b.bucket())
          .set("positions", b.count()).set("margin_min", b.marginMin()).set("margin_max", b.marginMax())
          .set("margin_sum", b.marginSum()).set("decay_min", b.decayMin()).set("decay_max", b.decayMax())
          .set("decay_sum", b.decaySum()).set("ood_min", b.oodMin()).set("ood_max", b.oodMax())
          .set("ood_sum", b.oodSum()).set("first_negative", neg).set("first_ood", ood).build());
    }
    return out.iterator();
  }
}
