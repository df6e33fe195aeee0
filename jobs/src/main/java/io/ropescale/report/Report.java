package io.ropescale.report;

import io.ropescale.jobs.DeltaTables;
import io.ropescale.jobs.Progress;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code ropescale report}: writes {@code <warehouse>/reports/<run_id>/index.html} for one run
 * (a ':' of the run id becomes '_' in the directory name). Reads the Delta tables, writes no table.
 */
public final class Report {
  private Report() {}

  /** Writes the run's dashboard (runId null: the newest run) and returns where. */
  public static String write(SparkSession spark, String warehouse, String runId) {
    String run = runId == null || runId.isBlank() ? ReportData.latestRun(spark, warehouse) : DeltaTables.runIdOrFresh(runId);
    long t0 = System.currentTimeMillis();
    ReportData data = ReportData.load(spark, warehouse, run);
    String html = new ReportPage(data).html();
    Path path = new Path(DeltaTables.path(warehouse, "reports") + "/" + run.replace(':', '_') + "/index.html");
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(path, true)) {
        out.write(html.getBytes(StandardCharsets.UTF_8));
      }
      String where = fs.makeQualified(path).toString();
      Progress.info("report: run " + run + " -> " + where + " (" + html.length() / 1024 + " KiB, "
          + (System.currentTimeMillis() - t0) + " ms)");
      return where.startsWith("file:") ? new java.io.File(fs.makeQualified(path).toUri()).getPath() : where;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }
}
