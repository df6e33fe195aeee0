package io.ropescale.jobs;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/** Console progress for long Spark work: finished tasks of the running stage, at most every 2 s. */
public final class Progress extends SparkListener {
  private static final Logger LOG = LogManager.getLogger("io.ropescale.progress");
  private final String label;
  private final AtomicInteger done = new AtomicInteger();
  private volatile int total;
  private volatile long lastPrint;
  private volatile long stageStarted = System.nanoTime();
  private volatile boolean printedThisStage;
  private final long started = System.nanoTime();

  private Progress(String label) {
    this.label = label;
  }

  /** Prints progress for the work done inside {@code body}. */
  public static <T> T track(SparkSession spark, String label, java.util.function.Supplier<T> body) {
    Progress p = new Progress(label);
    spark.sparkContext().addSparkListener(p);
    try {
      return body.get();
    } finally {
      spark.sparkContext().removeSparkListener(p);
    }
  }

  public static void info(String message) {
    LOG.info(message);
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted s) {
    total = s.stageInfo().numTasks();
    done.set(0);
    stageStarted = System.nanoTime();
    printedThisStage = false;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd t) {
    int d = done.incrementAndGet();
    long now = System.nanoTime();
    // quiet for short stages: the first line after 2 s, then every 2 s, and the end of a long stage
    boolean due = now - stageStarted > 2_000_000_000L && now - lastPrint > 2_000_000_000L;
    if (total > 1 && (due || (d == total && printedThisStage))) {
      lastPrint = now;
      printedThisStage = true;
      LOG.info(String.format("%s: %d/%d tasks (%.0f%%), %.1f s", label, d, total, 100.0 * d / total,
          (now - started) / 1e9));
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted s) {
    done.set(0);
  }
}
