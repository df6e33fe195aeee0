package io.ropescale.report;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.delta.tables.DeltaTable;
import io.ropescale.cli.Main;
import io.ropescale.jobs.SparkTestBase;
import io.ropescale.jobs.TableDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/** report on real runs: the sweep's report step, the full page, defaults, failures, stored schemas. */
class ReportJobTest extends SparkTestBase {
  /** The fully populated warehouse and page the browser test also opens (report/run-browser-test.sh). */
  static final Path FIXTURE = Path.of("target/report-fixture").toAbsolutePath();
  static final String TINY = "models: [llama2-7b]\nbases: [10000, 1000000]\n";

  static Dataset<Row> table(Path wh, String t) {
    return spark.read().format("delta").load(wh.resolve(t).toString());
  }

  static String page(Path wh, String run) throws Exception {
    Path p = wh.resolve("reports").resolve(run).resolve("index.html");
    assertTrue(Files.exists(p), p.toString());
    return Files.readString(p);
  }

  static Path tinySpec() throws Exception {
    Path spec = Files.createTempFile("tiny", ".yaml");
    Files.writeString(spec, TINY);
    return spec;
  }

  /** Every column of every row of the table equals the page's value (timestamps as ISO instants). */
  static void assertPageHoldsRows(JsonNode pageRows, List<Row> rows, String... key) {
    assertEquals(rows.size(), pageRows.size());
    Map<String, JsonNode> byKey = new HashMap<>();
    pageRows.forEach(r -> {
      StringBuilder k = new StringBuilder();
      for (String c : key) {
        k.append(r.get(c).asText()).append('|');
      }
      byKey.put(k.toString(), r);
    });
    for (Row r : rows) {
      StringBuilder k = new StringBuilder();
      for (String c : key) {
        k.append(r.<Object>getAs(c)).append('|');
      }
      JsonNode p = byKey.get(k.toString());
      assertNotNull(p, r.toString());
      for (StructField f : r.schema().fields()) {
        Object v = r.getAs(f.name());
        JsonNode j = p.get(f.name());
        String where = k + "." + f.name();
        if (v == null) {
          assertTrue(j.isNull(), where);
        } else if (v instanceof Number n) {
          assertEquals(n.doubleValue(), j.asDouble(), 0.0, where);
        } else if (v instanceof Boolean b) {
          assertEquals(b, j.asBoolean(), where);
        } else if (v instanceof Timestamp t) {
          assertEquals(t.toInstant().toString(), j.asText(), where);
        } else if (v instanceof String s) {
          assertEquals(s, j.asText(), where);
        }
      }
    }
  }

  @Test
  void fullReportOfARealSweep() throws Exception {
    Path wh = FIXTURE;
    if (Files.exists(wh)) {
      try (Stream<Path> s = Files.walk(wh)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    ReportFixture.write(wh, "fixture");
    String bySweep = page(wh, "fixture");

    // every documented table the sweep wrote has the documented types, comments and partitioning
    for (String t : List.of("rope_bounds", "runs", "attention_profile", "attention_bounds", "base_lower_bounds", "scaling_fits",
        "documents", "document_coverage", "corpus_coverage", "document_length_histogram", "quarantine")) {
      TableDocs.TableDef doc = TableDocs.get(t);
      StructField[] fields = table(wh, t).schema().fields();
      assertEquals(doc.columns().size(), fields.length, t);
      for (int i = 0; i < fields.length; i++) {
        TableDocs.ColumnDef c = doc.columns().get(i);
        assertEquals(c.name(), fields[i].name(), t);
        assertEquals(c.type(), fields[i].dataType().simpleString(), t + "." + c.name());
        assertTrue(fields[i].getComment().isDefined() && fields[i].getComment().get().startsWith(c.meaning()),
            t + "." + c.name() + " has its comment");
      }
      Row detail = DeltaTable.forPath(spark, wh.resolve(t).toString()).detail().first();
      assertEquals(doc.partitionedBy(), new ArrayList<>(detail.<String>getList(detail.fieldIndex("partitionColumns"))), t);
    }

    // report rewrites the page the sweep wrote, from the same tables
    assertEquals(0, Main.run("report", "--warehouse", wh.toString(), "--run-id", "fixture"));
    String html = page(wh, "fixture");
    assertEquals(bySweep.replaceAll("20\\d\\d-[0-9T:.-]+Z", "T"), html.replaceAll("20\\d\\d-[0-9T:.-]+Z", "T"),
        "same page but for the generation time");
    JsonNode data = ReportPageTest.pageData(html);
    List<String> charts = new ArrayList<>();
    data.get("charts").forEach(c -> charts.add(c.get("id").asText()));
    assertEquals(List.of("chart-extrapolation", "chart-critical-dim", "chart-profile", "chart-attention-bounds",
        "chart-base-bounds", "chart-coverage", "chart-histogram"), charts);
    // every stage of the spec is in the page; only the real-model section (no model_attention: in
    // this spec) says it was not computed
    assertEquals(1, html.split("Not computed in this run", -1).length - 1);
    assertTrue(html.contains("Not computed in this run: no model_"), "the model section's note");
    String own = ReportPageTest.ownPart(html);
    assertFalse(own.contains("<i>doc") || own.contains("<b>broken"), "file names are escaped");
    assertFalse(own.contains("<img"), "the model name is escaped everywhere");
    assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "model name escaped in the spec text");
    assertTrue(html.contains("/&lt;b&gt;broken.txt"), "quarantine path escaped");
    assertTrue(html.contains("/&quot;quoted&quot; &lt;i&gt;doc &amp; &#39;more&#39;.txt"), "document path escaped");
    assertEquals(ReportFixture.EVIL_MODEL, data.at("/datasets/rope_bounds/0/model").asText());
    assertPageHoldsRows(data.at("/datasets/rope_bounds"), table(wh, "rope_bounds").collectAsList(), "config_id");
    assertPageHoldsRows(data.at("/datasets/runs"), table(wh, "runs").collectAsList(), "run_id", "command");
    assertPageHoldsRows(data.at("/datasets/attention_bounds"), table(wh, "attention_bounds").collectAsList(),
        "config_id", "engine");
    assertPageHoldsRows(data.at("/datasets/base_lower_bounds"), table(wh, "base_lower_bounds").collectAsList(),
        "rotary_dim", "context");
    assertPageHoldsRows(data.at("/datasets/scaling_fits"), table(wh, "scaling_fits").collectAsList(), "fit", "group_key");
    assertPageHoldsRows(data.at("/datasets/corpus_coverage"), table(wh, "corpus_coverage").collectAsList(), "config_id");
    assertPageHoldsRows(data.at("/datasets/document_length_histogram"), table(wh, "document_length_histogram").collectAsList(),
        "bucket_start");
    assertEquals(1, data.at("/datasets/quarantine").size());
    assertEquals(24, data.at("/charts/0/minMarks").asInt());

    // attention_profile is condensed to log bins: fewer points, same extremes and positions covered
    JsonNode profile = data.at("/datasets/attention_profile");
    long rows = table(wh, "attention_profile").count();
    assertTrue(profile.size() < rows && profile.size() > 0, profile.size() + " of " + rows);
    assertTrue(html.contains("log-spaced bins per octave"));
    String id = "llama2-7b/default/T4096/b1000000";
    Row exact = table(wh, "attention_profile").where(col("config_id").equalTo(id))
        .selectExpr("min(margin_min)", "sum(positions)", "max(ood_pairs_max)").first();
    double minMargin = Double.MAX_VALUE;
    long positions = 0;
    int maxOod = 0;
    for (JsonNode p : profile) {
      if (p.get("config_id").asText().equals(id)) {
        minMargin = Math.min(minMargin, p.get("margin_min").asDouble());
        positions += p.get("positions").asLong();
        maxOod = Math.max(maxOod, p.get("ood_pairs_max").asInt());
      }
    }
    assertEquals(exact.getDouble(0), minMargin, 0.0);
    assertEquals(exact.getLong(1), positions);
    assertEquals(exact.getInt(2), maxOod);
  }

  @Test
  void reportDefaultsToTheNewestRunAndRejectsUnknownRuns() throws Exception {
    Path wh = tempWarehouse();
    Path spec = tinySpec();
    assertEquals(0, Main.run("scaling-laws", "--spec", spec.toString(), "--warehouse", wh.toString(), "--run-id", "one"));
    assertEquals(0, Main.run("scaling-laws", "--spec", spec.toString(), "--warehouse", wh.toString(), "--run-id", "two"));
    assertFalse(Files.exists(wh.resolve("reports")), "scaling-laws writes no report");
    assertEquals(0, Main.run("report", "--warehouse", wh.toString()));
    String html = page(wh, "two");
    assertEquals("two", ReportPageTest.pageData(html).get("run_id").asText());
    assertTrue(html.contains("Not computed in this run: no attention_profile table"));
    assertFalse(Files.exists(wh.resolve("reports/one")));
    assertEquals(2, Main.run("report", "--warehouse", wh.toString(), "--run-id", "no-such-run"));
  }

  @Test
  void aSweepOfManyConfigurationsShowsAnEvenSpreadOfTheirProfiles() throws Exception {
    // 61 bases (10^(k/15), k = 45..105) x 1 tuning length: more than the page's 48 profiles
    Path wh = tempWarehouse();
    Path spec = Files.createTempFile("many", ".yaml");
    Files.writeString(spec, "models: [llama2-7b]\nbases: {from: 1.0e+3, to: 1.0e+7, per_decade: 15}\n"
        + "tune_lengths: [4096]\nattention: {max_position: 2048}\n");
    assertEquals(0, Main.run("sweep", spec.toString(), "--warehouse", wh.toString(), "--run-id", "many"));
    List<Row> configs = table(wh, "attention_bounds").orderBy("base").select("config_id").collectAsList();
    int n = configs.size();
    assertEquals(61, n);
    String html = page(wh, "many");
    JsonNode data = ReportPageTest.pageData(html);
    java.util.Set<String> shown = new java.util.TreeSet<>();
    data.at("/datasets/attention_profile").forEach(r -> shown.add(r.get("config_id").asText()));
    assertEquals(ReportData.PROFILE_MAX_CONFIGS, shown.size());
    // one model, type and tuning length: the spread is over the bases, ends included, gaps of 1 or 2
    List<String> byBase = configs.stream().map(r -> r.getString(0)).toList();
    assertTrue(shown.contains(byBase.get(0)) && shown.contains(byBase.get(n - 1)), shown.toString());
    int last = -1;
    for (int i = 0; i < byBase.size(); i++) {
      if (shown.contains(byBase.get(i))) {
        assertTrue(last < 0 || i - last <= 2, "gap before " + byBase.get(i));
        last = i;
      }
    }
    assertTrue(html.contains("48 of 61 configurations shown"), "the page says which profiles it shows");
    // every configuration's bounds are still on the page
    assertEquals(n, data.at("/datasets/attention_bounds").size());
    assertEquals(n, data.at("/datasets/rope_bounds").size());
  }

  @Test
  void spreadKeepsTheEndsAndEvenSteps() {
    List<Integer> ten = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertEquals(ten, ReportData.spread(ten, 10));
    assertEquals(ten, ReportData.spread(ten, 48));
    // round(j * 9 / 3) for j = 0..3
    assertEquals(List.of(0, 3, 6, 9), ReportData.spread(ten, 4));
    // round(j * 9 / 4) = round(0, 2.25, 4.5, 6.75, 9)
    assertEquals(List.of(0, 2, 5, 7, 9), ReportData.spread(ten, 5));
    assertEquals(List.of(0), ReportData.spread(ten, 1));
  }

  @Test
  void aFailingReportFailsTheSweepButKeepsItsTables() throws Exception {
    Path wh = tempWarehouse();
    Files.writeString(wh.resolve("reports"), "a file where the reports directory should be");
    assertEquals(1, Main.run("sweep", tinySpec().toString(), "--warehouse", wh.toString(), "--run-id", "kept"));
    assertEquals(2, table(wh, "rope_bounds").where("run_id = 'kept'").count());
    assertEquals(1, table(wh, "runs").where("run_id = 'kept'").count());
  }
}
