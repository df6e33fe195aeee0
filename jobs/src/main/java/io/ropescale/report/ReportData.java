package io.ropescale.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import io.delta.tables.DeltaTable;
import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.TableDocs;
import io.ropescale.rope.RopeInputException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;

/**
 * The rows of one run that the dashboard shows, read from the warehouse's Delta tables. A table
 * that does not exist is absent here (its section shows a note); every present table holds only
 * this run's rows, as plain JSON-ready values (timestamps as ISO-8601 strings, non-finite numbers
 * as null).
 */
public final class ReportData {
  /** At most this many attention_profile points per configuration go into the page. */
  public static final int PROFILE_POINTS_PER_CONFIG = 640;
  /**
   * At most this many configurations' profiles go into the page: a sweep of thousands of
   * configurations would otherwise carry millions of points (and a driver's heap of them). The
   * ones shown are spread evenly over the sweep's order (model, RoPE type, tuning length, base);
   * every configuration's bounds stay on the page, and every bucket stays in the table.
   */
  public static final int PROFILE_MAX_CONFIGS = 48;
  /** Log-spaced bins per octave used to condense a longer attention profile. */
  public static final int PROFILE_BINS_PER_OCTAVE = 32;
  /** The attention_profile columns the page carries. */
  public static final List<String> PROFILE_COLUMNS = List.of("model", "config_id", "position_start", "position_end",
      "positions", "margin_min", "margin_mean", "ood_pairs_mean", "ood_pairs_max");
  /** Rows of the quarantine list shown at most. */
  public static final int LIST_ROWS = 50;
  /** Longest documents listed. */
  public static final int DOCUMENT_ROWS = 10;

  /** A table's rows for the run; {@code note} says how the rows were reduced, if they were. */
  public record Table(String name, List<String> columns, List<Map<String, Object>> rows, String note) {}

  public final String runId;
  public final String warehouse;
  public final Instant generatedAt;
  private final Map<String, Table> tables = new LinkedHashMap<>();

  public ReportData(String runId, String warehouse, Instant generatedAt) {
    this.runId = runId;
    this.warehouse = warehouse;
    this.generatedAt = generatedAt;
  }

  public ReportData put(Table t) {
    tables.put(t.name(), t);
    return this;
  }

  /** Convenience for tests and derived data: a table from maps (columns from the first row). */
  public ReportData put(String name, List<Map<String, Object>> rows) {
    List<String> cols = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).keySet());
    return put(new Table(name, cols, rows, null));
  }

  /** The table, or null when it does not exist in the warehouse. */
  public Table table(String name) {
    return tables.get(name);
  }

  /** The table's rows; empty when absent. */
  public List<Map<String, Object>> rows(String name) {
    Table t = tables.get(name);
    return t == null ? List.of() : t.rows();
  }

  public boolean hasRows(String name) {
    return !rows(name).isEmpty();
  }

  public Map<String, Table> tables() {
    return Collections.unmodifiableMap(tables);
  }

  /**
   * At most {@code max} items of a sorted list, evenly spaced over it, the first and the last
   * included: item round(j (n - 1) / (max - 1)) for j = 0 .. max - 1. The list itself when it is
   * short enough.
   */
  public static <T> List<T> spread(List<T> sorted, int max) {
    int n = sorted.size();
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1: " + max);
    }
    if (n <= max) {
      return sorted;
    }
    if (max == 1) {
      return List.of(sorted.get(0));
    }
    List<T> out = new ArrayList<>(max);
    for (int j = 0; j < max; j++) {
      out.add(sorted.get((int) Math.round(j * (n - 1.0) / (max - 1))));
    }
    return out;
  }

  // ---- loading from Delta ----

  /** The newest committed run in {@code runs} by ended_at (a 'running' row is a job not finished). */
  public static String latestRun(SparkSession spark, String warehouse) {
    Dataset<Row> runs = DeltaTables.read(spark, warehouse, TableDocs.RUNS.name()).where(col("status").equalTo("succeeded"));
    List<Row> r = runs.orderBy(desc("ended_at"), desc("run_id")).select("run_id").limit(1).collectAsList();
    if (r.isEmpty()) {
      throw new RopeInputException("warehouse", warehouse, "has no runs yet");
    }
    return r.get(0).getString(0);
  }

  /** Reads every table the dashboard shows, for one run. */
  public static ReportData load(SparkSession spark, String warehouse, String runId) {
    ReportData d = new ReportData(runId, warehouse, Instant.now());
    Dataset<Row> runs = runRows(spark, warehouse, TableDocs.RUNS, runId);
    if (runs == null || runs.isEmpty()) {
      throw new RopeInputException("run-id", runId, "is not a run of " + warehouse + " (no row in its runs table)");
    }
    d.put(collect(TableDocs.RUNS.name(), runs.orderBy("ended_at", "command"), null)); // one row per command of the run
    add(d, spark, warehouse, TableDocs.ROPE_BOUNDS, "model", "rope_type", "tune_len", "base", "config_id");
    addProfile(d, spark, warehouse);
    add(d, spark, warehouse, TableDocs.ATTENTION_BOUNDS, "model", "config_id", "engine");
    add(d, spark, warehouse, TableDocs.BASE_LOWER_BOUNDS, "rotary_dim", "grid_per_decade", "context");
    add(d, spark, warehouse, TableDocs.SCALING_FITS, "fit", "group_key");
    add(d, spark, warehouse, TableDocs.CORPUS_COVERAGE, "corpus", "model", "config_id", "engine");
    add(d, spark, warehouse, TableDocs.DOCUMENT_LENGTH_HISTOGRAM, "corpus", "bucket_start");
    addList(d, spark, warehouse, TableDocs.QUARANTINE, LIST_ROWS, new String[] {"corpus", "path", "reason"}, "corpus", "path");
    addModel(d, spark, warehouse);
    addList(d, spark, warehouse, TableDocs.DOCUMENTS, DOCUMENT_ROWS, new String[] {"corpus", "doc_id", "path", "characters", "tokens"},
        "-tokens", "corpus", "doc_id");
    return d;
  }

  /** This run's rows of a table, or null when the table does not exist. */
  static Dataset<Row> runRows(SparkSession spark, String warehouse, TableDocs.TableDef table, String runId) {
    String path = DeltaTables.path(warehouse, table.name());
    if (!DeltaTable.isDeltaTable(spark, path)) {
      return null;
    }
    return spark.read().format("delta").load(path).where(col("run_id").equalTo(lit(runId)));
  }

  private static void add(ReportData d, SparkSession spark, String wh, TableDocs.TableDef table, String... order) {
    Dataset<Row> rows = runRows(spark, wh, table, d.runId);
    if (rows != null) {
      d.put(collect(table.name(), rows.orderBy(existing(rows, order)), null));
    }
  }

  /** Long tables (one row per document or file): only the first {@code limit} rows, with the total. */
  private static void addList(ReportData d, SparkSession spark, String wh, TableDocs.TableDef table, int limit,
      String[] columns, String... order) {
    Dataset<Row> rows = runRows(spark, wh, table, d.runId);
    if (rows == null) {
      return;
    }
    List<String> present = Arrays.asList(rows.columns());
    Column[] cols = Arrays.stream(columns).filter(present::contains).map(Column::new).toArray(Column[]::new);
    long total = rows.count();
    Dataset<Row> shown = rows.orderBy(existing(rows, order)).select(cols).limit(limit);
    d.put(collect(table.name(), shown, total > limit ? "first " + limit + " of " + total + " rows" : null));
  }

  /**
   * attention_profile ({@link #PROFILE_COLUMNS}): one engine (jvm when present; the engines give the same numbers), and when a
   * configuration has more than {@link #PROFILE_POINTS_PER_CONFIG} buckets, its buckets merged into
   * {@link #PROFILE_BINS_PER_OCTAVE} log-spaced bins per octave (min of minima, max of maxima,
   * position-weighted means).
   */
  private static void addProfile(ReportData d, SparkSession spark, String wh) {
    Dataset<Row> rows = runRows(spark, wh, TableDocs.ATTENTION_PROFILE, d.runId);
    if (rows == null) {
      return;
    }
    List<String> notes = new ArrayList<>();
    // one small job: rows per (engine, configuration)
    List<Row> counts = rows.groupBy("engine", "config_id").agg(count(lit(1)).as("n")).collectAsList();
    java.util.SortedSet<String> engines = new java.util.TreeSet<>();
    counts.forEach(r -> engines.add(r.getString(0)));
    String keep = engines.isEmpty() ? null : engines.contains("jvm") ? "jvm" : engines.first();
    if (engines.size() > 1) {
      rows = rows.where(col("engine").equalTo(lit(keep)));
      notes.add("engine " + keep + " shown (the engines give the same numbers)");
    }
    List<String> ids = counts.stream().filter(r -> r.getString(0).equals(keep)).map(r -> r.getString(1)).toList();
    if (ids.size() > PROFILE_MAX_CONFIGS) {
      List<String> shown = spread(sweepOrder(spark, wh, d.runId, ids), PROFILE_MAX_CONFIGS);
      rows = rows.where(col("config_id").isin(shown.toArray()));
      counts = counts.stream().filter(r -> shown.contains(r.getString(1))).toList();
      notes.add(shown.size() + " of " + ids.size() + " configurations shown, spread evenly over model, RoPE type,"
          + " tuning length and base (every configuration is in the table)");
    }
    long widest = counts.stream().filter(r -> r.getString(0).equals(keep)).mapToLong(r -> r.getLong(2)).max().orElse(0);
    long before = counts.stream().filter(r -> r.getString(0).equals(keep)).mapToLong(r -> r.getLong(2)).sum();
    boolean condense = widest > PROFILE_POINTS_PER_CONFIG;
    if (condense) {
      rows = rows.withColumn("bin", expr("floor(log2(position_start + 1) * " + PROFILE_BINS_PER_OCTAVE + ")"))
          .groupBy("run_id", "model", "config_id", "engine", "bin")
          .agg(expr("min(bucket)").as("bucket"),
              expr("min(position_start)").as("position_start"),
              expr("max(position_end)").as("position_end"),
              expr("sum(positions)").as("positions"),
              expr("min(margin_min)").as("margin_min"),
              expr("max(margin_max)").as("margin_max"),
              expr("sum(margin_mean * positions) / sum(positions)").as("margin_mean"),
              expr("min(decay_min)").as("decay_min"),
              expr("max(decay_max)").as("decay_max"),
              expr("sum(decay_mean * positions) / sum(positions)").as("decay_mean"),
              expr("min(ood_pairs_min)").as("ood_pairs_min"),
              expr("max(ood_pairs_max)").as("ood_pairs_max"),
              expr("sum(ood_pairs_mean * positions) / sum(positions)").as("ood_pairs_mean"),
              expr("max(computed_at)").as("computed_at"))
          .drop("bin");
    }
    // only what the charts and tooltips read: the page stays small for many configurations
    Table t = collect(TableDocs.ATTENTION_PROFILE.name(), rows.orderBy("model", "config_id", "position_start")
        .select(PROFILE_COLUMNS.stream().map(Column::new).toArray(Column[]::new)), null);
    if (condense) {
      notes.add("buckets merged into " + PROFILE_BINS_PER_OCTAVE + " log-spaced bins per octave (" + before
          + " rows -> " + t.rows().size() + ")");
    }
    d.put(new Table(t.name(), t.columns(), t.rows(), notes.isEmpty() ? null : String.join("; ", notes)));
  }

  /**
   * Configuration ids in the sweep's order (model, RoPE type, tuning length, base), from the run's
   * attention_bounds (one row per configuration, with those columns); ids it lacks go last, by id.
   */
  private static List<String> sweepOrder(SparkSession spark, String wh, String runId, List<String> ids) {
    Dataset<Row> bounds = runRows(spark, wh, TableDocs.ATTENTION_BOUNDS, runId);
    java.util.Set<String> wanted = new java.util.HashSet<>(ids);
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    if (bounds != null) {
      // one row per configuration and engine: the set keeps each id once, without a distinct() shuffle
      for (Row r : bounds.select("config_id", "model", "rope_type", "tune_len", "base")
          .orderBy("model", "rope_type", "tune_len", "base", "config_id").collectAsList()) {
        if (wanted.contains(r.getString(0))) {
          out.add(r.getString(0));
        }
      }
    }
    ids.stream().filter(i -> !out.contains(i)).sorted().forEach(out::add);
    return new ArrayList<>(out);
  }

  /** Log-spaced bins per octave of the model-attention curves on the page. */
  public static final int MODEL_BINS_PER_OCTAVE = 24;

  /**
   * The model-attention section's rows: the measured bounds; the excess loss per variant (its loss
   * columns are the same for every layer, so the first recorded layer's rows), and L_b(m) at the
   * first recorded layer averaged over heads, both merged into {@link #MODEL_BINS_PER_OCTAVE}
   * log-spaced bins of position (token-weighted); beside L_b(m), Men et al.'s B(m)/(d/2) at the
   * same bases and distances (d from model_qk_correlation).
   */
  private static void addModel(ReportData d, SparkSession spark, String wh) {
    add(d, spark, wh, TableDocs.MODEL_MEASURED_BOUNDS, "model", "variant");
    String bin = "floor(log2(position_start + 1) * " + MODEL_BINS_PER_OCTAVE + ")";
    Dataset<Row> profile = runRows(spark, wh, TableDocs.MODEL_POSITION_PROFILE, d.runId);
    if (profile != null) {
      Dataset<Row> first = profile.where(col("layer").equalTo(profile.agg(expr("min(layer)")).head().get(0)));
      d.put(collect("model_position_profile", first.withColumn("bin", expr(bin))
          .groupBy("model", "variant", "bin")
          .agg(expr("min(position_start)").as("position_start"), expr("max(position_end)").as("position_end"),
              expr("sum(tokens)").as("tokens"),
              expr("sum(excess_mean * tokens) / sum(tokens)").as("excess_mean"),
              expr("sum(excess_lower * tokens) / sum(tokens)").as("excess_lower"),
              expr("sum(excess_upper * tokens) / sum(tokens)").as("excess_upper"),
              expr("sum(nll_mean * tokens) / sum(tokens)").as("nll_mean"))
          .drop("bin").where(col("excess_mean").isNotNull()).orderBy("model", "variant", "position_start"),
          "first recorded layer; buckets merged into " + MODEL_BINS_PER_OCTAVE + " log-spaced bins per octave"));
    }
    Dataset<Row> logits = runRows(spark, wh, TableDocs.MODEL_LOGIT_PROFILE, d.runId);
    Dataset<Row> qk = runRows(spark, wh, TableDocs.MODEL_QK_CORRELATION, d.runId);
    if (logits != null && qk != null && !qk.isEmpty()) {
      int headDim = qk.select("head_dim").head().getInt(0);
      Dataset<Row> first = logits.where(col("layer").equalTo(logits.agg(expr("min(layer)")).head().get(0)));
      Table t = collect("model_logit_profile", first.where(col("position_start").geq(1)).withColumn("bin", expr(bin))
          .groupBy("model", "layer", "base", "bin")
          .agg(expr("min(position_start)").as("position_start"), expr("avg(logit)").as("logit"))
          .drop("bin").orderBy("model", "base", "position_start"),
          "first recorded layer, mean over query heads, " + MODEL_BINS_PER_OCTAVE + " log-spaced bins per octave");
      d.put(t);
      List<Map<String, Object>> margin = new ArrayList<>();
      for (Map<String, Object> r : t.rows()) {
        double base = ((Number) r.get("base")).doubleValue();
        long m = ((Number) r.get("position_start")).longValue();
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("base", base);
        x.put("position_start", m);
        x.put("margin", io.ropescale.attention.MarginKernel.direct(
            io.ropescale.rope.RopeTypes.defaultTheta(headDim, base), m) / (headDim / 2.0));
        margin.add(x);
      }
      d.put(new Table("model_margin", List.of("base", "position_start", "margin"), margin, null));
    }
  }

  private static Column[] existing(Dataset<Row> rows, String... order) {
    List<String> present = Arrays.asList(rows.columns());
    List<Column> out = new ArrayList<>();
    for (String o : order) {
      boolean descending = o.startsWith("-");
      String name = descending ? o.substring(1) : o;
      if (present.contains(name)) {
        out.add(descending ? col(name).desc() : col(name));
      }
    }
    return out.toArray(new Column[0]);
  }

  static Table collect(String name, Dataset<Row> rows, String note) {
    StructField[] fields = rows.schema().fields();
    List<String> cols = Arrays.stream(fields).map(StructField::name).toList();
    List<Map<String, Object>> out = new ArrayList<>();
    for (Row r : rows.collectAsList()) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < fields.length; i++) {
        m.put(fields[i].name(), plain(r.get(i)));
      }
      out.add(m);
    }
    return new Table(name, cols, out, note);
  }

  /** A Spark value as a JSON-ready Java value. */
  static Object plain(Object v) {
    if (v instanceof Timestamp t) {
      return t.toInstant().toString();
    }
    if (v instanceof Double x) {
      return Double.isFinite(x) ? x : null;
    }
    if (v instanceof Float x) {
      return Float.isFinite(x) ? x.doubleValue() : null;
    }
    if (v instanceof java.math.BigDecimal x) {
      return x.doubleValue();
    }
    if (v instanceof scala.collection.Map<?, ?> m) {
      Map<String, Object> out = new java.util.TreeMap<>();
      scala.collection.JavaConverters.mapAsJavaMap(m).forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
      return out;
    }
    if (v instanceof scala.collection.Seq<?> s) {
      List<Object> out = new ArrayList<>();
      scala.collection.JavaConverters.seqAsJavaList(s).forEach(x -> out.add(plain(x)));
      return out;
    }
    if (v instanceof Row r) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (int i = 0; i < r.size(); i++) {
        out.put(r.schema().fields()[i].name(), plain(r.get(i)));
      }
      return out;
    }
    if (v instanceof java.sql.Date dt) {
      return dt.toLocalDate().toString();
    }
    return v;
  }
}
