package io.ropescale.jobs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The {@code runs} table row for one run: what ran, on what, when, and what it wrote. */
public final class RunRecord {
  public static final String VERSION = io.ropescale.Versions.project();
  private static final TypedRows ROW = TypedRows.of(TableDocs.RUNS.schema());

  public final String runId;
  public final String command;
  public final String specName;
  public final String specText;
  public final String arguments;
  public final Instant startedAt = Instant.now();

  public RunRecord(String runId, String command, SweepSpec spec, String arguments) {
    this.runId = runId;
    this.command = command;
    this.specName = spec == null ? null : spec.name;
    this.specText = spec == null ? null : spec.text;
    this.arguments = arguments;
  }

  /** The runs-table write: replaces this (run, command) row only; stages of one run keep theirs. */
  public DeltaTables.Write write(SparkSession spark, Map<String, Long> tables) {
    return new DeltaTables.Write(TableDocs.RUNS, row(spark, tables), "command = '" + command.replace("'", "") + "'");
  }

  /** The run's row, written last and in the same all-or-nothing commit as the results. */
  public Dataset<Row> row(SparkSession spark, Map<String, Long> tables) {
    Row r = ROW.row().set("run_id", runId).set("command", command).set("spec_name", specName)
        .set("spec_text", specText).set("arguments", arguments).set("started_at", Timestamp.from(startedAt))
        .set("ended_at", Timestamp.from(Instant.now())).set("status", "succeeded").set("tables", tables)
        .set("ropescale_version", VERSION).set("spark_version", spark.version())
        .set("delta_version", io.delta.package$.MODULE$.VERSION()).set("master", spark.sparkContext().master())
        .build();
    return ROW.frame(spark, List.of(r));
  }
}
