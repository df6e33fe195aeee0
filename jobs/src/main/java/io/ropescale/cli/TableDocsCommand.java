package io.ropescale.cli;

import io.ropescale.jobs.TableDocs;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ropescale table-docs}: prints docs/tables.md from the one table description. */
@Command(name = "table-docs", mixinStandardHelpOptions = true,
    description = "Print the Markdown reference of every output table (docs/tables.md).")
public final class TableDocsCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.out.print(TableDocs.markdown());
    return 0;
  }
}
