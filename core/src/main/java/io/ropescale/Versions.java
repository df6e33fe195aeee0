package io.ropescale;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The versions ropescale is built with: the project, Spark, Delta and the RAPIDS Accelerator. They
 * live in one place, the root {@code pom.xml}; Maven writes them into
 * {@code ropescale/version.properties} (resource filtering in core/pom.xml) and this class reads
 * that file. The launcher and the Airflow DAGs read the same POM values (jobs/target/ropescale.env,
 * pom.xml).
 */
public final class Versions {
  public static final String RESOURCE = "/ropescale/version.properties";
  private static final Properties P = load();

  private Versions() {}

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Versions.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " missing from the class path (built without Maven?)");
      }
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String key : new String[] {"project.version", "spark.version", "delta.version", "rapids.version",
        "scala.binary.version"}) {
      String v = p.getProperty(key);
      if (v == null || v.isBlank() || v.contains("${")) {
        throw new IllegalStateException(RESOURCE + " has no filtered value for " + key + ": " + v);
      }
    }
    return p;
  }

  /** The ropescale version (the POM's project version). */
  public static String project() {
    return P.getProperty("project.version");
  }

  /** The Spark version the jobs are built against. */
  public static String spark() {
    return P.getProperty("spark.version");
  }

  /** The delta-spark version. */
  public static String delta() {
    return P.getProperty("delta.version");
  }

  /** The RAPIDS Accelerator version the GPU profile and explain-gpu use. */
  public static String rapids() {
    return P.getProperty("rapids.version");
  }

  /** Scala binary version of the Spark build (2.12). */
  public static String scalaBinary() {
    return P.getProperty("scala.binary.version");
  }

  /** File name of the RAPIDS Accelerator jar, as Maven Central names it. */
  public static String rapidsJar() {
    return "rapids-4-spark_" + scalaBinary() + "-" + rapids() + ".jar";
  }
}
