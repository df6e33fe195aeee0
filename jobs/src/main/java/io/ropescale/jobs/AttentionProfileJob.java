package io.ropescale.jobs;

import io.ropescale.attention.PositionBuckets;
import io.ropescale.jobs.SweepSpec.Configuration;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code ropescale attention-profile}: per relative position m = 0..max_position of every
 * configuration, the similar-token margin B(m)/(d/2) (Men et al. 2024), the RoFormer decay bound
 * and ood_pairs(m) (docs/theory.md s.3-4), condensed into {@link PositionBuckets} buckets
 * ({@code attention_profile}) and, at full resolution, the first negative margin and first OOD
 * position ({@code attention_bounds}). The orchestration only: settings in
 * {@link AttentionSettings}, the engines behind {@link AttentionEngine}, the shared aggregation in
 * {@link AttentionAggregation}.
 */
public final class AttentionProfileJob {
  private AttentionProfileJob() {}

  /** The stage's two tables (without run_id), computed once (partials persisted) and ready to write. */
  public record Tables(Dataset<Row> profile, Dataset<Row> bounds, Engine engine) {}

  /** Both tables for a list of configurations, with the session's engine for the settings' choice. */
  public static Tables compute(SparkSession spark, List<Configuration> configs, AttentionSettings s) {
    AttentionEngine engine = Engines.choose(spark, s.engine(), AttentionEngine.JVM, AttentionEngine.SQL);
    Progress.info(String.format("attention-profile: %d configurations x %,d positions, engine %s",
        configs.size(), s.maxPosition() + 1, engine.name()));
    Dataset<Row> cfg = AttentionAggregation.configRows(spark, configs, s.maxPosition());
    Dataset<Row> partials = engine.partials(spark, configs, s.maxPosition()).persist(StorageLevel.MEMORY_AND_DISK());
    long t0 = System.nanoTime();
    long rows = Progress.track(spark, "attention-profile", partials::count);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long pairPositions = 0;
    for (Configuration c : configs) {
      pairPositions += (s.maxPosition() + 1) * (c.config().rotaryDim() / 2);
    }
    Progress.info(String.format("attention-profile: %d bucket partials; statistics computed in %.2f s"
        + " (%.3e position-pairs/s, engine %s)", rows, seconds, pairPositions / seconds, engine.name()));
    return new Tables(AttentionAggregation.profile(partials, cfg, engine),
        AttentionAggregation.bounds(partials, cfg, engine), engine);
  }

  public static List<DeltaTables.Write> writes(SparkSession spark, SweepSpec spec, AttentionSettings s, String runId) {
    Tables t = compute(spark, spec.configurations(), s);
    return List.of(
        new DeltaTables.Write(TableDocs.ATTENTION_PROFILE, TableDocs.ATTENTION_PROFILE.stamp(t.profile(), runId)),
        new DeltaTables.Write(TableDocs.ATTENTION_BOUNDS, TableDocs.ATTENTION_BOUNDS.stamp(t.bounds(), runId)));
  }

  /** An engine's attention_profile plan over a small input (4,097 positions), for explain-gpu. */
  public static Dataset<Row> planForExplain(SparkSession spark, List<Configuration> configs, AttentionEngine engine) {
    Dataset<Row> cfg = AttentionAggregation.configRows(spark, configs, 4096);
    return AttentionAggregation.profile(engine.partials(spark, configs, 4096), cfg, engine);
  }
}
