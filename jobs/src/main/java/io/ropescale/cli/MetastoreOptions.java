package io.ropescale.cli;

import io.ropescale.jobs.RegisterTables;
import io.ropescale.rope.RopeInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of the commands that register a warehouse in a metastore ({@code register-tables},
 * {@code serve-sql}): where the tables are, which Spark profile, which metastore, extra Spark settings
 * and where the views of conf/sql/ come from. A picocli mixin, so both read them the same way.
 */
public final class MetastoreOptions {
  @Option(names = "--warehouse", defaultValue = "./warehouse",
      description = "Directory or URI holding the Delta tables (default: ${DEFAULT-VALUE})")
  String warehouse;

  @Option(names = "--profile", defaultValue = "local",
      description = "Spark profile when not under spark-submit: local, cluster, gpu (default: ${DEFAULT-VALUE})")
  String profile;

  @Option(names = "--metastore-uri", description = "Thrift URI of a Hive metastore (hive.metastore.uris); default: embedded derby")
  String metastoreUri;

  @Option(names = "--conf",
      description = "Extra Spark setting KEY=VALUE (repeatable), e.g. spark.hadoop.javax.jdo.option.ConnectionURL=...")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(names = "--sql-dir", description = "Directory of the view definitions (default: ${ropescale.home}/conf/sql)")
  Path sqlDir;

  /** Every --conf key is a spark.* setting (Hive ones as spark.hadoop.*). */
  void requireSparkConf() {
    for (String k : conf.keySet()) {
      if (!k.startsWith("spark.")) {
        throw new RopeInputException("--conf", k, "must be a spark.* setting (spark.hadoop.* for Hive ones)");
      }
    }
  }

  /** The folder of the BI views: --sql-dir, else conf/sql of the installation. */
  Path views() {
    return sqlDir != null ? sqlDir : SweepCommand.home().resolve("conf/sql");
  }

  /** The session settings of the metastore (RegisterTables.metastoreConf), after --conf is checked. */
  Map<String, String> settings() {
    requireSparkConf();
    return RegisterTables.metastoreConf(warehouse, metastoreUri, conf);
  }
}
