package io.ropescale.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.jobs.RegisterTables;
import io.ropescale.jobs.Sessions;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ropescale serve-sql}: the SQL endpoint BI tools connect to. Registers the warehouse the way
 * {@code register-tables} does (tables and the views of conf/sql/ under database {@code ropescale},
 * in the same metastore), then starts Spark's Thrift JDBC/ODBC server (HiveServer2 protocol) on
 * that very session, so every client sees Delta, the {@code rope_*} SQL functions and the views.
 *
 * <p>The Thrift server classes (spark-hive-thriftserver_2.12, hive-service-rpc, ...) are not on
 * Maven Central for Spark 3.5.5; bin/ropescale puts them on the class path from the pinned pyspark
 * distribution (dashboards/setup.sh --sql), so they are reached by reflection here.
 */
@Command(name = "serve-sql", mixinStandardHelpOptions = true,
    description = {"Serve the warehouse over Spark's Thrift JDBC/ODBC server (HiveServer2 protocol: beeline, PyHive,",
        "Superset, Tableau, Power BI): Delta tables and conf/sql/ views as ropescale.<name>, rope_* functions on.",
        "Runs until Ctrl-C, SIGTERM or `serve-sql --stop` (same --warehouse or --pid-file)."})
public final class ServeSqlCommand implements Callable<Integer> {
  static final String SERVER_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2";

  @picocli.CommandLine.Mixin
  MetastoreOptions metastore = new MetastoreOptions();

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 exposes it to the network)")
  String host;

  @Option(names = "--port", defaultValue = "10000", description = "TCP port (default: ${DEFAULT-VALUE}, HiveServer2's)")
  int port;

  @Option(names = "--pid-file", description = "Where the server writes its process id (default: <warehouse>/_metastore/serve-sql.pid"
      + " for a local warehouse)")
  Path pidFile;

  @Option(names = "--stop", description = "Stop the server whose pid file is --pid-file (or the warehouse's default), then exit")
  boolean stop;

  @Option(names = "--execute", paramLabel = "FILE",
      description = "Instead of serving: run the ';'-terminated statements of FILE in this same session (after registering)"
          + " and print one JSON line per statement ({sql, columns, rows}); the reference the endpoint is tested against")
  Path execute;

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new RopeInputException("--port", port, "must be 1..65535");
    }
    metastore.requireSparkConf();
    Path pid = pidFile != null ? pidFile : defaultPidFile();
    if (stop) {
      return stop(pid);
    }
    Path views = metastore.views();
    List<String> statements = execute != null ? statements(execute) : List.of();
    Class<?> server = null;
    if (execute == null) {
      server = serverClass();
      if (pid != null && Files.exists(pid) && alive(pid)) {
        throw new RopeInputException("--pid-file", pid, "names a running serve-sql (pid " + readPid(pid) + "); stop it first");
      }
    }
    Map<String, String> settings = new LinkedHashMap<>(metastore.settings());
    // HiveServer2 reads these from the execution client's HiveConf (spark.hadoop.* -> Hadoop conf)
    // and from system properties; both, so neither path can miss them.
    settings.putIfAbsent("spark.hadoop.hive.server2.thrift.bind.host", host);
    settings.putIfAbsent("spark.hadoop.hive.server2.thrift.port", Integer.toString(port));
    settings.putIfAbsent("spark.hadoop.hive.server2.transport.mode", "binary");
    System.setProperty("hive.server2.thrift.bind.host", settings.get("spark.hadoop.hive.server2.thrift.bind.host"));
    System.setProperty("hive.server2.thrift.port", settings.get("spark.hadoop.hive.server2.thrift.port"));
    SparkSession spark = Sessions.get(metastore.profile, "ropescale serve-sql", settings, true);
    RegisterTables.Result r = RegisterTables.register(spark, metastore.warehouse, views);
    String summary = "database " + RegisterTables.DATABASE + ": tables " + r.tables().keySet() + ", views " + r.views();
    if (execute != null) {
      System.err.println("[serve-sql] " + summary);
      ObjectMapper json = new ObjectMapper();
      for (String sql : statements) {
        System.out.println(json.writeValueAsString(result(spark, sql)));
      }
      return 0;
    }
    start(server, spark.sqlContext());
    awaitListening(host, port);
    if (pid != null) {
      Files.createDirectories(pid.toAbsolutePath().getParent());
      Files.writeString(pid, ProcessHandle.current().pid() + "\n");
      Path written = pid;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          Files.deleteIfExists(written);
        } catch (IOException ignored) {
          // the process is going away; a stale pid file is detected by --stop and the next start
        }
      }));
    }
    System.out.println("serving " + summary);
    r.skipped().forEach((view, why) -> System.out.println("skipped view " + view + ": " + why));
    System.out.println("ready: jdbc:hive2://" + host + ":" + port + "/" + RegisterTables.DATABASE
        + (pid != null ? " (pid file " + pid + ")" : "") + "; stop with Ctrl-C or ropescale serve-sql --stop"
        + (pidFile != null ? " --pid-file " + pidFile : " --warehouse " + metastore.warehouse));
    System.out.flush();
    new CountDownLatch(1).await(); // until Ctrl-C / SIGTERM: Spark's shutdown hook stops the server with the context
    return 0;
  }

  private Path defaultPidFile() {
    String wh = metastore.warehouse;
    if (metastore.metastoreUri != null || (wh.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") && !wh.startsWith("file:"))) {
      return null; // remote warehouse: no local place implied; --pid-file names one
    }
    String p = wh.startsWith("file:") ? java.net.URI.create(wh).getPath() : wh;
    return Path.of(p).toAbsolutePath().normalize().resolve("_metastore").resolve("serve-sql.pid");
  }

  private static int stop(Path pid) throws InterruptedException {
    if (pid == null) {
      throw new RopeInputException("--pid-file", "(none)", "is needed with --stop for a remote warehouse");
    }
    if (!Files.exists(pid)) {
      System.out.println("no serve-sql running (no pid file " + pid + ")");
      return 0;
    }
    long id = readPid(pid);
    var handle = ProcessHandle.of(id).filter(ProcessHandle::isAlive);
    if (handle.isEmpty()) {
      System.out.println("stale pid file " + pid + " (pid " + id + " is gone); removed");
      uncheckedDelete(pid);
      return 0;
    }
    handle.get().destroy(); // SIGTERM: shutdown hooks stop the Thrift server and Spark cleanly
    for (int i = 0; i < 600 && handle.get().isAlive(); i++) {
      Thread.sleep(100);
    }
    if (handle.get().isAlive()) {
      System.err.println("serve-sql pid " + id + " did not stop within 60 s");
      return 1;
    }
    uncheckedDelete(pid);
    System.out.println("stopped serve-sql pid " + id);
    return 0;
  }

  private static boolean alive(Path pid) {
    return ProcessHandle.of(readPid(pid)).map(ProcessHandle::isAlive).orElse(false);
  }

  private static long readPid(Path pid) {
    try {
      return Long.parseLong(Files.readString(pid).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NumberFormatException e) {
      throw new RopeInputException("--pid-file", pid, "does not hold a process id");
    }
  }

  private static void uncheckedDelete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Class<?> serverClass() {
    try {
      return Class.forName(SERVER_CLASS);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("Spark's Thrift server (" + SERVER_CLASS + ") is not on the class path:"
          + " run serve-sql through bin/ropescale (it adds spark-hive-thriftserver_2.12 and hive-service-rpc from the"
          + " pinned pyspark distribution, dashboards/setup.sh --sql), or spark-submit with a Spark distribution that has them", e);
    }
  }

  /** HiveThriftServer2.startWithContext(sqlContext): the server runs on this session's context and catalog. */
  private static void start(Class<?> server, SQLContext sqlContext) throws Exception {
    try {
      server.getMethod("startWithContext", SQLContext.class).invoke(null, sqlContext);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  /** The server binds in a background thread; wait until the port answers (or fail after 120 s). */
  private static void awaitListening(String host, int port) throws InterruptedException {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 1000);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("the Thrift server did not listen on " + host + ":" + port + " within 120 s");
  }

  /** Statements of a file: separated by ';' at the end of a line; '--' comment lines dropped. */
  static List<String> statements(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new RopeInputException("--execute", file, "cannot be read (" + e.getMessage() + ")");
    }
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (line.strip().startsWith("--")) {
        continue;
      }
      cur.append(line).append('\n');
      if (line.strip().endsWith(";")) {
        String s = cur.toString().strip();
        out.add(s.substring(0, s.length() - 1).strip());
        cur.setLength(0);
      }
    }
    if (!cur.toString().isBlank()) {
      out.add(cur.toString().strip());
    }
    if (out.isEmpty()) {
      throw new RopeInputException("--execute", file, "holds no SQL statement");
    }
    return out;
  }

  private static Map<String, Object> result(SparkSession spark, String sql) {
    Dataset<Row> df = spark.sql(sql);
    List<List<Object>> rows = new ArrayList<>();
    for (Row row : df.collectAsList()) {
      List<Object> vals = new ArrayList<>();
      for (int i = 0; i < row.length(); i++) {
        vals.add(plain(row.get(i)));
      }
      rows.add(vals);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sql", sql);
    out.put("columns", List.of(df.columns()));
    out.put("rows", rows);
    return out;
  }

  /** JSON-friendly value: numbers, strings and booleans as they are; timestamps ISO local; arrays as lists, maps as sorted objects. */
  private static Object plain(Object v) {
    if (v instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime().toString();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate().toString();
    }
    if (v instanceof scala.collection.Seq<?> seq) {
      List<Object> out = new ArrayList<>();
      for (scala.collection.Iterator<?> it = seq.iterator(); it.hasNext(); ) {
        out.add(plain(it.next()));
      }
      return out;
    }
    if (v instanceof scala.collection.Map<?, ?> map) {
      java.util.TreeMap<String, Object> out = new java.util.TreeMap<>();
      for (scala.collection.Iterator<? extends scala.Tuple2<?, ?>> it = map.iterator(); it.hasNext(); ) {
        scala.Tuple2<?, ?> e = it.next();
        out.put(String.valueOf(e._1()), plain(e._2()));
      }
      return out;
    }
    if (v instanceof java.math.BigDecimal b) {
      return b.toPlainString();
    }
    if (v instanceof Number || v instanceof Boolean || v == null || v instanceof String) {
      return v;
    }
    return v.toString();
  }
}
