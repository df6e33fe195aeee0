package io.ropescale.jobs;

import io.delta.tables.DeltaTable;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Registers a warehouse's Delta tables (the registry's, {@link TableDocs}) in the session's (Hive)
 * catalog as external tables {@code ropescale.<table>} at their paths, then creates the views of
 * {@code conf/sql/*.sql}. Each view file holds one {@code CREATE OR REPLACE VIEW ropescale.<name> AS
 * ...} and names the registry tables it reads in a {@code -- requires: t1, t2} line; a view whose
 * tables are not in the warehouse is skipped (and a stale one dropped), so views over the corpus tables appear once the corpus stage ran.
 */
public final class RegisterTables {
  public static final String DATABASE = "ropescale";
  private static final Pattern VIEW = Pattern.compile(
      "CREATE\\s+OR\\s+REPLACE\\s+VIEW\\s+" + DATABASE + "\\.([a-z_][a-z0-9_]*)\\s", Pattern.CASE_INSENSITIVE);
  private static final Pattern REQUIRES = Pattern.compile("(?m)^--\\s*requires:\\s*(.+)$");

  /** Tables registered (name -> location), views created, views skipped (name -> why). */
  public record Result(Map<String, String> tables, List<String> views, Map<String, String> skipped) {}

  private RegisterTables() {}

  /**
   * Spark settings for the metastore: a thrift URI when given; else, unless {@code conf} names a
   * metastore itself, an embedded derby metastore at {@code <warehouse>/_metastore} (local
   * warehouses only).
   */
  public static Map<String, String> metastoreConf(String warehouse, String metastoreUri, Map<String, String> conf) {
    Map<String, String> out = new LinkedHashMap<>();
    boolean own = conf.keySet().stream().anyMatch(k -> k.endsWith("hive.metastore.uris")
        || k.endsWith("javax.jdo.option.ConnectionURL"));
    if (metastoreUri != null) {
      if (!metastoreUri.startsWith("thrift://")) {
        throw new RopeInputException("--metastore-uri", metastoreUri, "must be thrift://host:port");
      }
      out.put("spark.hadoop.hive.metastore.uris", metastoreUri);
    } else if (!own) {
      Path dir = localDir(warehouse).resolve("_metastore");
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      System.setProperty("derby.stream.error.file", dir.resolve("derby.log").toString());
      out.put("spark.hadoop.javax.jdo.option.ConnectionURL",
          "jdbc:derby:;databaseName=" + dir.resolve("metastore_db") + ";create=true");
      out.put("spark.hadoop.datanucleus.schema.autoCreateAll", "true");
      out.put("spark.hadoop.hive.metastore.schema.verification", "false");
      out.put("spark.sql.warehouse.dir", dir.resolve("spark-warehouse").toUri().toString());
    }
    out.putAll(conf);
    return out;
  }

  private static Path localDir(String warehouse) {
    if (warehouse.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !warehouse.startsWith("file:")) {
      throw new RopeInputException("--warehouse", warehouse,
          "is not local: the embedded metastore lives in <warehouse>/_metastore; give --metastore-uri or --conf");
    }
    String p = warehouse.startsWith("file:") ? java.net.URI.create(warehouse).getPath() : warehouse;
    return Path.of(p).toAbsolutePath().normalize();
  }

  public static Result register(SparkSession spark, String warehouse, Path sqlDir) {
    spark.sql("CREATE DATABASE IF NOT EXISTS " + DATABASE
        + " COMMENT 'ropescale results: Delta tables of a warehouse and BI views (docs/tables.md)'");
    Map<String, String> tables = new LinkedHashMap<>();
    for (String name : deltaTables(spark, warehouse)) {
      String location = qualified(spark, DeltaTables.path(warehouse, name));
      String existing = location(spark, name);
      if (existing != null && !existing.equals(location)) {
        Progress.info("register-tables: " + DATABASE + "." + name + " pointed at " + existing + "; now " + location);
        spark.sql("DROP TABLE " + DATABASE + "." + name); // external: the data stays
      }
      spark.sql("CREATE TABLE IF NOT EXISTS " + DATABASE + "." + name + " USING DELTA LOCATION '" + sqlString(location) + "'");
      tables.put(name, location);
    }
    List<String> views = new ArrayList<>();
    Map<String, String> skipped = new LinkedHashMap<>();
    for (Path file : viewFiles(sqlDir)) {
      String sql = read(file);
      Matcher m = VIEW.matcher(sql);
      if (!m.find()) {
        throw new RopeInputException("view", file, "must hold one CREATE OR REPLACE VIEW " + DATABASE + ".<name> AS ...");
      }
      String view = m.group(1);
      List<String> missing = requires(sql).stream().filter(t -> !tables.containsKey(t)).toList();
      if (!missing.isEmpty()) {
        spark.sql("DROP VIEW IF EXISTS " + DATABASE + "." + view);
        skipped.put(view, "needs table(s) " + String.join(", ", missing) + ", not in the warehouse");
        continue;
      }
      spark.sql(sql.strip().replaceAll(";\\s*$", ""));
      views.add(view);
    }
    Progress.info("register-tables: " + tables.size() + " tables, " + views.size() + " views in " + DATABASE
        + (skipped.isEmpty() ? "" : "; skipped " + skipped.keySet()));
    return new Result(tables, views, skipped);
  }

  /** Table names the view reads, from its {@code -- requires:} lines. */
  static List<String> requires(String sql) {
    List<String> out = new ArrayList<>();
    Matcher m = REQUIRES.matcher(sql);
    while (m.find()) {
      Arrays.stream(m.group(1).split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(out::add);
    }
    for (String t : out) {
      if (!TableDocs.has(t)) {
        throw new RopeInputException("view", t, "is named in a -- requires: line but is not a ropescale table (docs/tables.md)");
      }
    }
    return out;
  }

  /** The registry's tables ({@link TableDocs}) that exist as Delta tables in the warehouse, by name. */
  static List<String> deltaTables(SparkSession spark, String warehouse) {
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(warehouse);
    try {
      if (!root.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(root)) {
        throw new RopeInputException("--warehouse", warehouse, "does not exist");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> out = new ArrayList<>();
    for (TableDocs.TableDef t : TableDocs.all()) {
      if (DeltaTable.isDeltaTable(spark, DeltaTables.path(warehouse, t.name()))) {
        out.add(t.name());
      }
    }
    out.sort(null);
    return out;
  }

  private static String qualified(SparkSession spark, String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).makeQualified(p).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The registered location of ropescale.name, or null when it is not registered. */
  private static String location(SparkSession spark, String name) {
    if (!spark.catalog().tableExists(DATABASE, name)) {
      return null;
    }
    for (Row r : spark.sql("DESCRIBE TABLE EXTENDED " + DATABASE + "." + name).collectAsList()) {
      if ("Location".equals(r.getString(0))) {
        return r.getString(1);
      }
    }
    return null;
  }

  private static List<Path> viewFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new RopeInputException("--sql-dir", dir, "is not a directory of view definitions");
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".sql")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sqlString(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }
}
