package io.ropescale.jobs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code runs} table row for one run: what ran, on what, when, and what it wrote. */
public final class RunRecord {
  public static final String VERSION = io.ropescale.Versions.project();
  private static final StructType SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("command", DataTypes.StringType, false)
      .add("spec_name", DataTypes.StringType, true)
      .add("spec_text", DataTypes.StringType, true)
      .add("arguments", DataTypes.StringType, true)
      .add("started_at", DataTypes.TimestampType, false)
      .add("ended_at", DataTypes.TimestampType, false)
      .add("status", DataTypes.StringType, false)
      .add("tables", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), true)
      .add("ropescale_version", DataTypes.StringType, false)
      .add("spark_version", DataTypes.StringType, false)
      .add("delta_version", DataTypes.StringType, false)
      .add("master", DataTypes.StringType, false);

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
    return new DeltaTables.Write("runs", row(spark, tables), "command = '" + command.replace("'", "") + "'",
        new String[] {"run_id"});
  }

  /** The run's row, written last and in the same all-or-nothing commit as the results. */
  public Dataset<Row> row(SparkSession spark, Map<String, Long> tables) {
    Row r = RowFactory.create(runId, command, specName, specText, arguments, Timestamp.from(startedAt),
        Timestamp.from(Instant.now()), "succeeded", scala.collection.JavaConverters.mapAsScalaMap(tables),
        VERSION, spark.version(), io.delta.package$.MODULE$.VERSION(), spark.sparkContext().master());
    List<Row> rows = new ArrayList<>();
    rows.add(r);
    return spark.createDataFrame(rows, SCHEMA);
  }
}
