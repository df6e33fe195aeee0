package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.cli.Main;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * register-tables with the embedded Hive metastore: tables and views registered by the command are
 * queried from a new Spark application (new SparkContext, same derby metastore), so they persisted.
 */
class RegisterTablesTest extends SparkTestBase {
  static final Path PAPER = home.resolve("conf/sweeps/paper-llama2.yaml");

  static void stopSpark() {
    SparkSession.getActiveSession().foreach(s -> { s.stop(); return null; });
    SparkSession.getDefaultSession().foreach(s -> { s.stop(); return null; });
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  static SparkSession hiveSession(Path wh) {
    return Sessions.get("local", "ropescale-test-metastore", RegisterTables.metastoreConf(wh.toString(), null, Map.of()), true);
  }

  @AfterAll
  static void backToInMemory() {
    stopSpark(); // the next test class starts an in-memory session again
  }

  static Set<String> names(SparkSession s, String sql, int column) {
    Set<String> out = new HashSet<>();
    s.sql(sql).collectAsList().forEach(r -> out.add(r.getString(column)));
    return out;
  }

  @Test
  void registersTablesAndViewsThatPersistInTheMetastore() throws Exception {
    Path wh = tempWarehouse();
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "old"));
    assertEquals(0, Main.run("scaling-laws", "--spec", PAPER.toString(), "--warehouse", wh.toString(), "--run-id", "new"));
    stopSpark();

    assertEquals(0, Main.run("register-tables", "--warehouse", wh.toString()));
    assertTrue(Files.isDirectory(wh.resolve("_metastore/metastore_db")), "embedded metastore under the warehouse");
    stopSpark();

    SparkSession s = hiveSession(wh);
    assertEquals(Set.of("rope_bounds", "runs", "latest_run_per_model", "rope_bounds_latest", "base_recommendations",
        "run_history"),
        names(s, "SHOW TABLES IN ropescale", 1));
    assertEquals(Set.of("latest_run_per_model", "rope_bounds_latest", "base_recommendations", "run_history"),
        names(s, "SHOW VIEWS IN ropescale", 1));
    // column comments from TableDocs reach the metastore's schema
    Row comment = s.sql("DESCRIBE TABLE ropescale.rope_bounds").where("col_name = 'extrapolation_bound'").first();
    assertTrue(comment.getString(2).startsWith(TableDocs.get("rope_bounds").column("extrapolation_bound").meaning()));

    Row latest = s.sql("SELECT * FROM ropescale.latest_run_per_model").first();
    assertEquals("llama2-7b", latest.getAs("model"));
    assertEquals("new", latest.getAs("run_id"));
    assertEquals(22, s.sql("SELECT * FROM ropescale.rope_bounds_latest").count());
    assertEquals(44, s.table("ropescale.rope_bounds").count());

    // base recommendations: both formulas, and the smallest swept base that reaches the target
    List<Row> recs = s.sql("SELECT * FROM ropescale.base_recommendations WHERE run_id = 'new'").collectAsList();
    assertEquals(2 * 9, recs.size(), "2 tuning lengths x 9 targets");
    List<Row> bounds = s.sql("SELECT base, tune_len, extrapolation_bound, unbounded FROM ropescale.rope_bounds"
        + " WHERE run_id = 'new'").collectAsList();
    for (Row r : recs) {
      long target = r.getAs("target_context");
      long tune = r.getAs("tune_len");
      String where = "T=" + target + " tune=" + tune;
      assertEquals(ScalingLaws.requiredBasePaper(4096, 10000, target), r.<Double>getAs("required_base_paper"), 1e-6, where);
      assertEquals(ScalingLaws.requiredBaseExact(128, 4096, 10000, target), r.<Double>getAs("required_base_exact"), 1e-6, where);
      Double expected = bounds.stream()
          .filter(b -> b.getLong(1) == tune && !b.getBoolean(3) && b.getDouble(2) >= target)
          .map(b -> b.getDouble(0)).min(Double::compare).orElse(null);
      assertEquals(expected, r.getAs("smallest_swept_base"), where);
    }
    Row t100k = recs.stream().filter(r -> r.<Long>getAs("tune_len") == 4096 && r.<Long>getAs("target_context") == 100000)
        .findFirst().orElseThrow();
    assertEquals(938327.2, t100k.<Double>getAs("required_base_paper"), 0.1);
    assertEquals(701472.4, t100k.<Double>getAs("required_base_exact"), 0.1);
    assertEquals(1e6, t100k.<Double>getAs("smallest_swept_base"));
    assertEquals("llama2-7b/default/T4096/b1000000", t100k.getAs("swept_config_id"));
    assertNull(recs.stream().filter(r -> r.<Long>getAs("target_context") == 1048576).findFirst().orElseThrow()
        .getAs("smallest_swept_base"), "no swept base reaches 1M");

    // the corpus stage runs later: its view appears on the next registration
    s.sql("SELECT 'new' AS run_id, 'books' AS corpus, 'llama2-7b' AS model, 'llama2-7b/default/T4096/b1000000' AS config_id,"
        + " 'jvm' AS engine, 3L AS documents, 300L AS tokens, 0.5D AS share_tokens_within_tune_len,"
        + " 0.9D AS share_tokens_within_extrapolation_bound, 0.8D AS share_tokens_without_ood_pairs,"
        + " 0.7D AS share_repeats_within_extrapolation_bound, 0.6D AS share_repeats_discriminated,"
        + " current_timestamp() AS computed_at")
        .write().format("delta").partitionBy("run_id").save(wh.resolve("corpus_coverage").toString());
    assertEquals(0, Main.run("register-tables", "--warehouse", wh.toString()));
    Row joined = s.sql("SELECT * FROM ropescale.bounds_with_coverage").first();
    assertEquals(129026.8, joined.<Double>getAs("extrapolation_bound"), 0.1);
    assertEquals(0.9, joined.<Double>getAs("share_tokens_within_extrapolation_bound"));
    assertTrue(names(s, "SHOW TABLES IN ropescale", 1).contains("corpus_coverage"));

    // registering again is idempotent
    assertEquals(0, Main.run("register-tables", "--warehouse", wh.toString()));
    // 3 tables; 6 views: the 4 above plus the two that read corpus_coverage
    assertEquals(Set.of("rope_bounds", "runs", "corpus_coverage", "latest_run_per_model", "rope_bounds_latest",
        "base_recommendations", "run_history", "bounds_with_coverage", "coverage_latest"),
        names(s, "SHOW TABLES IN ropescale", 1));
  }

  @Test
  void metastoreSettings() {
    Map<String, String> thrift = RegisterTables.metastoreConf("s3a://bucket/wh", "thrift://hms:9083", Map.of());
    assertEquals(Map.of("spark.hadoop.hive.metastore.uris", "thrift://hms:9083"), thrift);
    Map<String, String> own = Map.of("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:postgresql://db/hms");
    assertEquals(own, RegisterTables.metastoreConf("s3a://bucket/wh", null, own));
    Path wh = tempWarehouse();
    Map<String, String> derby = RegisterTables.metastoreConf("file:" + wh, null, Map.of());
    assertEquals("jdbc:derby:;databaseName=" + wh.toAbsolutePath().resolve("_metastore/metastore_db") + ";create=true",
        derby.get("spark.hadoop.javax.jdo.option.ConnectionURL"));
    org.junit.jupiter.api.Assertions.assertThrows(io.ropescale.rope.RopeInputException.class,
        () -> RegisterTables.metastoreConf("s3a://bucket/wh", null, Map.of()));
    org.junit.jupiter.api.Assertions.assertThrows(io.ropescale.rope.RopeInputException.class,
        () -> RegisterTables.metastoreConf("/tmp/wh", "http://hms:9083", Map.of()));
  }

  @Test
  void viewsDeclareTheTablesTheyRead() throws Exception {
    assertEquals(List.of("rope_bounds", "corpus_coverage", "runs"),
        RegisterTables.requires(Files.readString(home.resolve("conf/sql/40_bounds_with_coverage.sql"))));
    try (var files = Files.list(home.resolve("conf/sql"))) {
      for (Path f : files.toList()) {
        String sql = Files.readString(f);
        assertFalse(RegisterTables.requires(sql).isEmpty(), f + " has a -- requires: line");
        assertTrue(sql.contains("CREATE OR REPLACE VIEW ropescale."), f.toString());
      }
    }
  }
}
