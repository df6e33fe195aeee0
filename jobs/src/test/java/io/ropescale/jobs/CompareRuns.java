package io.ropescale.jobs;

import static org.apache.spark.sql.functions.col;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Compares one run's rows in two warehouses, table by table, value for value (tests/cluster/run.sh,
 * tests/s3/run.sh): every Delta table of either warehouse, every column but {@code computed_at} and
 * {@code run_id}; in {@code runs}, only what the run computed (command, spec, status, rows written
 * per table), not when or where it ran. Doubles must agree to 1e-12 relative (the same arithmetic
 * summed in another order across executors); everything else exactly. Row order does not matter;
 * duplicates do. Prints one line per table; exits 1 on the first difference, 0 if none.
 * Usage: CompareRuns WAREHOUSE_A RUN_A WAREHOUSE_B RUN_B [WAREHOUSE_C RUN_C ...] (warehouses local
 * paths or URIs): every further run is compared with run A.
 *
 * <p>{@code CompareRuns --views WAREHOUSE RUN SQL_DIR absent|present}: creates the BI views of
 * SQL_DIR over the warehouse (as register-tables does, in this session's catalog) and counts each
 * view's rows of RUN; exits 1 unless every view has none (absent) or latest_run_per_model has the
 * run (present).
 *
 * <p>Several checks run in one JVM (one Spark session start) when joined by {@code --and}; the exit
 * code is 1 if any of them fails, and every check runs.
 */
public final class CompareRuns {
  static final Set<String> IGNORED = Set.of("computed_at", "run_id");
  static final List<String> RUNS_COMPARED = List.of("command", "spec_name", "spec_text", "status", "tables");

  private CompareRuns() {}

  public static void main(String[] args) {
    SparkSession spark = Sessions.get("local", "ropescale compare-runs");
    boolean ok = true;
    List<String> check = new ArrayList<>();
    for (int i = 0; i <= args.length; i++) {
      if (i < args.length && !args[i].equals("--and")) {
        check.add(args[i]);
        continue;
      }
      ok &= check(spark, check.toArray(String[]::new));
      check.clear();
    }
    System.exit(ok ? 0 : 1);
  }

  /** One check: {@code --views ...} or {@code WH_A RUN_A WH_B RUN_B [WH_C RUN_C ...]}; true when it passes. */
  static boolean check(SparkSession spark, String[] args) {
    if (args[0].equals("--views")) {
      return views(spark, args[1], args[2], java.nio.file.Path.of(args[3]), args[4].equals("present"));
    }
    if (args.length < 4 || args.length % 2 != 0) {
      throw new IllegalArgumentException("usage: CompareRuns WH_A RUN_A WH_B RUN_B [WH_C RUN_C ...]: " + Arrays.toString(args));
    }
    boolean ok = true;
    for (int i = 2; i < args.length; i += 2) {
      System.out.println("run " + args[i + 1] + " of " + args[i] + " vs run " + args[1] + " of " + args[0] + ":");
      List<String> diffs = compare(spark, args[0], args[1], args[i], args[i + 1]);
      diffs.forEach(System.out::println);
      ok &= diffs.stream().noneMatch(d -> d.startsWith("DIFF"));
    }
    return ok;
  }

  /** Rows of the run in each BI view; true when as expected. */
  static boolean views(SparkSession spark, String warehouse, String runId, java.nio.file.Path sqlDir, boolean present) {
    RegisterTables.Result r = RegisterTables.register(spark, warehouse, sqlDir);
    boolean ok = true;
    for (String v : r.views()) {
      long n = spark.table(RegisterTables.DATABASE + "." + v).where(col("run_id").equalTo(runId)).count();
      System.out.println("view " + v + ": " + n + " rows of run " + runId);
      if (!present && n > 0 || present && v.equals("latest_run_per_model") && n == 0) {
        ok = false;
      }
    }
    return ok;
  }

  /** One line per table: "same ..." or "DIFF ...". */
  public static List<String> compare(SparkSession spark, String whA, String runA, String whB, String runB) {
    Set<String> tables = new TreeSet<>(tables(spark, whA));
    tables.addAll(tables(spark, whB));
    List<String> out = new ArrayList<>();
    for (String t : tables) {
      List<String> a = rows(spark, whA, t, runA);
      List<String> b = rows(spark, whB, t, runB);
      if (a == null || b == null) {
        boolean empty = (a == null || a.isEmpty()) && (b == null || b.isEmpty());
        out.add((empty ? "same " : "DIFF ") + t + ": only in " + (a == null ? whB : whA));
        continue;
      }
      String diff = firstDifference(a, b);
      out.add(diff == null ? "same " + t + ": " + a.size() + " rows" : "DIFF " + t + ": " + diff);
    }
    return out;
  }

  static List<String> tables(SparkSession spark, String warehouse) {
    List<String> out = new ArrayList<>();
    try {
      org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(warehouse);
      org.apache.hadoop.fs.FileSystem fs = root.getFileSystem(spark.sessionState().newHadoopConf());
      for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(root)) {
        if (s.isDirectory() && fs.exists(new org.apache.hadoop.fs.Path(s.getPath(), "_delta_log"))) {
          out.add(s.getPath().getName());
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /** The run's rows as sorted canonical strings, or null when the table is absent. */
  static List<String> rows(SparkSession spark, String warehouse, String table, String runId) {
    String path = DeltaTables.path(warehouse, table);
    if (!new File(path).isAbsolute() && !path.contains(":")) {
      path = new File(path).getAbsolutePath();
    }
    if (!io.delta.tables.DeltaTable.isDeltaTable(spark, path)) {
      return null;
    }
    Dataset<Row> d = spark.read().format("delta").load(path).where(col("run_id").equalTo(runId));
    List<String> cols = new ArrayList<>();
    for (StructField f : d.schema().fields()) {
      if (!IGNORED.contains(f.name()) && (!table.equals("runs") || RUNS_COMPARED.contains(f.name()))) {
        cols.add(f.name());
      }
    }
    d = d.select(cols.stream().map(c -> col("`" + c + "`")).toArray(org.apache.spark.sql.Column[]::new));
    List<String> out = new ArrayList<>();
    for (Row r : d.collectAsList()) {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < r.length(); i++) {
        Object v = r.get(i);
        if (d.schema().fields()[i].dataType().equals(DataTypes.DoubleType) && v != null) {
          v = "D" + Double.doubleToLongBits((Double) v) + "~" + v; // exact bits, value for messages
        } else if (v instanceof scala.collection.Map<?, ?> m) {
          v = new TreeSet<>(scala.collection.JavaConverters.mapAsJavaMap(m).entrySet().stream()
              .map(String::valueOf).toList());
        }
        s.append(d.schema().fields()[i].name()).append('=').append(v).append('\u0001');
      }
      out.add(s.toString());
    }
    out.sort(null);
    return out;
  }

  /** null when equal (doubles to 1e-12 relative), else a description of the first difference. */
  static String firstDifference(List<String> a, List<String> b) {
    if (a.size() != b.size()) {
      return a.size() + " rows vs " + b.size();
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).equals(b.get(i))) {
        continue;
      }
      String[] x = a.get(i).split("\u0001");
      String[] y = b.get(i).split("\u0001");
      for (int j = 0; j < x.length; j++) {
        if (!x[j].equals(y[j]) && !nearlyEqualDoubles(x[j], y[j])) {
          return "row " + i + ": " + x[j] + " vs " + y[j] + " (" + Arrays.toString(x).substring(0,
              Math.min(300, Arrays.toString(x).length())) + ")";
        }
      }
    }
    return null;
  }

  static boolean nearlyEqualDoubles(String x, String y) {
    int ix = x.indexOf("=D");
    int iy = y.indexOf("=D");
    if (ix < 0 || iy < 0 || !x.substring(0, ix).equals(y.substring(0, iy))) {
      return false;
    }
    double u = Double.longBitsToDouble(Long.parseLong(x.substring(ix + 2, x.indexOf('~', ix))));
    double v = Double.longBitsToDouble(Long.parseLong(y.substring(iy + 2, y.indexOf('~', iy))));
    return Math.abs(u - v) <= 1e-12 * Math.max(Math.abs(u), Math.abs(v));
  }
}
