package io.ropescale.cli;

import io.ropescale.jobs.AttentionEngine;
import io.ropescale.jobs.AttentionProfileJob;
import io.ropescale.jobs.ScalingLawsJob;
import io.ropescale.jobs.Sessions;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.corpus.CorpusCoverageJob;
import io.ropescale.jobs.corpus.CorpusEngine;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ropescale explain-gpu}: proves GPU readiness without a GPU. Runs under SparkSubmit with
 * the RAPIDS Accelerator jar on {@code --jars} (bin/ropescale does this), asks
 * {@code com.nvidia.spark.rapids.ExplainPlan.explainPotentialGpuPlan(df, "ALL")} about the plan of
 * every GPU-placeable job over small inputs, prints what would run on the GPU and why anything would
 * not, and exits 1 if any operator between the input and the Delta write would stay on the CPU.
 */
@Command(name = "explain-gpu", mixinStandardHelpOptions = true,
    description = "Report which operators of each SQL-engine job the RAPIDS Accelerator would place on the GPU"
        + " (run through bin/ropescale, which loads the RAPIDS jar with --jars).")
public final class ExplainGpuCommand implements Callable<Integer> {
  static final String SPEC = String.join("\n",
      "name: explain-gpu",
      "models: [llama2-7b, pythia-6.9b]",
      "bases: [500, 10000, 1000000]",
      "tune_lengths: [4096, 16384]",
      "rope_types: [default, {type: yarn, factor: 4}]",
      "");

  @Option(names = "--verbose", description = "Print the full ExplainPlan text of each job")
  boolean verbose;

  /**
   * The GPU-placeable jobs, each as a DataFrame plan over small inputs: scaling-laws (built-in
   * expressions only, no engine choice) and, of the stages with engines, every engine that
   * declares itself {@link io.ropescale.jobs.Engine#gpuPlaceable()}.
   */
  static Map<String, Function<SparkSession, Dataset<Row>>> jobs() {
    SweepSpec spec = SweepSpec.parse(SPEC, "explain-gpu", null);
    Map<String, Function<SparkSession, Dataset<Row>>> jobs = new LinkedHashMap<>();
    jobs.put("scaling-laws", s -> ScalingLawsJob.bounds(s, spec.configurations()));
    for (AttentionEngine e : AttentionEngine.all()) {
      if (e.gpuPlaceable()) {
        jobs.put("attention-profile " + e.name(), s -> AttentionProfileJob.planForExplain(s, spec.configurations(), e));
      }
    }
    for (CorpusEngine e : CorpusEngine.all()) {
      if (e.gpuPlaceable()) {
        jobs.put("corpus-coverage " + e.name(), s -> CorpusCoverageJob.planForExplain(s, e));
      }
    }
    jobs.put("model-logit-profile", io.ropescale.jobs.model.ModelAttentionJob::logitPlanForExplain);
    return jobs;
  }

  /** Scans of driver-built rows: the job's input, which has no GPU form (and needs none). */
  static final List<String> INPUTS = List.of("LocalTableScanExec");

  /**
   * Counts and reasons from one ExplainPlan report. Its lines read {@code *Exec <X> will run on
   * GPU}, {@code ! <X> cannot run on GPU because ...}, {@code *Expression <E> ... will run on GPU},
   * {@code !Expression <E> ... cannot run on GPU ...}; {@code @Expression ... could run} lines sit
   * under a CPU operator and count with it.
   */
  record Report(int execOnGpu, int execOnCpu, int exprOnGpu, int exprOnCpu, int inputs, List<String> cpuReasons) {
    static Report parse(String text) {
      int eg = 0;
      int ec = 0;
      int xg = 0;
      int xc = 0;
      int in = 0;
      List<String> reasons = new ArrayList<>();
      for (String raw : text.split("\n")) {
        String line = raw.trim();
        if (line.startsWith("*Exec <") && line.contains("will run on GPU")) {
          eg++;
        } else if (line.startsWith("*Expression <") && line.contains("will run on GPU")) {
          xg++;
        } else if (line.startsWith("!Expression <")) {
          xc++;
          reasons.add(line);
        } else if (line.startsWith("!") && line.contains("cannot run on GPU")) {
          String op = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
          if (INPUTS.contains(op)) {
            in++;
          } else {
            ec++;
            reasons.add(line);
          }
        }
      }
      return new Report(eg, ec, xg, xc, in, reasons);
    }
  }

  @Override
  public Integer call() throws Exception {
    Class<?> explain;
    try {
      explain = Class.forName("com.nvidia.spark.rapids.ExplainPlan", true, Thread.currentThread().getContextClassLoader());
    } catch (ClassNotFoundException e) {
      throw new io.ropescale.rope.RopeInputException("rapids jar", "not on the class path",
          "run explain-gpu through bin/ropescale (SparkSubmit --jars " + io.ropescale.Versions.rapidsJar() + ")");
    }
    Method m = explain.getMethod("explainPotentialGpuPlan", Dataset.class, String.class);
    SparkSession spark = Sessions.get("local", "ropescale explain-gpu");
    // keep the configuration rows a scan (as files would be on a cluster) instead of letting the
    // optimizer fold every expression into a local relation, so the plan shows the real work
    spark.conf().set("spark.sql.optimizer.excludedRules",
        "org.apache.spark.sql.catalyst.optimizer.ConvertToLocalRelation");
    boolean allOnGpu = true;
    System.out.printf("RAPIDS Accelerator %s, Spark %s: potential GPU placement of each SQL-engine job%n",
        explain.getPackage().getImplementationVersion() == null ? io.ropescale.Versions.rapids()
            : explain.getPackage().getImplementationVersion(),
        spark.version());
    for (Map.Entry<String, Function<SparkSession, Dataset<Row>>> job : jobs().entrySet()) {
      String text = (String) m.invoke(null, job.getValue().apply(spark), "ALL");
      Report r = Report.parse(text);
      if (verbose) {
        System.out.println(text);
      }
      System.out.printf("%-22s operators on GPU %3d, on CPU %d; expressions on GPU %4d, on CPU %d;"
          + " input scans of driver-built rows %d%n", job.getKey(),
          r.execOnGpu(), r.execOnCpu(), r.exprOnGpu(), r.exprOnCpu(), r.inputs());
      for (String reason : r.cpuReasons()) {
        System.out.println("    stays on CPU: " + reason);
      }
      if (r.execOnCpu() > 0 || r.exprOnCpu() > 0 || r.execOnGpu() == 0) {
        allOnGpu = false;
      }
    }
    // negative control: a higher-order function must be reported as CPU-bound, or this check is blind
    Dataset<Row> control = spark.range(0, 100).selectExpr("aggregate(array(id, id), 0L, (a, x) -> a + x) AS s");
    Report c = Report.parse((String) m.invoke(null, control, "ALL"));
    boolean controlCaught = c.exprOnCpu() + c.execOnCpu() > 0;
    System.out.printf("%-22s %s%n", "control", controlCaught
        ? "aggregate(...) higher-order function reported as CPU-bound, as expected"
        : "aggregate(...) NOT reported as CPU-bound: the placement check cannot be trusted");
    System.out.println(allOnGpu ? "every operator and expression would run on the GPU"
        : "some work would stay on the CPU (see above)");
    return allOnGpu && controlCaught ? 0 : 1;
  }
}
