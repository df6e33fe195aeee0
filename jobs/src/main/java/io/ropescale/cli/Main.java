package io.ropescale.cli;

import io.ropescale.rope.RopeInputException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ropescale} command line. Exit codes: 0 ok, 1 failure, 2 bad input. */
@Command(
    name = "ropescale",
    mixinStandardHelpOptions = true,
    versionProvider = Main.VersionProvider.class,
    description = "How far a RoPE configuration stretches: scaling laws of RoPE-based extrapolation at cluster scale.",
    subcommands = {
        BoundsCommand.class,
        RequiredBaseCommand.class,
        ScalingLawsCommand.class,
        AttentionProfileCommand.class,
        BaseSearchCommand.class,
        FitCommand.class,
        ExplainGpuCommand.class,
        SweepCommand.class,
        PlanCommand.class,
        CorpusCoverageCommand.class,
        ModelAttentionCommand.class,
        TableDocsCommand.class,
        ReportCommand.class,
        RegisterTablesCommand.class,
        ServeSqlCommand.class,
        CommandLine.HelpCommand.class,
    })
public final class Main implements Runnable {

  /** {@code --version}: the versions of the root pom.xml, as Maven wrote them into the jar. */
  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ropescale " + io.ropescale.Versions.project() + " (Spark " + io.ropescale.Versions.spark()
          + ", delta-spark " + io.ropescale.Versions.delta() + ", RAPIDS Accelerator " + io.ropescale.Versions.rapids()
          + ")"};
    }
  }

  public static void main(String[] args) {
    int code = run(args);
    System.exit(code);
  }

  /** Runs a command line and returns its exit code (tests call this). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      RopeInputException bad = badInput(e);
      if (bad != null) {
        cmd.getErr().println("ropescale " + cmd.getCommandName() + ": " + bad.getMessage());
        return 2;
      }
      cmd.getErr().println("ropescale " + cmd.getCommandName() + " failed: " + e);
      e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cli.execute(args);
  }

  /** Bad input may arrive wrapped by Spark or Scala; find it. */
  static RopeInputException badInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RopeInputException r) {
        return r;
      }
    }
    return null;
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
