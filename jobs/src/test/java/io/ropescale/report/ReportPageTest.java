package io.ropescale.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The page generator on in-memory data: escaping, sections, no external URLs, embedded data. */
class ReportPageTest {
  static final String EVIL_MODEL = "<script>alert(1)</script>";
  static final String EVIL_PATH = "/data/\"quoted\" 'single' <b>bold</b> & more.txt";

  static Map<String, Object> row(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  static ReportData minimal(String model) {
    ReportData d = new ReportData("r1", "/tmp/wh \"x\"", Instant.parse("2026-01-01T00:00:00Z"));
    d.put("runs", List.of(row("run_id", "r1", "command", "sweep", "spec_name", "spec</script><!--", "spec_text",
        "models: [" + model + "]\u2028", "arguments", "a & b", "started_at", "2026-01-01T00:00:00Z", "ended_at",
        "2026-01-01T00:00:10Z", "status", "succeeded", "tables", Map.of("rope_bounds", 2L), "ropescale_version",
        io.ropescale.Versions.project(), "spark_version", io.ropescale.Versions.spark(), "delta_version",
        io.ropescale.Versions.delta(), "master", "local[*]")));
    List<Map<String, Object>> bounds = new ArrayList<>();
    for (double base : new double[] {500, 1e6}) {
      String id = model + "/default/T4096/b" + (long) base;
      bounds.add(row("run_id", "r1", "model", model, "config_id", id, "head_dim", 128, "rotary_dim", 128, "train_len", 4096L,
          "pretrain_base", 10000.0, "tune_len", 4096L, "base", base, "rope_type", "default", "rope_factor", null,
          "effective_base", base, "critical_dim", 92, "critical_base", 10000.0,
          "regime", base > 1e4 ? "larger-base" : "smaller-base", "extrapolation_bound", base > 1e4 ? 129026.8 : 4096.0,
          "critical_dim_tuned", base > 1e4 ? 92 : 128,
          "critical_dim_tuned_formula", base > 1e4 ? 62 : 128, "beta_quarter", 2607.59, "beta_half", 1303.8, "beta_full", 651.9,
          "unbounded", base < 651.9, "angle_coverage_bound", base > 1e4 ? 112166.0 : null,
          "computed_at", "2026-01-01T00:00:05Z"));
    }
    d.put("rope_bounds", bounds);
    return d;
  }

  static JsonNode pageData(String html) throws Exception {
    Matcher m = Pattern.compile("<script type=\"application/json\" id=\"ropescale-data\">(.*?)</script>", Pattern.DOTALL)
        .matcher(html);
    assertTrue(m.find(), "page has its data block");
    return new ObjectMapper().readTree(m.group(1));
  }

  /** The page without the three inlined libraries (their code is not ours to check for strings). */
  static String ownPart(String html) {
    return html.replaceAll("(?s)<script>\\n!function.*?</script>", "<script>LIB</script>");
  }

  static void absent(String page, String s) {
    int at = page.indexOf(s);
    assertEquals(-1, at, () -> "found " + s + " in: " + page.substring(Math.max(0, at - 300), Math.min(page.length(), at + 80)));
  }

  @Test
  void dataDerivedStringsAreEscaped() throws Exception {
    ReportData d = minimal(EVIL_MODEL);
    d.put("quarantine", List.of(row("corpus", "c<1>", "path", EVIL_PATH, "reason", "bad \"utf-8\" <here>")));
    String html = new ReportPage(d).html();
    String own = ownPart(html);
    int at = own.indexOf(EVIL_MODEL);
    assertEquals(-1, at, () -> "raw model name never appears: " + own.substring(Math.max(0, at - 200), at + 50));
    int b = own.indexOf("<b>bold</b>");
    assertEquals(-1, b, () -> own.substring(Math.max(0, b - 300), b + 50));
    absent(own, "spec</script>");
    // JavaScript line terminators are harmless in HTML text but not inside a script element
    for (String script : own.split("<script")) {
      absent(script.contains("</script>") ? script.substring(0, script.indexOf("</script>")) : "", "\u2028");
    }
    assertTrue(own.contains("&lt;b&gt;bold&lt;/b&gt;"), "path escaped in the quarantine table");
    assertTrue(own.contains("/data/&quot;quoted&quot; &#39;single&#39; &lt;b&gt;bold&lt;/b&gt; &amp; more.txt"));
    assertTrue(own.contains("spec&lt;/script&gt;&lt;!--"), "spec name escaped in the header");
    assertTrue(own.contains("/tmp/wh &quot;x&quot;"));
    // exactly the scripts we wrote: 3 libraries, the data block and the bootstrap
    assertEquals(5, own.split("<script", -1).length - 1);
    assertEquals(5, own.split("</script>", -1).length - 1);
    // the data block round-trips to the original strings
    JsonNode data = pageData(html);
    assertEquals(EVIL_MODEL, data.at("/datasets/rope_bounds/0/model").asText());
    assertEquals(EVIL_PATH, data.at("/datasets/quarantine/0/path").asText());
    assertEquals("models: [" + EVIL_MODEL + "]\u2028", data.at("/datasets/runs/0/spec_text").asText());
  }

  @Test
  void sectionsWithoutTablesShowNotes() throws Exception {
    String html = new ReportPage(minimal("llama2-7b")).html();
    JsonNode data = pageData(html);
    List<String> charts = new ArrayList<>();
    data.get("charts").forEach(c -> charts.add(c.get("id").asText()));
    assertEquals(List.of("chart-extrapolation", "chart-critical-dim"), charts);
    for (String absent : List.of("attention_profile", "attention_bounds", "base_lower_bounds",
        "corpus_coverage or document_length_histogram", "model_position_profile")) {
      assertTrue(html.contains("Not computed in this run: no " + absent + " table"), absent);
    }
    assertEquals(5, html.split("class=\"note\"", -1).length - 1);
    for (String id : List.of("extrapolation", "critical-dim", "profile", "attention-bounds", "base-bounds", "corpus", "model",
        "run")) {
      assertTrue(html.contains("<section id=\"" + id + "\">"), id);
    }
    assertEquals(2, data.at("/charts/0/minMarks").asInt());
  }

  @Test
  void everyCommandOfTheRunIsListed() throws Exception {
    ReportData d = minimal("m");
    List<Map<String, Object>> runs = new ArrayList<>(d.rows("runs"));
    Map<String, Object> fit = new LinkedHashMap<>(runs.get(0));
    fit.put("command", "fit");
    fit.put("ended_at", "2026-01-01T00:00:20Z");
    runs.add(fit);
    d.put("runs", runs);
    String html = new ReportPage(d).html();
    assertTrue(html.contains("<caption>command sweep</caption>") && html.contains("<caption>command fit</caption>"));
    assertTrue(html.contains(" · fit ended 2026-01-01T00:00:20Z"), "the header names the last command");
    assertEquals(2, pageData(html).at("/datasets/runs").size());
  }

  @Test
  void emptyTableIsNotedAsEmpty() {
    ReportData d = minimal("m");
    d.put(new ReportData.Table("base_lower_bounds", List.of("run_id"), List.of(), null));
    assertTrue(new ReportPage(d).html().contains("Table base_lower_bounds has no rows for this run."));
  }

  @Test
  void noExternalReferences() {
    String html = new ReportPage(minimal("m")).html();
    Matcher m = Pattern.compile("<(script|link|img|iframe)\\b[^>]*\\b(src|href)\\s*=", Pattern.CASE_INSENSITIVE)
        .matcher(ownPart(html));
    assertFalse(m.find(), "no element loads a resource: " + (m.hitEnd() ? "" : m.group()));
    assertFalse(Pattern.compile("(src|href)\\s*=\\s*[\"']?(https?:)?//", Pattern.CASE_INSENSITIVE).matcher(ownPart(html)).find());
    assertFalse(ownPart(html).contains("sourceMappingURL"));
    assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for (String lib : ReportPage.LIBRARIES) {
      assertTrue(html.contains(ReportPage.library(lib)), lib + " inlined");
    }
  }

  @Test
  void embeddedDataEqualsTheRows() throws Exception {
    ReportData d = minimal("llama2-7b");
    JsonNode data = pageData(new ReportPage(d).html());
    ObjectMapper om = new ObjectMapper();
    assertEquals(om.writeValueAsString(d.rows("rope_bounds")), data.at("/datasets/rope_bounds").toString());
    assertEquals(om.writeValueAsString(d.rows("runs")), data.at("/datasets/runs").toString());
    assertEquals("r1", data.get("run_id").asText());
    // thresholds: b0..b3 of the one series, in the values of the table
    assertEquals(4, data.at("/datasets/thresholds").size());
    assertEquals(10000.0, data.at("/datasets/thresholds/0/value").asDouble());
    assertEquals(651.9, data.at("/datasets/thresholds/3/value").asDouble());
  }

  @Test
  void scriptJsonEscapesEveryBreakout() {
    String s = Html.scriptJson(Map.of("k", "</script><!-- & \u2028\u2029 >"));
    assertEquals("{\"k\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\u003e\"}", s);
    assertEquals("&lt;a href=&quot;x&quot;&gt;&#39;&amp;", Html.escape("<a href=\"x\">'&"));
  }

  @Test
  void configIdsParseWhenColumnsAreMissing() {
    Map<String, Object> c = ReportPage.config(row("config_id", "org/model-1/yarnx4/T16384/b500000"));
    assertEquals("org/model-1", c.get("model"));
    assertEquals(16384L, c.get("tune_len"));
    assertEquals(500000L, c.get("base"));
    assertEquals("org/model-1 · T_tune 16384 · yarnx4", c.get("series"));
  }
}
