package io.ropescale.cli;

import io.ropescale.jobs.RegisterTables;
import io.ropescale.jobs.Sessions;
import io.ropescale.rope.RopeInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ropescale register-tables}: registers every Delta table of the warehouse as an external
 * table {@code ropescale.<table>} in a Hive metastore, and creates the SQL views of conf/sql/.
 */
@Command(name = "register-tables", mixinStandardHelpOptions = true,
    description = {"Register every Delta table of the warehouse in a metastore as ropescale.<table> (external, at its path),",
        "plus the BI views of conf/sql/*.sql. Default metastore: embedded Hive (derby) at <warehouse>/_metastore;",
        "--metastore-uri thrift://host:9083 for a shared one, or --conf for any other metastore setting."})
public final class RegisterTablesCommand implements Callable<Integer> {
  @Option(names = "--warehouse", defaultValue = "./warehouse",
      description = "Directory or URI holding the Delta tables (default: ${DEFAULT-VALUE})")
  String warehouse;

  @Option(names = "--profile", defaultValue = "local",
      description = "Spark profile when not under spark-submit: local, cluster, gpu (default: ${DEFAULT-VALUE})")
  String profile;

  @Option(names = "--metastore-uri", description = "Thrift URI of a Hive metastore (hive.metastore.uris); default: embedded derby")
  String metastoreUri;

  @Option(names = "--conf", description = "Extra Spark setting KEY=VALUE (repeatable), e.g. spark.hadoop.javax.jdo.option.ConnectionURL=...")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(names = "--sql-dir", description = "Directory of the view definitions (default: ${ropescale.home}/conf/sql)")
  Path sqlDir;

  @Override
  public Integer call() {
    Path views = sqlDir != null ? sqlDir : SweepCommand.home().resolve("conf/sql");
    Map<String, String> settings = RegisterTables.metastoreConf(warehouse, metastoreUri, conf);
    for (String k : conf.keySet()) {
      if (!k.startsWith("spark.")) {
        throw new RopeInputException("--conf", k, "must be a spark.* setting (spark.hadoop.* for Hive ones)");
      }
    }
    var spark = Sessions.get(profile, "ropescale register-tables", settings, true);
    RegisterTables.Result r = RegisterTables.register(spark, warehouse, views);
    System.out.println("registered in database " + RegisterTables.DATABASE + ": tables " + r.tables() + ", views " + r.views());
    r.skipped().forEach((view, why) -> System.out.println("skipped view " + view + ": " + why));
    return 0;
  }
}
