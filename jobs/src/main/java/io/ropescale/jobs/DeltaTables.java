package io.ropescale.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.exceptions.DeltaConcurrentModificationException;
import io.delta.tables.DeltaTable;
import io.ropescale.rope.RopeInputException;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.delta.Snapshot;

/**
 * Writes a run's rows into the warehouse's Delta tables ({@code <warehouse>/<table>}), many runs
 * sharing one warehouse. The commit protocol (docs/reliability.md):
 *
 * <ol>
 *   <li><b>Per-run slices.</b> Every table is partitioned by {@code run_id} first, and each write
 *       replaces only its run's slice in one Delta commit ({@code replaceWhere run_id = ...}, plus
 *       {@code command = ...} for {@code runs}). A rerun replaces its rows, never duplicates them;
 *       writes of different runs touch different partitions, so Delta lets them commit side by
 *       side. A run id this JVM minted has no rows anywhere, so its first write to each table is
 *       a plain append (the same result, without replaceWhere's scan of the table's files).</li>
 *   <li><b>The {@code runs} row is the commit point.</b> It is written last, after every other
 *       table of the job; readers (the views of {@code conf/sql/}, the report) only show runs whose
 *       every {@code runs} row says {@code succeeded}. A job started with a given run id first
 *       writes its {@code runs} row as {@code running}, so a driver killed half-way through a rerun
 *       hides the run rather than showing a mix of old and new rows.</li>
 *   <li><b>Rollback touches only the failing run's rows.</b> If any write of a job fails, each table
 *       it already committed gets that run's slice back as it was just before the job's own commit
 *       (read by time travel and written with the same {@code replaceWhere}), or the slice deleted
 *       when there was none. Other runs' rows, committed before or in between, are never read or
 *       rewritten (no whole-table {@code RESTORE}). If another writer with the same run id
 *       rewrote the slice after this job's commit, the slice is left as that writer left it.</li>
 *   <li><b>Bounded retries.</b> Delta's concurrent-modification exceptions (two first runs creating
 *       a table, a concurrent writer of the same run id, {@code OPTIMIZE} or {@code VACUUM} of
 *       another process) are retried up to {@link #MAX_ATTEMPTS} times with a growing, jittered
 *       back-off and a log line each.</li>
 *   <li><b>No history reads.</b> Each commit is tagged with a unique {@code userMetadata}; its
 *       version and {@code numOutputRows} come from that commit's own log entry, and the
 *       partitioning check from the snapshot Delta loads for the write anyway.</li>
 * </ol>
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

  /** Attempts of one Delta commit before a concurrent-modification exception is given up on. */
  public static final int MAX_ATTEMPTS = 8;

  /**
   * Test hook: runs after a failed job's writes have all finished and before its rollback starts,
   * with the run id. Tests use it to commit another run in between, deterministically.
   */
  static volatile Consumer<String> beforeRollback = runId -> {};

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Run ids this JVM minted ({@link #runIdOrFresh}), each with the tables already committed under
   * it. No other writer knows such an id, so a table's slice for it is empty until this JVM's own
   * first commit to the table: that write is a blind append (protocol item 1).
   */
  private static final Map<String, java.util.Set<String>> MINTED = new ConcurrentHashMap<>();

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  /**
   * The given run id, checked, or a fresh one: UTC start second plus 40 random bits (e.g.
   * 20261127T183004-9c4e01b2f7), so runs started in the same second do not share an id.
   */
  public static String runIdOrFresh(String runId) {
    if (runId == null || runId.isBlank()) {
      String id = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss")
          .format(java.time.LocalDateTime.now(java.time.ZoneOffset.UTC)) + "-"
          + String.format("%010x", RANDOM.nextLong() & 0xFF_FFFF_FFFFL);
      MINTED.put(id, ConcurrentHashMap.newKeySet());
      return id;
    }
    if (!runId.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException("run-id", runId, "may hold only letters, digits and _ . : + - (at most 128)");
    }
    return runId;
  }

  public static String path(String warehouse, String table) {
    return warehouse.replaceAll("/+$", "") + "/" + table;
  }

  /** Version of the table now, or -1 if it does not exist yet (from the Delta log, no Spark job). */
  static long version(SparkSession spark, String path) {
    return snapshot(spark, path).version();
  }

  private static Snapshot snapshot(SparkSession spark, String path) {
    return DeltaLog.forTable(spark, path).update(false, scala.Option.empty(), scala.Option.empty());
  }

  /**
   * Writes every table (a few at a time, see below); all or nothing. Returns rows written per table (from the Delta
   * commit's own metrics).
   */
  public static Map<String, Long> commit(SparkSession spark, String warehouse, String runId, List<Write> writes) {
    return commit(spark, warehouse, runId, null, writes, null);
  }

  /**
   * Tables written at the same time. Each write's fixed cost (planning, code generation, a small
   * Spark job, the Delta commit protocol) runs mostly on one driver thread and dwarfs the rows of
   * the small per-run tables; writing a few tables at once keeps the other cores busy. Writes go
   * to different tables, so their Delta commits do not conflict.
   */
  static final int PARALLEL_WRITES = 3;

  /** One of this job's commits: table, the version it made, rows it wrote. */
  private record Committed(Write write, long version, long rows) {}

  /**
   * As {@link #commit(SparkSession, String, String, List)}, with an optional {@code opening} write
   * committed before all others (the {@code runs} row saying {@code running}) and an optional last
   * write built from the row counts (the {@code runs} row saying {@code succeeded}), all inside one
   * all-or-nothing unit. The writes run up to {@link #PARALLEL_WRITES} at a time (each table its
   * own write); the last one runs after all of them. If any fails, every table already written
   * gets this run's rows back as they were, once the others finished (see the class comment).
   */
  public static Map<String, Long> commit(SparkSession spark, String warehouse, String runId, Write opening,
      List<Write> writes, java.util.function.Function<Map<String, Long>, Write> last) {
    warnIfSingleDriverStore(spark, warehouse);
    // before writing anything: every existing table partitioned as this build writes it (from the log)
    List<Write> all = new ArrayList<>(writes);
    if (opening != null) {
      all.add(opening);
    }
    for (Write w : all) {
      requirePartitioning(snapshot(spark, path(warehouse, w.table())), path(warehouse, w.table()),
          TableDocs.get(w.table()).partitionedBy());
    }
    Map<String, Long> counts = new ConcurrentHashMap<>();
    List<Committed> done = java.util.Collections.synchronizedList(new ArrayList<>());
    String attempt = "ropescale run " + runId + " commit " + UUID.randomUUID();
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
      if (opening != null) {
        done.add(writeOne(spark, warehouse, runId, opening, attempt));
      }
      Throwable failure = null;
      if (pool == null) {
        for (Write w : writes) {
          Committed c = writeOne(spark, warehouse, runId, w, attempt);
          done.add(c);
          counts.put(w.table(), c.rows());
        }
      } else {
        List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
        for (Write w : writes) {
          futures.add(pool.submit(() -> {
            Committed c = writeOne(spark, warehouse, runId, w, attempt);
            done.add(c);
            counts.put(w.table(), c.rows());
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
        Committed c = writeOne(spark, warehouse, runId, w, attempt);
        done.add(c);
        written.put(w.table(), c.rows());
      }
      return written;
    } catch (Throwable e) { // Spark throws checked SparkException undeclared: catch everything
      if (!done.isEmpty()) {
        beforeRollback.accept(runId);
        rollback(spark, warehouse, runId, attempt, new ArrayList<>(done));
      }
      throw DeltaTables.<RuntimeException>rethrow(e);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  private static final java.util.Set<String> WARNED = ConcurrentHashMap.newKeySet();

  /**
   * Delta's multi-writer rule on S3 (docs/reliability.md): S3 has no put-if-absent, so the default
   * S3 log store is safe with one writing driver at a time; two drivers committing to one table at
   * once can overwrite each other's commit. Concurrent runs into an s3:// or s3a:// warehouse need
   * the DynamoDB log store ({@code spark.delta.logStore.s3a.impl=io.delta.storage.S3DynamoDBLogStore},
   * delta-storage-s3-dynamodb on the class path); without it ropescale says so once per warehouse.
   */
  static void warnIfSingleDriverStore(SparkSession spark, String warehouse) {
    String scheme = warehouse.contains("://") ? warehouse.substring(0, warehouse.indexOf("://")).toLowerCase() : "";
    if (!scheme.matches("s3a?|s3n") || !WARNED.add(warehouse)) {
      return;
    }
    String store = spark.conf().get("spark.delta.logStore." + scheme + ".impl",
        spark.conf().get("spark.delta.logStore.class", ""));
    if (!store.contains("DynamoDB")) {
      Progress.info("warehouse " + warehouse + " is on S3 with Delta's default S3 log store: safe with one writing"
          + " driver at a time only. Do not run concurrent jobs into it, or set spark.delta.logStore." + scheme
          + ".impl=io.delta.storage.S3DynamoDBLogStore (docs/reliability.md)");
    }
  }

  /** The {@code replaceWhere} condition of a write: this run's slice of the table. */
  static String slice(String runId, Write w) {
    return "run_id = '" + runId + "'" + (w.alsoWhere() == null ? "" : " AND " + w.alsoWhere());
  }

  /**
   * One table's write: replaces the run's slice in one Delta commit, retried on Delta's
   * concurrent-modification exceptions; returns the version it committed and its rows.
   */
  private static Committed writeOne(SparkSession spark, String warehouse, String runId, Write w, String attempt) {
    long t0 = System.nanoTime();
    String path = path(warehouse, w.table());
    List<String> documented = TableDocs.get(w.table()).partitionedBy();
    if (!documented.equals(List.of(w.partitionBy()))) {
      throw new IllegalStateException("table " + w.table() + " is written partitioned by " + List.of(w.partitionBy())
          + " but documented as partitioned by " + documented + " (TableDocs)");
    }
    Dataset<Row> rows = TableDocs.annotate(w.table(), w.rows());
    for (int tries = 1; ; tries++) {
      String tag = attempt + " table " + w.table() + " try " + tries;
      try {
        Snapshot before = snapshot(spark, path);
        requirePartitioning(before, path, documented);
        java.util.Set<String> minted = MINTED.get(runId);
        org.apache.spark.sql.DataFrameWriter<Row> writer = rows.write().format("delta");
        if (minted != null && !minted.contains(w.table())) {
          // the slice is empty (see MINTED): an append needs no scan of the table's files, which
          // replaceWhere does (a Spark job over the whole log: seconds in a fresh JVM)
          writer = writer.mode("append");
        } else {
          writer = writer.mode("overwrite").option("replaceWhere", slice(runId, w));
        }
        writer
            // a column the registry gained since the table was created (e.g. rope_bounds'
            // critical_dim_tuned_formula) is added to it; older runs' rows read it as null
            .option("mergeSchema", "true")
            .option("userMetadata", tag)
            .partitionBy(w.partitionBy())
            .save(path);
        if (minted != null) {
          minted.add(w.table());
        }
        JsonNode info = ownCommit(spark, path, tag, before.version());
        if (info == null) {
          Progress.info(String.format("%s unchanged (no rows, and none before for this run: Delta made no commit) in %.1f s",
              w.table(), (System.nanoTime() - t0) / 1e9));
          return new Committed(w, -1, 0);
        }
        long version = info.path("version").asLong(-1);
        JsonNode n = info.path("operationMetrics").path("numOutputRows");
        // a write that adds no file (no rows) carries no numOutputRows metric
        long written = n.isMissingNode() ? 0 : Long.parseLong(n.asText());
        Progress.info(String.format("committed %s (%d rows, version %d) in %.1f s", w.table(), written, version,
            (System.nanoTime() - t0) / 1e9));
        return new Committed(w, version, written);
      } catch (Throwable e) {
        DeltaConcurrentModificationException conflict = concurrentModification(e);
        if (conflict == null || tries >= MAX_ATTEMPTS) {
          throw DeltaTables.<RuntimeException>rethrow(e);
        }
        backOff(w.table(), runId, conflict, tries);
      }
    }
  }

  /** An existing table must be partitioned as documented (a new one is created so). */
  private static void requirePartitioning(Snapshot s, String path, List<String> documented) {
    if (s.version() < 0) {
      return;
    }
    List<String> existing = new ArrayList<>(scala.collection.JavaConverters.seqAsJavaList(s.metadata().partitionColumns()));
    if (!existing.equals(documented)) {
      throw new IllegalStateException("table " + path + " is partitioned by " + existing + " but this ropescale writes it"
          + " partitioned by " + documented + " (docs/tables.md, Partitioning): use a new warehouse, or rewrite the"
          + " table with the new partitioning");
    }
  }

  /** Delta's concurrent-modification exception somewhere in the cause chain, or null. */
  static DeltaConcurrentModificationException concurrentModification(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof DeltaConcurrentModificationException c) {
        return c;
      }
    }
    return null;
  }

  private static void backOff(String table, String runId, Throwable conflict, int tries) {
    String msg = String.valueOf(conflict.getMessage()).lines().findFirst().orElse("");
    long wait = (long) (100L * (1L << Math.min(tries, 6)) * (0.5 + Math.random()));
    Progress.info(String.format("%s of table %s for run %s (attempt %d of %d): retrying in %d ms (%s)",
        conflict.getClass().getSimpleName(), table, runId, tries, MAX_ATTEMPTS, wait, msg));
    try {
      Thread.sleep(wait);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while retrying the write of " + table, ie);
    }
  }

  /**
   * The commitInfo of the commit tagged {@code tag} (newest first, down to {@code after + 1}),
   * with its {@code version} added: the write's own metrics, read from the one log entry it made.
   */
  /** This job's commit (tagged {@code tag}) after version {@code after}; null when Delta made none. */
  private static JsonNode ownCommit(SparkSession spark, String path, String tag, long after) {
    long latest = version(spark, path);
    for (long v = latest; v > after; v--) {
      JsonNode info = commitInfo(spark, path, v);
      if (info != null && tag.equals(info.path("userMetadata").asText(null))) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) info).put("version", v);
        return info;
      }
    }
    // save() returned, so the write succeeded; Delta makes no commit at all for an overwrite that
    // neither adds nor removes a file (an empty slice written over an empty slice)
    return null;
  }

  /** One log entry's actions (one JSON object per line), or an empty list when the file is gone. */
  private static List<JsonNode> actions(SparkSession spark, String path, long version) {
    Path file = new Path(path + "/_delta_log/" + String.format("%020d.json", version));
    List<JsonNode> out = new ArrayList<>();
    try {
      FileSystem fs = file.getFileSystem(spark.sessionState().newHadoopConf());
      try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (!line.isBlank()) {
            out.add(JSON.readTree(line));
          }
        }
      }
    } catch (FileNotFoundException e) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static JsonNode commitInfo(SparkSession spark, String path, long version) {
    for (JsonNode a : actions(spark, path, version)) {
      if (a.has("commitInfo")) {
        return a.get("commitInfo");
      }
    }
    return null;
  }

  /**
   * Gives each table this job committed its run slice back as it was before the job's first commit
   * to it. Only {@code run_id = <run>} rows are read or written. A table whose slice another writer
   * (not this job) changed after this job's commit is left alone: that writer's rows are newer.
   */
  private static void rollback(SparkSession spark, String warehouse, String runId, String attempt,
      List<Committed> done) {
    Map<String, Committed> first = new LinkedHashMap<>();
    for (Committed c : done) {
      if (c.version() < 0) {
        continue; // no commit: nothing to give back
      }
      first.merge(c.write().table(), c, (a, b) -> a.version() <= b.version() ? a : b);
    }
    for (Committed c : first.values()) {
      String path = path(warehouse, c.write().table());
      String where = slice(runId, c.write());
      for (int tries = 1; ; tries++) {
        try {
          String other = foreignWriterOfSlice(spark, path, runId, attempt, c.version());
          if (other != null) {
            Progress.info("not rolling back " + path + " for run " + runId + ": its rows were rewritten after this job's"
                + " commit by " + other);
            break;
          }
          Dataset<Row> previous = c.version() == 0 ? null
              : spark.read().format("delta").option("versionAsOf", c.version() - 1).load(path).where(where);
          if (previous == null || previous.isEmpty()) {
            DeltaTable.forPath(spark, path).delete(where);
            Progress.info("rolled back " + path + ": deleted the rows of " + where);
          } else {
            previous.write().format("delta").mode("overwrite").option("replaceWhere", where)
                .option("userMetadata", attempt + " rollback").partitionBy(c.write().partitionBy()).save(path);
            Progress.info("rolled back " + path + ": rows of " + where + " as of version " + (c.version() - 1));
          }
          break;
        } catch (Throwable e) {
          DeltaConcurrentModificationException conflict = concurrentModification(e);
          if (conflict != null && tries < MAX_ATTEMPTS) {
            backOff(c.write().table() + " (rollback)", runId, conflict, tries);
            continue;
          }
          Progress.info("could not roll back " + path + " for run " + runId + ": " + e.getMessage());
          break;
        }
      }
    }
  }

  /**
   * Who else changed this run's partition of the table after {@code since}: the first commit, not
   * made by this job ({@code attempt}), that added or removed a file with {@code run_id = runId};
   * null when none did.
   */
  private static String foreignWriterOfSlice(SparkSession spark, String path, String runId, String attempt,
      long since) {
    long latest = version(spark, path);
    for (long v = since + 1; v <= latest; v++) {
      List<JsonNode> actions = actions(spark, path, v);
      String meta = null;
      boolean touches = false;
      for (JsonNode a : actions) {
        if (a.has("commitInfo")) {
          meta = a.get("commitInfo").path("userMetadata").asText("");
        }
        JsonNode f = a.has("add") ? a.get("add") : a.get("remove");
        if (f != null && runId.equals(f.path("partitionValues").path("run_id").asText(null))) {
          touches = true;
        }
      }
      if (touches && (meta == null || !meta.startsWith(attempt))) {
        return "version " + v + (meta == null || meta.isEmpty() ? "" : " (" + meta + ")");
      }
    }
    return null;
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E rethrow(Throwable e) throws E {
    throw (E) e;
  }

  /** The partition columns of an existing Delta table, from its log. */
  static List<String> partitionColumns(SparkSession spark, String path) {
    return new ArrayList<>(scala.collection.JavaConverters.seqAsJavaList(
        snapshot(spark, path).metadata().partitionColumns()));
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
