package io.ropescale.jobs;

import io.delta.tables.DeltaTable;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a run's rows into the warehouse's Delta tables ({@code <warehouse>/<table>}). Each table
 * write replaces that run's rows in one Delta commit ({@code replaceWhere run_id = ...}), so a
 * rerun never duplicates; if any write of a job fails, the tables it already changed are restored
 * to the version they had before (and tables it created are removed), so a failed job leaves
 * every table as it was.
 */
public final class DeltaTables {
  private DeltaTables() {}

  /**
   * One table's rows for one run; {@code rows} must carry {@code run_id}. The write replaces the
   * run's rows, narrowed by {@code alsoWhere} when a table keeps several rows per run (runs: one
   * per command). The table's name and partitioning come from its registry entry
   * ({@link TableDocs.TableDef}).
   */
  public record Write(TableDocs.TableDef def, Dataset<Row> rows, String alsoWhere) {
    public Write(TableDocs.TableDef def, Dataset<Row> rows) {
      this(def, rows, null);
    }

    public String table() {
      return def.name();
    }

    public String[] partitionBy() {
      return def.partitionedBy().toArray(new String[0]);
    }
  }

  public static String runIdOrFresh(String runId) {
    if (runId == null || runId.isBlank()) {
      return java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
          .format(java.time.LocalDateTime.now(java.time.ZoneOffset.UTC)) + "-"
          + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 6);
    }
    if (!runId.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException("run-id", runId, "may hold only letters, digits and _ . : + - (at most 128)");
    }
    return runId;
  }

  public static String path(String warehouse, String table) {
    return warehouse.replaceAll("/+$", "") + "/" + table;
  }

  /** Version of the table now, or -1 if it does not exist yet. */
  static long version(SparkSession spark, String path) {
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return -1;
    }
    return DeltaTable.forPath(spark, path).history(1).select("version").head().getLong(0);
  }

  /**
   * Writes every table (a few at a time, see below); all or nothing. Returns rows written per table (from the Delta
   * commit's own metrics).
   */
  public static Map<String, Long> commit(SparkSession spark, String warehouse, String runId, List<Write> writes) {
    return commit(spark, warehouse, runId, writes, null);
  }

  /**
   * Tables written at the same time. Each write's fixed cost (planning, code generation, a small
   * Spark job, the Delta commit protocol) runs mostly on one driver thread and dwarfs the rows of
   * the small per-run tables; writing a few tables at once keeps the other cores busy. Writes go
   * to different tables, so their Delta commits do not conflict.
   */
  static final int PARALLEL_WRITES = 3;

  /**
   * As {@link #commit(SparkSession, String, String, List)}, then one last write built from the
   * row counts (the {@code runs} record), inside the same all-or-nothing unit. The writes run up
   * to {@link #PARALLEL_WRITES} at a time (each table its own write); the last one runs after all
   * of them. If any fails, every table already written is rolled back once the others finished.
   */
  public static Map<String, Long> commit(SparkSession spark, String warehouse, String runId, List<Write> writes,
      java.util.function.Function<Map<String, Long>, Write> last) {
    Map<String, Long> before = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, Long> counts = new java.util.concurrent.ConcurrentHashMap<>();
    List<String> done = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.Set<String> tables = new java.util.HashSet<>();
    for (Write w : writes) {
      if (!tables.add(w.table())) { // two writes of one table would race: callers never do that
        throw new IllegalArgumentException("table " + w.table() + " written twice in one commit");
      }
    }
    int threads = Math.max(1, Math.min(PARALLEL_WRITES, writes.size()));
    java.util.concurrent.ExecutorService pool = threads == 1 ? null
        : java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
          Thread t = new Thread(r, "ropescale-delta-write");
          t.setDaemon(true);
          return t;
        });
    try {
      Throwable failure = null;
      if (pool == null) {
        for (Write w : writes) {
          writeOne(spark, warehouse, runId, w, before, counts, done);
        }
      } else {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (Write w : writes) {
          futures.add(pool.submit(() -> {
            writeOne(spark, warehouse, runId, w, before, counts, done);
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : futures) { // all finish before any rollback
          try {
            f.get();
          } catch (java.util.concurrent.ExecutionException e) {
            failure = failure == null ? e.getCause() : failure;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = failure == null ? e : failure;
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
      Map<String, Long> written = new LinkedHashMap<>();
      for (Write w : writes) {
        written.put(w.table(), counts.get(w.table()));
      }
      if (last != null) {
        Write w = last.apply(new LinkedHashMap<>(written));
        writeOne(spark, warehouse, runId, w, before, counts, done);
        written.put(w.table(), counts.get(w.table()));
      }
      return written;
    } catch (Throwable e) { // Spark throws checked SparkException undeclared: catch everything
      for (String table : new ArrayList<>(done)) {
        rollback(spark, path(warehouse, table), before.get(table));
      }
      throw DeltaTables.<RuntimeException>rethrow(e);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /** One table's write: replaces the run's rows in one Delta commit; records its version before and rows written. */
  private static void writeOne(SparkSession spark, String warehouse, String runId, Write w, Map<String, Long> before,
      Map<String, Long> counts, List<String> done) {
    long t0 = System.nanoTime();
    String path = path(warehouse, w.table());
    List<String> documented = TableDocs.get(w.table()).partitionedBy();
    if (!documented.equals(List.of(w.partitionBy()))) {
      throw new IllegalStateException("table " + w.table() + " is written partitioned by " + List.of(w.partitionBy())
          + " but documented as partitioned by " + documented + " (TableDocs)");
    }
    long version = version(spark, path);
    before.put(w.table(), version);
    if (version >= 0) {
      List<String> existing = partitionColumns(spark, path);
      if (!existing.equals(documented)) {
        throw new IllegalStateException("table " + path + " is partitioned by " + existing + " but this ropescale writes it"
            + " partitioned by " + documented + " (docs/tables.md, Partitioning): use a new warehouse, or rewrite the"
            + " table with the new partitioning");
      }
    }
    Dataset<Row> rows = TableDocs.annotate(w.table(), w.rows());
    rows.write().format("delta").mode("overwrite")
        .option("replaceWhere", "run_id = '" + runId + "'" + (w.alsoWhere() == null ? "" : " AND " + w.alsoWhere()))
        .partitionBy(w.partitionBy())
        .save(path);
    done.add(w.table());
    long n = outputRows(spark, path);
    counts.put(w.table(), n);
    Progress.info(String.format("committed %s (%d rows) in %.1f s", w.table(), n, (System.nanoTime() - t0) / 1e9));
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable e) throws E {
    throw (E) e;
  }

  /** The partition columns of an existing Delta table, from its log. */
  static List<String> partitionColumns(SparkSession spark, String path) {
    Row detail = DeltaTable.forPath(spark, path).detail().select("partitionColumns").head();
    return new ArrayList<>(detail.<String>getList(0));
  }

  private static long outputRows(SparkSession spark, String path) {
    Row last = DeltaTable.forPath(spark, path).history(1).select("operationMetrics").head();
    scala.collection.Map<String, String> m = last.getMap(0);
    return m.contains("numOutputRows") ? Long.parseLong(m.apply("numOutputRows")) : -1;
  }

  private static void rollback(SparkSession spark, String path, long version) {
    try {
      if (version < 0) {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.delete(p, true);
      } else {
        DeltaTable.forPath(spark, path).restoreToVersion(version);
      }
      Progress.info("rolled back " + path + (version < 0 ? " (removed)" : " to version " + version));
    } catch (IOException | RuntimeException e) {
      Progress.info("could not roll back " + path + ": " + e.getMessage());
    }
  }

  /** Reads a table, failing with a clear message when a stage it depends on has not run. */
  public static Dataset<Row> read(SparkSession spark, String warehouse, String table) {
    String path = path(warehouse, table);
    if (!DeltaTable.isDeltaTable(spark, path)) {
      throw new RopeInputException("warehouse", warehouse, "has no Delta table '" + table + "' (run its stage first)");
    }
    return spark.read().format("delta").load(path);
  }
}
