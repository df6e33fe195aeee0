package io.ropescale.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import io.ropescale.rope.RopeInputException;

/**
 * Builds the Spark session for every job. Under {@code spark-submit} the submitter's settings win;
 * run directly (bin/ropescale) it starts an embedded {@code local[*]} Spark with the chosen
 * profile from {@code conf/spark/<profile>.conf} (bundled in the jar). Delta and the ropescale SQL
 * functions are always on.
 */
public final class Sessions {
  public static final String DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension";
  public static final String ROPE_EXTENSION = "io.ropescale.spark.RopeSqlExtensions";

  private Sessions() {}

  public static Properties profile(String name) {
    if (!name.matches("[a-z0-9-]+")) {
      throw new RopeInputException("profile", name, "must be one of local, cluster, gpu");
    }
    Properties p = new Properties();
    try (InputStream in = Sessions.class.getResourceAsStream("/ropescale/spark/" + name + ".conf")) {
      if (in == null) {
        throw new RopeInputException("profile", name, "unknown profile; expected one of local, cluster, gpu");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  public static SparkSession get(String profileName, String appName) {
    return get(profileName, appName, java.util.Map.of(), false);
  }

  /**
   * As {@link #get(String, String)}, plus {@code conf} (applied after the profile) and, when
   * {@code hive}, the Hive catalog ({@code enableHiveSupport()}): only {@code register-tables} uses
   * it; every other command stays on the in-memory catalog of the profile. The catalog is fixed
   * when a JVM's first session starts, so asking for Hive while an in-memory session runs fails.
   */
  public static SparkSession get(String profileName, String appName, java.util.Map<String, String> conf, boolean hive) {
    SparkConf submitted = new SparkConf(); // picks up spark.* system properties set by spark-submit
    boolean underSubmit = submitted.contains("spark.master");
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    if (!underSubmit) {
      Properties p = profile(profileName);
      for (String k : p.stringPropertyNames()) {
        b.config(k, p.getProperty(k).trim());
      }
      if (!submitted.contains("spark.master")) {
        b.master("local[*]");
      }
    }
    conf.forEach(b::config);
    if (hive) {
      b.config("spark.sql.catalogImplementation", "hive").enableHiveSupport();
    }
    String extensions = submitted.get("spark.sql.extensions", "");
    StringBuilder ext = new StringBuilder(extensions);
    for (String e : new String[] {DELTA_EXTENSION, ROPE_EXTENSION}) {
      if (!extensions.contains(e)) {
        ext.append(ext.length() == 0 ? "" : ",").append(e);
      }
    }
    b.config("spark.sql.extensions", ext.toString());
    b.config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    SparkSession spark = b.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    if (hive && !"hive".equals(spark.sparkContext().conf().get("spark.sql.catalogImplementation", "in-memory"))) {
      throw new IllegalStateException("a Spark session with the in-memory catalog already runs in this JVM;"
          + " the Hive catalog needs a fresh one (stop it first)");
    }
    return spark;
  }
}
