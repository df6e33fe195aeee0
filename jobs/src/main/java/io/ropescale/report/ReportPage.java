package io.ropescale.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ropescale.jobs.TableDocs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders one run's {@link ReportData} as a self-contained HTML page: the Vega, Vega-Lite and
 * vega-embed builds bundled in the jar are inlined, the data is embedded as JSON (escaped for a
 * {@code <script>} element), and every string that comes from data is HTML-escaped. Nothing is
 * loaded from the network (the page's Content-Security-Policy forbids it).
 */
public final class ReportPage {
  /** The chart libraries, in load order, as bundled by the build (jobs/pom.xml). */
  static final List<String> LIBRARIES = List.of("vega.min.js", "vega-lite.min.js", "vega-embed.min.js");
  /** Men et al. (NeurIPS 2024) fitted curve base = 0.0424 L^1.628. */
  static final double MEN_COEFFICIENT = 0.0424;
  static final double MEN_EXPONENT = 1.628;
  /** Men et al.'s published anchor points for d = 128 (docs/theory.md s.3): context -> base. */
  static final long[][] MEN_ANCHORS = {{1024, 4300}, {8192, 84000}, {32768, 640000}, {65536, 2100000}};

  /** One dashboard section: charts when its tables have rows, else a note. */
  record Section(String id, String title, String intro, List<Chart> charts, String note, String extraHtml) {}

  /** One chart: its container id, the named datasets it reads, its spec, and the fewest marks it must draw. */
  record Chart(String id, List<String> uses, ObjectNode spec, long minMarks) {}

  private final ReportData data;
  private final Map<String, Object> datasets = new LinkedHashMap<>();

  public ReportPage(ReportData data) {
    this.data = data;
  }

  /** The whole page. */
  public String html() {
    for (var e : data.tables().entrySet()) {
      datasets.put(e.getKey(), e.getValue().rows());
    }
    datasets.put("configs", configs());
    List<Section> sections = List.of(extrapolationSection(), criticalDimSection(), profileSection(),
        attentionBoundsSection(), baseSection(), corpusSection(), modelSection(), metadataSection());
    List<Map<String, Object>> charts = new ArrayList<>();
    for (Section s : sections) {
      for (Chart c : s.charts()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("section", s.id());
        m.put("uses", c.uses());
        m.put("minMarks", c.minMarks());
        m.put("spec", c.spec());
        charts.add(m);
      }
    }
    Map<String, Object> page = new LinkedHashMap<>();
    page.put("run_id", data.runId);
    page.put("generated_at", data.generatedAt.toString());
    page.put("sections", sections.stream().map(s -> Map.of("id", s.id(), "charts", s.charts().size())).toList());
    page.put("charts", charts);
    page.put("datasets", datasets);

    StringBuilder h = new StringBuilder(1 << 20);
    List<Map<String, Object>> runs = data.rows(TableDocs.RUNS.name());
    Map<String, Object> run = runs.get(runs.size() - 1); // the run's last command (rows are ordered by ended_at)
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        // no network at all: scripts and styles are inline; Vega compiles expressions with Function
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
        .append("script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:\">\n")
        .append("<title>ropescale report — run ").append(Html.escape(data.runId)).append("</title>\n")
        .append("<style>\n").append(resource("report.css")).append("</style>\n");
    for (String lib : LIBRARIES) {
      h.append("<script>\n").append(library(lib)).append("\n</script>\n");
    }
    h.append("</head>\n<body>\n<header>\n<h1>ropescale report</h1>\n<p class=\"sub\">run <code>")
        .append(Html.escape(data.runId)).append("</code>");
    if (run.get("spec_name") != null) {
      h.append(" · sweep <code>").append(Html.escape(run.get("spec_name"))).append("</code>");
    }
    h.append(" · ").append(Html.escape(run.get("command"))).append(" ended ").append(Html.escape(run.get("ended_at")))
        .append(" · warehouse <code>").append(Html.escape(data.warehouse)).append("</code></p>\n<nav>");
    for (Section s : sections) {
      h.append("<a href=\"#").append(s.id()).append("\">").append(Html.escape(s.title())).append("</a>");
    }
    h.append("</nav>\n</header>\n<main>\n");
    for (Section s : sections) {
      h.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(Html.escape(s.title())).append("</h2>\n");
      if (s.intro() != null) {
        h.append("<p class=\"intro\">").append(Html.escape(s.intro())).append("</p>\n");
      }
      for (Chart c : s.charts()) {
        h.append("<div class=\"chart\" id=\"").append(c.id()).append("\"></div>\n");
      }
      if (s.note() != null) {
        h.append("<p class=\"note\">").append(Html.escape(s.note())).append("</p>\n");
      }
      if (s.extraHtml() != null) {
        h.append(s.extraHtml());
      }
      h.append("</section>\n");
    }
    h.append("</main>\n<footer>Generated ").append(Html.escape(data.generatedAt)).append(" by ropescale ")
        .append(Html.escape(run.get("ropescale_version"))).append(" · charts: ").append(Html.escape(libraryVersions()))
        .append(", inlined; this page loads nothing from the network.</footer>\n")
        .append("<script type=\"application/json\" id=\"ropescale-data\">").append(Html.scriptJson(page))
        .append("</script>\n<script>\n").append(resource("report.js")).append("</script>\n</body>\n</html>\n");
    return h.toString();
  }

  // ---- sections ----

  private Section extrapolationSection() {
    String intro = "Scaling laws of RoPE-based extrapolation (Liu et al., ICLR 2024) for every configuration of the run.";
    if (!data.hasRows(TableDocs.ROPE_BOUNDS.name())) {
      return absent("extrapolation", "Extrapolation bound vs base", intro, TableDocs.ROPE_BOUNDS.name());
    }
    datasets.put("thresholds", thresholds());
    Chart c = new Chart("chart-extrapolation", List.of(TableDocs.ROPE_BOUNDS.name(), "configs", "thresholds"),
        Charts.parse(Charts.EXTRAPOLATION), data.rows(TableDocs.ROPE_BOUNDS.name()).size());
    return new Section("extrapolation", "Extrapolation bound vs base", intro, List.of(c), null, null);
  }

  private Section criticalDimSection() {
    String intro = "How many rotary dimensions saw a full period of their angle during pre-training and at the tuned base.";
    if (!data.hasRows(TableDocs.ROPE_BOUNDS.name())) {
      return absent("critical-dim", "Critical dimension", intro, TableDocs.ROPE_BOUNDS.name());
    }
    Chart c = new Chart("chart-critical-dim", List.of(TableDocs.ROPE_BOUNDS.name(), "configs"), Charts.parse(Charts.CRITICAL_DIM),
        2L * data.rows(TableDocs.ROPE_BOUNDS.name()).size());
    return new Section("critical-dim", "Critical dimension", intro, List.of(c), null, null);
  }

  private Section profileSection() {
    String title = "B(m) curves and ood_pairs per base";
    String intro = "Per-position statistics of each configuration (attention_profile), condensed into position buckets.";
    if (!data.hasRows(TableDocs.ATTENTION_PROFILE.name())) {
      return absent("profile", title, intro, TableDocs.ATTENTION_PROFILE.name());
    }
    Map<String, Map<String, Object>> byId = configsById();
    Map<String, Long> pointsPerSeries = new LinkedHashMap<>();
    for (Map<String, Object> r : data.rows(TableDocs.ATTENTION_PROFILE.name())) {
      Map<String, Object> cfg = byId.get(String.valueOf(r.get("config_id")));
      if (cfg != null && num(r.get("position_start")) >= 1) {
        pointsPerSeries.merge(String.valueOf(cfg.get("series")), 1L, Long::sum);
      }
    }
    List<String> series = new ArrayList<>(new LinkedHashSet<>(byId.values().stream()
        .map(c -> String.valueOf(c.get("series"))).filter(pointsPerSeries::containsKey).toList()));
    ObjectNode spec = Charts.withSelect(Charts.parse(Charts.PROFILE), "grp", series);
    // margin (line) + ood (line): one item per point of the first group in each
    Chart c = new Chart("chart-profile", List.of(TableDocs.ATTENTION_PROFILE.name(), "configs"), spec,
        2 * pointsPerSeries.getOrDefault(series.get(0), 0L));
    return new Section("profile", title, intro, List.of(c), data.table(TableDocs.ATTENTION_PROFILE.name()).note(), null);
  }

  private Section attentionBoundsSection() {
    String title = "Measured attention bounds";
    String intro = "Where the margin first turns negative and where the first pair goes out of distribution (attention_bounds).";
    if (!data.hasRows(TableDocs.ATTENTION_BOUNDS.name())) {
      return absent("attention-bounds", title, intro, TableDocs.ATTENTION_BOUNDS.name());
    }
    Set<String> engines = new java.util.TreeSet<>();
    data.rows(TableDocs.ATTENTION_BOUNDS.name()).forEach(r -> engines.add(String.valueOf(r.get("engine"))));
    String engine = engines.contains("jvm") ? "jvm" : engines.iterator().next();
    long points = data.rows(TableDocs.ATTENTION_BOUNDS.name()).stream().filter(r -> engine.equals(String.valueOf(r.get("engine"))))
        .mapToLong(r -> List.of("first_negative_margin", "first_ood_position", "extrapolation_bound", "angle_coverage_bound")
            .stream().filter(k -> r.get(k) != null && num(r.get(k)) > 0).count())
        .sum();
    ObjectNode spec = Charts.withValue(Charts.parse(Charts.ATTENTION_BOUNDS), "engine", engine);
    Chart c = new Chart("chart-attention-bounds", List.of(TableDocs.ATTENTION_BOUNDS.name(), "configs"), spec, points);
    String note = engines.size() > 1 ? "engine " + engine + " shown; the engines give the same numbers" : null;
    return new Section("attention-bounds", title, intro, List.of(c), note, null);
  }

  private Section baseSection() {
    String title = "Base lower bound vs context length";
    String intro = "Smallest RoPE base that keeps the similar-token margin non-negative up to each context (base_lower_bounds),"
        + " with the law fitted on this run (scaling_fits) and the published curve.";
    if (!data.hasRows(TableDocs.BASE_LOWER_BOUNDS.name())) {
      return absent("base-bounds", title, intro, TableDocs.BASE_LOWER_BOUNDS.name());
    }
    datasets.put("base_law", baseLaw());
    long points = data.rows(TableDocs.BASE_LOWER_BOUNDS.name()).stream()
        .mapToLong(r -> (r.get("lower_bound_base") == null ? 0 : 1) + (r.get("safe_base") == null ? 0 : 1)).sum();
    Chart c = new Chart("chart-base-bounds", List.of(TableDocs.BASE_LOWER_BOUNDS.name(), "base_law"), Charts.parse(Charts.BASE_LOWER_BOUNDS),
        points);
    String note = data.hasRows(TableDocs.SCALING_FITS.name()) && data.rows(TableDocs.SCALING_FITS.name()).stream()
        .anyMatch(r -> "base_lower_bound_vs_context".equals(r.get("fit")))
        ? null : "scaling_fits has no base_lower_bound_vs_context row in this run: the fitted law is not drawn";
    return new Section("base-bounds", title, intro, List.of(c), note, fitsTable());
  }

  private Section corpusSection() {
    String title = "Corpus coverage";
    String intro = "How much of the run's corpus each configuration covers (corpus_coverage), and the corpus's document lengths"
        + " (document_length_histogram).";
    List<Chart> charts = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    if (data.hasRows(TableDocs.CORPUS_COVERAGE.name())) {
      charts.add(new Chart("chart-coverage", List.of(TableDocs.CORPUS_COVERAGE.name(), "configs"), Charts.parse(Charts.COVERAGE),
          5L * data.rows(TableDocs.CORPUS_COVERAGE.name()).size()));
    } else {
      missing.add(TableDocs.CORPUS_COVERAGE.name());
    }
    if (data.hasRows(TableDocs.DOCUMENT_LENGTH_HISTOGRAM.name())) {
      charts.add(new Chart("chart-histogram", List.of(TableDocs.DOCUMENT_LENGTH_HISTOGRAM.name()), Charts.parse(Charts.HISTOGRAM),
          data.rows(TableDocs.DOCUMENT_LENGTH_HISTOGRAM.name()).size()));
    } else {
      missing.add(TableDocs.DOCUMENT_LENGTH_HISTOGRAM.name());
    }
    String note = missing.isEmpty() ? null : notComputed(missing);
    StringBuilder extra = new StringBuilder();
    if (data.hasRows(TableDocs.DOCUMENTS.name())) {
      extra.append(listTable("Longest documents", data.table(TableDocs.DOCUMENTS.name())));
    }
    if (data.hasRows(TableDocs.QUARANTINE.name())) {
      extra.append(listTable("Quarantined files", data.table(TableDocs.QUARANTINE.name())));
    }
    return new Section("corpus", title, intro, charts, note, extra.isEmpty() ? null : extra.toString());
  }

  /** A real model's loss and attention per RoPE variant (the model-attention stage). */
  private Section modelSection() {
    String title = "Measured on a real model";
    String intro = "A llama-architecture model (GGUF) read the run's documents under each RoPE variant (model_position_profile,"
        + " model_measured_bounds), and its native pass's pre-RoPE query/key correlation gives the expected logit at any base"
        + " (model_logit_profile).";
    if (!data.hasRows("model_position_profile")) {
      return absent("model", title, intro, "model_position_profile");
    }
    List<Chart> charts = new ArrayList<>();
    long lines = data.rows("model_position_profile").stream().filter(r -> num(r.get("position_start")) >= 1).count();
    charts.add(new Chart("chart-model-excess", List.of("model_position_profile", "model_measured_bounds"),
        Charts.parse(Charts.MODEL_EXCESS), lines));
    if (data.hasRows("model_logit_profile")) {
      charts.add(new Chart("chart-model-logits", List.of("model_logit_profile", "model_margin"),
          Charts.parse(Charts.MODEL_LOGITS), 2L * data.rows("model_logit_profile").size()));
    }
    StringBuilder extra = new StringBuilder();
    if (data.hasRows("model_measured_bounds")) {
      extra.append("<table class=\"list\">\n<caption>Where the loss breaks, measured vs predicted (tokens)</caption>\n")
          .append("<tr><th>variant</th><th>measured</th><th>95% interval</th><th>T_extra</th><th>measured / T_extra</th>")
          .append("<th>angle coverage</th><th>B(m)&lt;0 at</th><th>evaluated</th></tr>\n");
      for (Map<String, Object> r : data.rows("model_measured_bounds")) {
        extra.append("<tr><td>").append(Html.escape(r.get("variant"))).append("</td><td>")
            .append(r.get("measured_bound") == null ? "did not break" : Html.escape(r.get("measured_bound")))
            .append("</td><td>").append(Html.escape(Objects.toString(r.get("measured_lower"), "—"))).append(" – ")
            .append(Html.escape(Objects.toString(r.get("measured_upper"), "—"))).append("</td><td>")
            .append(Html.escape(String.format(java.util.Locale.ROOT, "%.0f", num(r.get("extrapolation_bound")))))
            .append("</td><td>").append(r.get("measured_over_extrapolation_bound") == null ? "—"
                : Html.escape(String.format(java.util.Locale.ROOT, "%.2f", num(r.get("measured_over_extrapolation_bound")))))
            .append("</td><td>").append(r.get("angle_coverage_bound") == null ? "unbounded"
                : Html.escape(String.format(java.util.Locale.ROOT, "%.0f", num(r.get("angle_coverage_bound")))))
            .append("</td><td>").append(Html.escape(Objects.toString(r.get("first_negative_margin"), "—")))
            .append("</td><td>").append(Html.escape(r.get("evaluated_length"))).append("</td></tr>\n");
      }
      extra.append("</table>\n");
    }
    return new Section("model", title, intro, charts, data.table("model_position_profile").note(), extra.toString());
  }

  /** The run's runs rows: one per command that wrote into the run (a sweep, or each stage on its own). */
  private Section metadataSection() {
    StringBuilder h = new StringBuilder();
    List<Map<String, Object>> runs = data.rows(TableDocs.RUNS.name());
    for (Map<String, Object> run : runs) {
      h.append("<table class=\"meta\">\n");
      if (runs.size() > 1) {
        h.append("<caption>command ").append(Html.escape(run.get("command"))).append("</caption>\n");
      }
      for (String k : List.of("run_id", "command", "spec_name", "arguments", "status", "started_at", "ended_at")) {
        h.append("<tr><th>").append(Html.escape(k)).append("</th><td>").append(Html.escape(Objects.toString(run.get(k), "—")))
            .append("</td></tr>\n");
      }
      h.append("<tr><th>duration</th><td>").append(Html.escape(duration(run))).append("</td></tr>\n");
      h.append("<tr><th>versions</th><td>ropescale ").append(Html.escape(run.get("ropescale_version")))
          .append(" · Spark ").append(Html.escape(run.get("spark_version")))
          .append(" · delta-spark ").append(Html.escape(run.get("delta_version"))).append("</td></tr>\n");
      h.append("<tr><th>master</th><td>").append(Html.escape(run.get("master"))).append("</td></tr>\n");
      h.append("<tr><th>tables written</th><td>");
      Object tables = run.get("tables");
      if (tables instanceof Map<?, ?> m && !m.isEmpty()) {
        h.append("<ul class=\"inline\">");
        new TreeMap<>(m).forEach((k, v) -> h.append("<li><code>").append(Html.escape(k)).append("</code> ")
            .append(Html.escape(v)).append(" rows</li>"));
        h.append("</ul>");
      } else {
        h.append("—");
      }
      h.append("</td></tr>\n</table>\n");
    }
    h.append("<table class=\"meta\"><tr><th>warehouse</th><td>").append(Html.escape(data.warehouse))
        .append("</td></tr></table>\n");
    Set<Object> specs = new LinkedHashSet<>();
    runs.forEach(r -> {
      if (r.get("spec_text") != null) {
        specs.add(r.get("spec_text"));
      }
    });
    for (Object spec : specs) {
      h.append("<details open><summary>sweep spec</summary><pre>").append(Html.escape(spec)).append("</pre></details>\n");
    }
    return new Section("run", "Run metadata", null, List.of(), null, h.toString());
  }

  private Section absent(String id, String title, String intro, String table) {
    String note = data.table(table) == null ? notComputed(List.of(table)) : "Table " + table + " has no rows for this run.";
    return new Section(id, title, intro, List.of(), note, null);
  }

  private static String notComputed(List<String> tables) {
    return "Not computed in this run: no " + String.join(" or ", tables) + " table in the warehouse"
        + " (run the stage that writes it).";
  }

  // ---- derived datasets ----

  /** One row per configuration: series label, plot order and base, from whichever tables name it. */
  List<Map<String, Object>> configs() {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Map<String, Object> r : data.rows(TableDocs.ROPE_BOUNDS.name())) {
      out.putIfAbsent(String.valueOf(r.get("config_id")), config(r));
    }
    for (String t : List.of(TableDocs.ATTENTION_BOUNDS.name(), TableDocs.ATTENTION_PROFILE.name(), TableDocs.CORPUS_COVERAGE.name())) {
      for (Map<String, Object> r : data.rows(t)) {
        out.computeIfAbsent(String.valueOf(r.get("config_id")), k -> config(r));
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>(out.values());
    rows.sort(Comparator.<Map<String, Object>, String>comparing(m -> String.valueOf(m.get("model")))
        .thenComparing(m -> String.valueOf(m.get("rope")))
        .thenComparingDouble(m -> m.get("tune_len") == null ? 0 : num(m.get("tune_len")))
        .thenComparingDouble(m -> m.get("base") == null ? 0 : num(m.get("base"))));
    for (int i = 0; i < rows.size(); i++) {
      rows.get(i).put("order", i);
    }
    return rows;
  }

  private Map<String, Map<String, Object>> configsById() {
    Map<String, Map<String, Object>> m = new LinkedHashMap<>();
    for (Map<String, Object> c : configs()) {
      m.put(String.valueOf(c.get("config_id")), c);
    }
    return m;
  }

  /** A configuration's descriptors: from the row's columns, else parsed from config_id (model/rope/T<tune>/b<base>). */
  static Map<String, Object> config(Map<String, Object> row) {
    String id = String.valueOf(row.get("config_id"));
    String[] parts = id.split("/");
    int n = parts.length;
    String model = row.get("model") != null ? String.valueOf(row.get("model"))
        : n >= 4 ? String.join("/", java.util.Arrays.copyOfRange(parts, 0, n - 3)) : id;
    String rope = n >= 4 ? parts[n - 3] : String.valueOf(row.getOrDefault("rope_type", "?"));
    Object tune = row.get("tune_len") != null ? row.get("tune_len")
        : n >= 4 && parts[n - 2].startsWith("T") ? parseNumber(parts[n - 2].substring(1)) : null;
    Object base = row.get("base") != null ? row.get("base")
        : n >= 4 && parts[n - 1].startsWith("b") ? parseNumber(parts[n - 1].substring(1)) : null;
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("config_id", id);
    c.put("model", model);
    c.put("rope", rope);
    c.put("tune_len", tune);
    c.put("base", base);
    c.put("series", model + " · T_tune " + (tune == null ? "?" : tune) + " · " + rope);
    c.put("base_label", base == null ? "?" : "b=" + compact(num(base)));
    return c;
  }

  /** Threshold rules for the bound-vs-base chart: b0, b1, b2, b3 per series. */
  List<Map<String, Object>> thresholds() {
    Map<String, Map<String, Object>> first = new LinkedHashMap<>();
    Map<String, Map<String, Object>> byId = configsById();
    for (Map<String, Object> r : data.rows(TableDocs.ROPE_BOUNDS.name())) {
      first.putIfAbsent(String.valueOf(byId.get(String.valueOf(r.get("config_id"))).get("series")), r);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    int s = 0;
    for (var e : first.entrySet()) {
      Map<String, Object> r = e.getValue();
      String[][] kinds = {
          {"critical_base", "b₀ critical base (Thm 3)", "b₀"},
          {"beta_quarter", "b₁ = 2T/π (¼ period)", "b₁"},
          {"beta_half", "b₂ = T/π (½ period)", "b₂"},
          {"beta_full", "b₃ = T/2π (full period)", "b₃"}};
      for (int k = 0; k < kinds.length; k++) {
        if (r.get(kinds[k][0]) == null) {
          continue;
        }
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("series", e.getKey());
        t.put("kind", kinds[k][0]);
        t.put("kind_label", kinds[k][1]);
        t.put("label", kinds[k][2] + " " + compact(num(r.get(kinds[k][0]))));
        t.put("value", r.get(kinds[k][0]));
        t.put("label_y", 4 + 13 * (s * kinds.length + k) % 390);
        out.add(t);
      }
      s++;
    }
    return out;
  }

  /**
   * Lines and points of the base-vs-context chart: the fitted law of each scaling_fits row with
   * fit = base_lower_bound_vs_context (log10 base = intercept + slope log10 L), Men et al.'s curve,
   * and their published anchor points, over the run's context range.
   */
  List<Map<String, Object>> baseLaw() {
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (Map<String, Object> r : data.rows(TableDocs.BASE_LOWER_BOUNDS.name())) {
      double l = num(r.get("context"));
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
    }
    lo = Math.max(1, lo / 1.5);
    hi = hi * 1.5;
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> f : data.rows(TableDocs.SCALING_FITS.name())) {
      if ("base_lower_bound_vs_context".equals(f.get("fit")) && f.get("slope") != null && f.get("intercept") != null) {
        double slope = num(f.get("slope"));
        double intercept = num(f.get("intercept"));
        for (double l : logSpace(lo, hi, 32)) {
          out.add(point("fitted law (this run)", String.valueOf(f.get("group_key")), "line", l,
              Math.pow(10, intercept + slope * Math.log10(l))));
        }
      }
    }
    for (double l : logSpace(lo, hi, 32)) {
      out.add(point("Men et al. curve 0.0424·L^1.628", "men", "line", l, MEN_COEFFICIENT * Math.pow(l, MEN_EXPONENT)));
    }
    for (long[] a : MEN_ANCHORS) {
      if (a[0] >= lo && a[0] <= hi) {
        out.add(point("Men et al. reported, d = 128", "men-points", "point", a[0], a[1]));
      }
    }
    return out;
  }

  private static Map<String, Object> point(String what, String group, String kind, double context, double base) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("what", what);
    m.put("group", group);
    m.put("kind", kind);
    m.put("context", context);
    m.put("base", base);
    return m;
  }

  private static double[] logSpace(double lo, double hi, int n) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.pow(10, Math.log10(lo) + (Math.log10(hi) - Math.log10(lo)) * i / (n - 1));
    }
    return out;
  }

  // ---- HTML tables ----

  private String fitsTable() {
    if (!data.hasRows(TableDocs.SCALING_FITS.name())) {
      return "<p class=\"note\">" + Html.escape(data.table(TableDocs.SCALING_FITS.name()) == null
          ? notComputed(List.of(TableDocs.SCALING_FITS.name())) : "Table scaling_fits has no rows for this run.") + "</p>\n";
    }
    StringBuilder h = new StringBuilder("<table class=\"data\"><caption>Fitted scaling laws (scaling_fits)</caption>\n"
        + "<tr><th>fit</th><th>over</th><th>slope</th><th>intercept (log10)</th><th>R²</th><th>points</th>"
        + "<th>reference slope</th><th>reference intercept</th></tr>\n");
    for (Map<String, Object> r : data.rows(TableDocs.SCALING_FITS.name())) {
      h.append("<tr><td>").append(Html.escape(r.get("fit"))).append("</td><td>").append(Html.escape(r.get("group_key")))
          .append("</td><td>").append(fmt(r.get("slope"))).append("</td><td>").append(fmt(r.get("intercept")))
          .append("</td><td>").append(fmt(r.get("r2"))).append("</td><td>").append(Html.escape(r.get("rows")))
          .append("</td><td>").append(fmt(r.get("reference_slope"))).append("</td><td>")
          .append(fmt(r.get("reference_intercept"))).append("</td></tr>\n");
    }
    return h.append("</table>\n").toString();
  }

  private static String listTable(String caption, ReportData.Table t) {
    StringBuilder h = new StringBuilder("<details").append(t.rows().size() <= 12 ? " open" : "").append("><summary>")
        .append(Html.escape(caption)).append(" (").append(Html.escape(t.name())).append(", ")
        .append(Html.escape(t.note() == null ? t.rows().size() + (t.rows().size() == 1 ? " row" : " rows") : t.note()))
        .append(")</summary>\n")
        .append("<table class=\"data\">\n<tr>");
    t.columns().forEach(c -> h.append("<th>").append(Html.escape(c)).append("</th>"));
    h.append("</tr>\n");
    for (Map<String, Object> r : t.rows()) {
      h.append("<tr>");
      t.columns().forEach(c -> h.append("<td>").append(Html.escape(Objects.toString(r.get(c), "—"))).append("</td>"));
      h.append("</tr>\n");
    }
    return h.append("</table>\n</details>\n").toString();
  }

  // ---- helpers ----

  private static String duration(Map<String, Object> run) {
    try {
      long ms = java.time.Duration.between(java.time.Instant.parse(String.valueOf(run.get("started_at"))),
          java.time.Instant.parse(String.valueOf(run.get("ended_at")))).toMillis();
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    } catch (RuntimeException e) {
      return "—";
    }
  }

  private static String fmt(Object v) {
    return v == null ? "—" : Html.escape(String.format(Locale.ROOT, "%.4f", num(v)));
  }

  static double num(Object v) {
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static Object parseNumber(String s) {
    try {
      double d = Double.parseDouble(s);
      return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : d;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** 1000000 -> 1e6, 71738.44 -> 71738.4, 651.9 -> 651.9. */
  static String compact(double v) {
    if (Double.isNaN(v)) {
      return "?";
    }
    if (v >= 1e5 && v == Math.rint(v)) {
      String s = String.format(Locale.ROOT, "%.3g", v).replaceFirst("\\.?0+e", "e").replace("e+0", "e").replace("e+", "e");
      return s;
    }
    return v == Math.rint(v) && v < 1e15 ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  static String resource(String name) {
    try (InputStream in = ReportPage.class.getResourceAsStream("/ropescale/report/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource ropescale/report/" + name
            + " (the jobs build bundles it: mvn package runs npm ci in report/)");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A bundled library, without its source-map comment (the map is not bundled). */
  static String library(String name) {
    String js = resource(name).replaceAll("//# sourceMappingURL=\\S*", "");
    if (js.toLowerCase(Locale.ROOT).contains("</script")) {
      throw new IllegalStateException(name + " contains </script and cannot be inlined");
    }
    return js;
  }

  /** "vega 6.4.0, vega-lite 6.4.1, vega-embed 7.3.0" from the bundled package-lock.json. */
  static String libraryVersions() {
    try {
      var lock = Html.JSON.readTree(resource("package-lock.json")).path("packages");
      Set<String> out = new LinkedHashSet<>();
      for (String p : List.of("vega", "vega-lite", "vega-embed")) {
        out.add(p + " " + lock.path("node_modules/" + p).path("version").asText("?"));
      }
      return String.join(", ", out);
    } catch (IOException e) {
      return "vega, vega-lite, vega-embed";
    }
  }
}
