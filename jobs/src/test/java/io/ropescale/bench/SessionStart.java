package io.ropescale.bench;

import io.ropescale.jobs.Sessions;
import org.apache.spark.sql.SparkSession;

/**
 * The floor of every Spark command: JVM start plus the Spark session bin/ropescale builds (same
 * profile, Delta and ropescale extensions), then exit. bench/small_commands.sh times it next to
 * base-search. Not a test.
 */
public final class SessionStart {
  private SessionStart() {}

  public static void main(String[] args) {
    SparkSession spark = Sessions.get("local", "ropescale session-start");
    System.out.println("spark " + spark.version() + " on " + spark.sparkContext().master());
  }
}
