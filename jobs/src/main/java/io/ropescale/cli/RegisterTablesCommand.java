package io.ropescale.cli;

import io.ropescale.jobs.RegisterTables;
import io.ropescale.jobs.Sessions;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code ropescale register-tables}: registers every Delta table of the warehouse as an external
 * table {@code ropescale.<table>} in a Hive metastore, and creates the SQL views of conf/sql/.
 */
@Command(name = "register-tables", mixinStandardHelpOptions = true,
    description = {"Register every Delta table of the warehouse in a metastore as ropescale.<table> (external, at its path),",
        "plus the BI views of conf/sql/*.sql. Default metastore: embedded Hive (derby) at <warehouse>/_metastore;",
        "--metastore-uri thrift://host:9083 for a shared one, or --conf for any other metastore setting."})
public final class RegisterTablesCommand implements Callable<Integer> {
  @picocli.CommandLine.Mixin
  MetastoreOptions metastore = new MetastoreOptions();

  @Override
  public Integer call() {
    Map<String, String> settings = metastore.settings();
    var spark = Sessions.get(metastore.profile, "ropescale register-tables", settings, true);
    RegisterTables.Result r = RegisterTables.register(spark, metastore.warehouse, metastore.views());
    System.out.println("registered in database " + RegisterTables.DATABASE + ": tables " + r.tables() + ", views " + r.views());
    r.skipped().forEach((view, why) -> System.out.println("skipped view " + view + ": " + why));
    return 0;
  }
}
