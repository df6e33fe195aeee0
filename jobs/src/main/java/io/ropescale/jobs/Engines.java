package io.ropescale.jobs;

import io.ropescale.rope.RopeInputException;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Which engine computes the heavy statistics: {@code sql} (built-in expressions only, so the
 * RAPIDS Accelerator can place every operator on the GPU) or {@code jvm} (hand kernels in
 * mapPartitions, fastest on CPUs). {@code auto} picks sql exactly when the RAPIDS plugin is active.
 */
public enum Engines {
  JVM, SQL;

  public static Engines choose(SparkSession spark, String requested) {
    String r = requested == null ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
    switch (r) {
      case "jvm":
        return JVM;
      case "sql":
        return SQL;
      case "auto":
        return rapidsActive(spark) ? SQL : JVM;
      default:
        throw new RopeInputException("engine", requested, "must be auto, jvm or sql");
    }
  }

  public static void validate(String requested) {
    if (requested != null && !requested.trim().toLowerCase(Locale.ROOT).matches("auto|jvm|sql")) {
      throw new RopeInputException("engine", requested, "must be auto, jvm or sql");
    }
  }

  static boolean rapidsActive(SparkSession spark) {
    String plugins = spark.conf().get("spark.plugins", "");
    return plugins.contains("com.nvidia.spark.SQLPlugin")
        && !"false".equalsIgnoreCase(spark.conf().get("spark.rapids.sql.enabled", "true"));
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
