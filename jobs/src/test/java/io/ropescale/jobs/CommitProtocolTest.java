package io.ropescale.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The commit protocol of {@link DeltaTables} (docs/reliability.md): a failed job's rollback
 * touches only its own run's rows, even when another run commits into the same tables between the
 * failed write and the rollback (made deterministic by {@link DeltaTables#beforeRollback}); a
 * failed run leaves no rows; a failed rerun gets its previous rows back; concurrent first runs into
 * a new warehouse all succeed with their rows exactly once; one run id written twice at once never
 * duplicates rows.
 */
class CommitProtocolTest extends SparkTestBase {
  static final Path PAPER = home.resolve("conf/sweeps/paper-llama2.yaml");
  static final SweepSpec SPEC = SweepSpec.load(PAPER);
  static final int CONFIGS = 22; // configurations of the paper spec

  @AfterEach
  void clearHook() {
    DeltaTables.beforeRollback = runId -> {};
  }

  /** A run's rope_bounds write and its runs row, as a job of that run commits them. */
  static DeltaTables.Write bounds(String runId) {
    return ScalingLawsJob.write(spark, SPEC, runId);
  }

  static DeltaTables.Write runsRow(String runId) {
    return new RunRecord(runId, "scaling-laws", SPEC, "").write(spark, Map.of("rope_bounds", (long) CONFIGS));
  }

  /** A runs row whose computation fails while Spark writes it (after the other tables committed). */
  static DeltaTables.Write failingRunsRow(String runId) {
    DeltaTables.Write ok = runsRow(runId);
    Dataset<Row> failing = ok.rows().withColumn("command",
        org.apache.spark.sql.functions.raise_error(lit("boom in " + runId)).cast("string"));
    return new DeltaTables.Write(ok.def(), failing, ok.alsoWhere());
  }

  static void commitRun(Path wh, String runId) {
    DeltaTables.commit(spark, wh.toString(), runId, null, List.of(bounds(runId)), counts -> runsRow(runId));
  }

  static List<Row> rows(Path wh, String table, String runId) {
    return spark.read().format("delta").load(wh.resolve(table).toString()).where(col("run_id").equalTo(runId))
        .orderBy(table.equals("runs") ? "command" : "config_id").collectAsList();
  }

  static long count(Path wh, String table, String runId) {
    return rows(wh, table, runId).size();
  }

  @Test
  void anotherRunsRowsCommittedBetweenWriteAndRollbackSurvive() {
    Path wh = tempWarehouse();
    commitRun(wh, "a");
    List<Row> aBounds = rows(wh, "rope_bounds", "a");
    List<Row> aRuns = rows(wh, "runs", "a");
    List<Long> hookVersions = new ArrayList<>();
    // f: rope_bounds commits, then the runs row fails; before f's rollback, run b commits into both tables
    DeltaTables.beforeRollback = runId -> {
      if (runId.equals("f")) {
        commitRun(wh, "b");
        hookVersions.add(version(wh, "rope_bounds"));
      }
    };
    Exception e = assertThrows(Exception.class, () -> DeltaTables.commit(spark, wh.toString(), "f",
        new RunRecord("f", "scaling-laws", SPEC, "").write(spark, Map.of(), RunRecord.RUNNING),
        List.of(bounds("f")), counts -> failingRunsRow("f")));
    assertTrue(String.valueOf(e.getMessage()).contains("boom in f"), e.getMessage());
    assertEquals(1, hookVersions.size(), "b committed between f's writes and f's rollback");
    assertTrue(version(wh, "rope_bounds") > hookVersions.get(0), "f's rollback is a commit after b's");

    assertEquals(0, count(wh, "rope_bounds", "f"), "failed run leaves no rope_bounds rows");
    assertEquals(0, count(wh, "runs", "f"), "failed run leaves no runs row (not even 'running')");
    assertEquals(CONFIGS, count(wh, "rope_bounds", "b"), "b's rows survive f's rollback");
    assertEquals(1, count(wh, "runs", "b"));
    assertEquals(aBounds, rows(wh, "rope_bounds", "a"), "a's rows untouched, value for value");
    assertEquals(aRuns, rows(wh, "runs", "a"));
    assertEquals(2 * CONFIGS, spark.read().format("delta").load(wh.resolve("rope_bounds").toString()).count());
  }

  @Test
  void aFailedFirstRunLeavesNoRows() {
    Path wh = tempWarehouse();
    assertThrows(Exception.class, () -> DeltaTables.commit(spark, wh.toString(), "x", null,
        List.of(bounds("x")), counts -> failingRunsRow("x")));
    assertEquals(0, count(wh, "rope_bounds", "x"));
    assertEquals(-1, version(wh, "runs"), "the failing runs write never committed");
  }

  @Test
  void aFailedRerunGetsItsPreviousRowsBack() {
    Path wh = tempWarehouse();
    commitRun(wh, "r");
    commitRun(wh, "other");
    List<Row> before = rows(wh, "rope_bounds", "r");
    List<Row> runsBefore = rows(wh, "runs", "r");
    List<Row> other = rows(wh, "rope_bounds", "other");
    assertThrows(Exception.class, () -> DeltaTables.commit(spark, wh.toString(), "r",
        new RunRecord("r", "scaling-laws", SPEC, "").write(spark, Map.of(), RunRecord.RUNNING),
        List.of(bounds("r")), counts -> failingRunsRow("r")));
    assertEquals(before, rows(wh, "rope_bounds", "r"), "r's rows as they were, computed_at included");
    assertEquals(runsBefore, rows(wh, "runs", "r"), "r's runs row as it was: 'succeeded', not 'running'");
    assertEquals(other, rows(wh, "rope_bounds", "other"));
  }

  @Test
  void aRerunReplacesItsRows() {
    Path wh = tempWarehouse();
    commitRun(wh, "r");
    commitRun(wh, "r");
    assertEquals(CONFIGS, count(wh, "rope_bounds", "r"));
    assertEquals(1, count(wh, "runs", "r"));
  }

  /** The save mode Delta recorded for a table's latest commit ("Append" or "Overwrite"). */
  static String lastMode(Path wh, String table) throws java.io.IOException {
    Path log = wh.resolve(table).resolve("_delta_log").resolve(String.format("%020d.json", version(wh, table)));
    for (String line : java.nio.file.Files.readAllLines(log)) {
      com.fasterxml.jackson.databind.JsonNode a = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
      if (a.has("commitInfo")) {
        return a.get("commitInfo").path("operationParameters").path("mode").asText();
      }
    }
    throw new AssertionError("no commitInfo in " + log);
  }

  /**
   * A run id this JVM minted has no rows anywhere, so its first write to a table is a blind append
   * (no scan of the table's files); a second write of the same table under it replaces, as any rerun.
   */
  @Test
  void aFreshRunIdAppendsOnceThenReplaces() throws Exception {
    Path wh = tempWarehouse();
    commitRun(wh, "a");
    List<Row> aBounds = rows(wh, "rope_bounds", "a");
    String fresh = DeltaTables.runIdOrFresh(null);
    commitRun(wh, fresh);
    assertEquals("Append", lastMode(wh, "rope_bounds"));
    assertEquals("Append", lastMode(wh, "runs"));
    assertEquals(CONFIGS, count(wh, "rope_bounds", fresh));
    assertEquals(aBounds, rows(wh, "rope_bounds", "a"), "a's rows untouched");
    commitRun(wh, fresh);
    assertEquals("Overwrite", lastMode(wh, "rope_bounds"), "the table already holds rows of this id");
    assertEquals(CONFIGS, count(wh, "rope_bounds", fresh), "replaced, not duplicated");
    assertEquals(1, count(wh, "runs", fresh));
    commitRun(wh, "a");
    assertEquals("Overwrite", lastMode(wh, "rope_bounds"), "an id given from outside may have rows: replaceWhere");
    assertEquals(CONFIGS, count(wh, "rope_bounds", "a"));
  }

  @Test
  void aFailedFreshRunLeavesNoRows() {
    Path wh = tempWarehouse();
    commitRun(wh, "a");
    String fresh = DeltaTables.runIdOrFresh(null);
    assertThrows(Exception.class, () -> DeltaTables.commit(spark, wh.toString(), fresh, null,
        List.of(bounds(fresh)), counts -> failingRunsRow(fresh)));
    assertEquals(0, count(wh, "rope_bounds", fresh), "the appended rows were rolled back");
    assertEquals(CONFIGS, count(wh, "rope_bounds", "a"));
  }

  @Test
  void freshRunIdsStartedInOneSecondDiffer() {
    java.util.Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String id = DeltaTables.runIdOrFresh(null);
      assertTrue(id.matches("\\d{8}T\\d{6}-[0-9a-f]{10}"), id);
      ids.add(id);
    }
    assertEquals(2000, ids.size(), "40 random bits per id: a collision among 2000 has odds about 2e-6");
  }

  /** What a grid's first mapped tasks do: three runs created the same tables at once (issue 10). */
  @Test
  void threeConcurrentFirstRunsIntoANewWarehouseAllSucceed() throws Exception {
    Path wh = tempWarehouse();
    List<Integer> codes = concurrently(wh, "c1", "c2", "c3");
    assertEquals(List.of(0, 0, 0), codes);
    for (String run : List.of("c1", "c2", "c3")) {
      List<Row> b = rows(wh, "rope_bounds", run);
      assertEquals(CONFIGS, b.size(), run);
      assertEquals(CONFIGS, b.stream().map(r -> r.getAs("config_id")).distinct().count(), run + ": each row once");
      assertEquals(1, count(wh, "runs", run));
      assertEquals(RunRecord.SUCCEEDED, rows(wh, "runs", run).get(0).getAs("status"));
    }
    assertEquals(3 * CONFIGS, spark.read().format("delta").load(wh.resolve("rope_bounds").toString()).count());
  }

  /** Two drivers with one run id at once: whichever way they interleave, the run's rows are there once. */
  @Test
  void oneRunIdWrittenTwiceAtOnceNeverDuplicates() throws Exception {
    Path wh = tempWarehouse();
    List<Integer> codes = concurrently(wh, "same", "same");
    assertTrue(codes.contains(0), "at least one succeeds: " + codes);
    List<Row> b = rows(wh, "rope_bounds", "same");
    assertEquals(CONFIGS, b.size());
    assertEquals(CONFIGS, b.stream().map(r -> r.getAs("config_id")).distinct().count());
    assertEquals(1, count(wh, "runs", "same"));
    assertEquals(RunRecord.SUCCEEDED, rows(wh, "runs", "same").get(0).getAs("status"));
  }

  /** Runs scaling-laws for each run id on its own thread, all released at once; their exit codes. */
  static List<Integer> concurrently(Path wh, String... runIds) throws Exception {
    CyclicBarrier start = new CyclicBarrier(runIds.length);
    ExecutorService pool = Executors.newFixedThreadPool(runIds.length);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (String run : runIds) {
        results.add(pool.submit(() -> {
          start.await();
          return Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", run);
        }));
      }
      List<Integer> codes = new ArrayList<>();
      for (Future<Integer> f : results) {
        codes.add(f.get(5, TimeUnit.MINUTES));
      }
      return codes;
    } finally {
      pool.shutdownNow();
    }
  }
}
