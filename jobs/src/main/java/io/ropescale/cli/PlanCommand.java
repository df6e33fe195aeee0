package io.ropescale.cli;

import io.ropescale.jobs.StagePlan;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.TableDocs;
import io.ropescale.rope.RopeInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ropescale plan [--spec F] [--json]}: the stages {@code sweep} runs for a spec, with the
 * tables each reads and writes and the stages it waits for; without {@code --spec}, every stage
 * this build knows. No Spark: the Airflow DAGs call it to build their tasks.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"The stages `sweep` runs for a spec, in order: command line, tables read and written, upstream stages.",
        "Without --spec: every stage this build knows (the spec section that asks for each). Validates the spec; no Spark."})
public final class PlanCommand implements Callable<Integer> {
  @Option(names = "--spec", description = "Sweep spec (YAML)")
  Path spec;

  @Option(names = "--json", description = "Print JSON: {spec, name, stages: [{name, section, argv, reads, writes, upstream}]}")
  boolean json;

  @Override
  public Integer call() {
    if (spec != null && !Files.isRegularFile(spec)) {
      throw new RopeInputException("--spec", spec, "does not exist");
    }
    StagePlan plan = spec == null ? StagePlan.catalogue() : StagePlan.of(SweepSpec.load(spec));
    if (json) {
      System.out.println(Json.write(plan.toJson()));
      return 0;
    }
    System.out.printf(Locale.ROOT, "%s%n", spec == null ? "every stage (catalogue)" : "plan of spec " + plan.specName());
    System.out.printf(Locale.ROOT, "%-18s %-12s %-30s %s%n", "stage", "after", "reads", "writes");
    for (StagePlan.Stage s : plan.stages()) {
      System.out.printf(Locale.ROOT, "%-18s %-12s %-30s %s%n", s.name(),
          s.upstream().isEmpty() ? "-" : String.join(",", s.upstream()),
          s.reads().isEmpty() ? "-" : String.join(",", s.reads().stream().map(TableDocs.TableDef::name).toList()),
          s.writes().isEmpty() ? "-" : String.join(",", s.writes().stream().map(TableDocs.TableDef::name).toList()));
    }
    return 0;
  }
}
