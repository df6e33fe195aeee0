package io.ropescale.jobs.corpus;

import io.ropescale.jobs.Engine;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * An engine of the corpus-coverage stage. {@link #JVM} computes each document's coverage while the
 * scan reads it ({@link RepeatStats}, streaming); {@link #SQL} gets every document's token ids from
 * the scan and computes the same counts with built-in Spark SQL ({@link CorpusSql}, GPU-placeable).
 * Both give identical tables.
 */
public interface CorpusEngine extends Engine {
  CorpusEngine JVM = new Jvm();
  CorpusEngine SQL = new Sql();

  static List<CorpusEngine> all() {
    return List.of(JVM, SQL);
  }

  /**
   * Whether the scan computes the per-document counts itself ({@link CorpusScan.Options#jvmStats});
   * otherwise it emits every document's token ids ({@link CorpusScan.Options#allChunks}).
   */
  boolean countsInScan();

  /** The counts: document_coverage per (doc_key, config_index), and the sampled documents' repeats for token_stats. */
  record Counts(Dataset<Row> coverage, Dataset<Row> sampledRepeats, Dataset<Row> sampledMargins) {}

  /**
   * The counts from the scan's parts: {@code scanCoverage} (the scan's own counts, JVM engine),
   * {@code chunks} (token ids of readable documents), and {@code sampledKeys} (doc_key of the
   * documents whose tokens go to token_stats; null for none). With {@code cache}, intermediate
   * results read more than once are persisted (a run); without, the plan stays one plain query
   * (explain-gpu: a cached relation would hide the operators).
   */
  Counts counts(SparkSession spark, CorpusConfigs cc, Dataset<Row> scanCoverage, Dataset<Row> chunks,
      Dataset<Row> sampledKeys, boolean cache);

  private static Dataset<Row> persisted(Dataset<Row> rows, boolean cache) {
    return cache ? rows.persist(StorageLevel.MEMORY_AND_DISK()) : rows;
  }

  /** The streaming per-document kernel in the scan's tasks. */
  final class Jvm implements CorpusEngine {
    @Override
    public Kind kind() {
      return Kind.JVM;
    }

    @Override
    public boolean countsInScan() {
      return true;
    }

    @Override
    public Counts counts(SparkSession spark, CorpusConfigs cc, Dataset<Row> scanCoverage, Dataset<Row> chunks,
        Dataset<Row> sampledKeys, boolean cache) {
      if (sampledKeys == null) {
        return new Counts(scanCoverage, null, null);
      }
      // token_stats needs per-token repeats, which the streaming kernel does not keep: SQL over the sample only
      Dataset<Row> repS = persisted(CorpusSql.repeats(CorpusSql.tokens(
          chunks.join(sampledKeys, CorpusSql.seq(List.of("doc_key")), "left_semi"))), cache);
      return new Counts(scanCoverage, repS, CorpusSql.margins(spark, cc, CorpusSql.distances(repS)));
    }
  }

  /** Built-in Spark SQL over every document's token ids. */
  final class Sql implements CorpusEngine {
    @Override
    public Kind kind() {
      return Kind.SQL;
    }

    @Override
    public boolean countsInScan() {
      return false;
    }

    @Override
    public Counts counts(SparkSession spark, CorpusConfigs cc, Dataset<Row> scanCoverage, Dataset<Row> chunks,
        Dataset<Row> sampledKeys, boolean cache) {
      Dataset<Row> rep = persisted(CorpusSql.repeats(CorpusSql.tokens(chunks)), cache);
      long[] distances = CorpusSql.distances(rep);
      io.ropescale.jobs.Progress.info("corpus-coverage: margin table for " + distances.length + " distinct repeat distances");
      Dataset<Row> margins = CorpusSql.margins(spark, cc, distances);
      Dataset<Row> coverage = CorpusSql.coverage(rep, CorpusSql.configs(spark, cc), margins);
      Dataset<Row> repS = sampledKeys == null ? null : rep.join(sampledKeys, CorpusSql.seq(List.of("doc_key")), "left_semi");
      return new Counts(coverage, repS, margins);
    }
  }
}
