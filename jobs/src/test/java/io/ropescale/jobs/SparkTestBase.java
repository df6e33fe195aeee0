package io.ropescale.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One embedded local Spark per test class, configured exactly as bin/ropescale configures it. */
public abstract class SparkTestBase {
  protected static SparkSession spark;
  protected static Path home = Path.of(System.getProperty("ropescale.home", ".."));

  @BeforeAll
  static void startSpark() {
    spark = Sessions.get("local", "ropescale-test");
  }

  @AfterAll
  static void keepSparkForNextClass() {
    // Sessions.get reuses the active session; stopping it per class costs seconds for nothing.
  }

  protected static Path tempWarehouse() {
    try {
      return Files.createTempDirectory("ropescale-wh");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static long version(Path warehouse, String table) {
    return DeltaTables.version(spark, DeltaTables.path(warehouse.toString(), table));
  }
}
