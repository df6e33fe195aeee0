package io.ropescale.jobs;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.apache.spark.sql.SparkSession;

/**
 * Picks a stage's engine, the same way for every stage: {@code jvm} and {@code sql} as asked;
 * {@code auto} picks sql exactly when the RAPIDS Accelerator is loaded ({@code spark.plugins} names
 * {@link #RAPIDS_PLUGIN}) and enabled ({@code spark.rapids.sql.enabled} is not false). The session's
 * answer is taken once, at its first stage, so every stage of a run agrees.
 */
public final class Engines {
  public static final String RAPIDS_PLUGIN = "com.nvidia.spark.SQLPlugin";
  private static final Map<SparkSession, Boolean> SQL_BY_SESSION = Collections.synchronizedMap(new WeakHashMap<>());

  private Engines() {}

  /** The stage's engine for this session: {@code jvm} or {@code sql} as asked, or by {@link #rapidsActive}. */
  public static <E extends Engine> E choose(SparkSession spark, Engine.Choice choice, E jvm, E sql) {
    if (jvm.kind() != Engine.Kind.JVM || sql.kind() != Engine.Kind.SQL) {
      throw new IllegalArgumentException("engines out of order: " + jvm.name() + ", " + sql.name());
    }
    return switch (choice) {
      case JVM -> jvm;
      case SQL -> sql;
      case AUTO -> SQL_BY_SESSION.computeIfAbsent(spark, Engines::rapidsActive) ? sql : jvm;
    };
  }

  /** Whether the RAPIDS SQL plugin is loaded and enabled in this session. */
  static boolean rapidsActive(SparkSession spark) {
    return rapidsActive(spark.conf().get("spark.plugins", ""), spark.conf().get("spark.rapids.sql.enabled", "true"));
  }

  /** From the two settings: {@code spark.plugins} and {@code spark.rapids.sql.enabled}. */
  static boolean rapidsActive(String plugins, String sqlEnabled) {
    return java.util.Arrays.stream(plugins.split(",")).map(String::trim).anyMatch(RAPIDS_PLUGIN::equals)
        && !"false".equalsIgnoreCase(sqlEnabled.trim());
  }
}
