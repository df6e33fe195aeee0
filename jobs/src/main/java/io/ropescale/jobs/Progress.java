package io.ropescale.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * Console progress for long Spark work: finished tasks of each running stage, at most every 2 s.
 * Stages may run side by side (a job's table writes go a few at a time, {@link DeltaTables}), so
 * each stage keeps its own count, and a line names its stage when more than one is running.
 */
public final class Progress extends SparkListener {
  private static final Logger LOG = LogManager.getLogger("io.ropescale.progress");
  private final String label;
  /** A running stage's count (the listener bus delivers events one at a time). */
  private static final class StageCount {
    final int tasks;
    final long started = System.nanoTime();
    int done;
    boolean printed;

    StageCount(int tasks) {
      this.tasks = tasks;
    }
  }

  private final Map<Integer, StageCount> stages = new ConcurrentHashMap<>();
  private volatile long lastPrint;
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
    stages.put(s.stageInfo().stageId(), new StageCount(s.stageInfo().numTasks()));
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd t) {
    StageCount st = stages.get(t.stageId());
    if (st == null) {
      return;
    }
    int d = ++st.done;
    int total = st.tasks;
    long now = System.nanoTime();
    // quiet for short stages: the first line after 2 s, then every 2 s, and the end of a long stage
    boolean due = now - st.started > 2_000_000_000L && now - lastPrint > 2_000_000_000L;
    if (total > 1 && d <= total && (due || (d == total && st.printed))) {
      lastPrint = now;
      st.printed = true;
      LOG.info(String.format("%s: %d/%d tasks (%.0f%%), %.1f s%s", label, d, total, 100.0 * d / total,
          (now - started) / 1e9, stages.size() > 1 ? " [stage " + t.stageId() + "]" : ""));
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted s) {
    stages.remove(s.stageInfo().stageId());
  }
}
