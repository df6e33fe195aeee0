package io.ropescale.cli;

import picocli.CommandLine.Option;

/** Flags every Spark command takes (docs/theory.md s.6). */
public final class SparkOptions {
  @Option(names = "--warehouse", defaultValue = "./warehouse",
      description = "Directory or URI holding the Delta tables (default: ${DEFAULT-VALUE})")
  public String warehouse;

  @Option(names = "--run-id", description = "Run identifier (default: a fresh one); a rerun replaces that run's rows")
  public String runId;

  @Option(names = "--profile", defaultValue = "local",
      description = "Spark profile conf/spark/<profile>.conf when not under spark-submit: local, cluster, gpu (default: ${DEFAULT-VALUE})")
  public String profile;
}
