package io.ropescale.jobs;

import io.ropescale.jobs.TableDocs.TableDef;
import io.ropescale.jobs.corpus.CorpusCoverageJob;
import io.ropescale.jobs.corpus.CorpusSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The stages a sweep spec asks for, in order, each with the tables it reads and writes and the
 * stages it waits for. The one definition of the pipeline: {@code ropescale sweep} runs it in one
 * JVM, {@code ropescale plan --json} prints it, and the Airflow DAGs build their tasks and
 * dependencies from that output.
 *
 * <p>Adding a stage is one entry in {@link #STAGES}: its name (the CLI command), the spec section
 * that asks for it, the tables it reads and writes, and how it binds to a spec. Upstream stages are
 * not declared: a stage waits for the earlier stages of the plan that write a table it reads.
 */
public final class StagePlan {
  public static final String REPORT = "report";

  /** A stage's work in a sweep: its table writes for one run (the sweep commits them all together). */
  @FunctionalInterface
  public interface Job {
    /**
     * @param computed rows of the tables earlier stages of this run produced (nothing is in the
     *     warehouse before the commit, so a stage reads its inputs from here)
     */
    List<DeltaTables.Write> writes(SparkSession spark, String runId, Map<TableDef, Dataset<Row>> computed);
  }

  /**
   * One stage this build knows.
   *
   * @param section the spec key that asks for the stage; null: every spec runs it
   * @param reads tables it reads when an earlier stage of the same plan writes them
   * @param bind validates the spec's settings for the stage (no Spark) and returns its work; null
   *     for the report, which runs after the commit on the committed tables
   */
  public record Definition(String name, String section, List<TableDef> reads, List<TableDef> writes,
      Function<SweepSpec, Job> bind) {}

  /** Every stage, in the order a sweep runs them. */
  public static final List<Definition> STAGES = List.of(
      new Definition("scaling-laws", null, List.of(), List.of(TableDocs.ROPE_BOUNDS),
          spec -> (spark, runId, computed) -> List.of(ScalingLawsJob.write(spark, spec, runId))),
      new Definition("attention-profile", "attention", List.of(),
          List.of(TableDocs.ATTENTION_PROFILE, TableDocs.ATTENTION_BOUNDS),
          spec -> {
            AttentionSettings s = AttentionSettings.from(spec, null, null);
            return (spark, runId, computed) -> AttentionProfileJob.writes(spark, spec, s, runId);
          }),
      new Definition("base-search", "base_search", List.of(), List.of(TableDocs.BASE_LOWER_BOUNDS),
          spec -> {
            BaseSearchJob.Settings s = BaseSearchJob.Settings.from(spec);
            return (spark, runId, computed) -> List.of(BaseSearchJob.write(BaseSearchJob.compute(spark, s).cache(), runId));
          }),
      new Definition("corpus-coverage", "corpus", List.of(),
          List.of(TableDocs.DOCUMENTS, TableDocs.DOCUMENT_COVERAGE, TableDocs.CORPUS_COVERAGE,
              TableDocs.DOCUMENT_LENGTH_HISTOGRAM, TableDocs.QUARANTINE, TableDocs.TOKEN_STATS),
          spec -> {
            CorpusSpec c = CorpusSpec.of(spec, CorpusSpec.Overrides.NONE);
            return (spark, runId, computed) -> CorpusCoverageJob.writes(spark, spec, c, runId);
          }),
      // a real model's loss and attention per RoPE variant (docs/model-attention.md); when the
      // default model cannot be fetched, the stage says so in one line and writes nothing
      new Definition("model-attention", "model_attention", List.of(),
          List.of(TableDocs.MODEL_TOKEN_STATS, TableDocs.MODEL_POSITION_PROFILE, TableDocs.MODEL_MEASURED_BOUNDS,
              TableDocs.MODEL_QK_CORRELATION, TableDocs.MODEL_LOGIT_PROFILE),
          spec -> {
            var s = io.ropescale.jobs.model.ModelAttentionSettings.from(spec, null);
            boolean defaultModel = io.ropescale.jobs.model.ModelAttentionSettings.usesDefaultModel(spec, null);
            return (spark, runId, computed) -> io.ropescale.jobs.model.ModelFetch.available(s.gguf(), defaultModel, home())
                ? io.ropescale.jobs.model.ModelAttentionJob.writes(spark, s, runId) : List.of();
          }),
      // rope_bounds always; base_lower_bounds when the spec has base_search:; the model's measured
      // bounds when it has model_attention: (calibration)
      new Definition("fit", null, List.of(TableDocs.ROPE_BOUNDS, TableDocs.BASE_LOWER_BOUNDS,
          TableDocs.MODEL_MEASURED_BOUNDS),
          List.of(TableDocs.SCALING_FITS),
          spec -> (spark, runId, computed) -> List.of(FitJob.write(
              FitJob.compute(spark, computed.get(TableDocs.ROPE_BOUNDS), computed.get(TableDocs.BASE_LOWER_BOUNDS),
                  computed.get(TableDocs.MODEL_MEASURED_BOUNDS)).cache(), runId))),
      // the run's dashboard (jobs/.../report/ReportData.load reads these tables)
      new Definition(REPORT, null,
          List.of(TableDocs.ROPE_BOUNDS, TableDocs.ATTENTION_PROFILE, TableDocs.ATTENTION_BOUNDS,
              TableDocs.BASE_LOWER_BOUNDS, TableDocs.SCALING_FITS, TableDocs.CORPUS_COVERAGE,
              TableDocs.DOCUMENT_LENGTH_HISTOGRAM, TableDocs.QUARANTINE, TableDocs.DOCUMENTS,
              TableDocs.MODEL_MEASURED_BOUNDS, TableDocs.MODEL_POSITION_PROFILE, TableDocs.MODEL_LOGIT_PROFILE,
              TableDocs.MODEL_QK_CORRELATION),
          List.of(), null));

  /**
   * A stage of one plan.
   *
   * @param argv the stage's own command line for spark-submit after the jar ({@code <stage> --spec F});
   *     the caller adds {@code --warehouse} and {@code --run-id}. Null in the {@link #catalogue()}.
   * @param reads the tables of this plan it reads
   * @param upstream the earlier stages of this plan that write what it reads
   * @param job its work in a sweep; null for the report (runs after the commit) and in the catalogue
   */
  public record Stage(String name, String section, List<String> argv, List<TableDef> reads, List<TableDef> writes,
      List<String> upstream, Job job) {}

  private final String specName;
  private final Path specPath;
  private final List<Stage> stages;

  private StagePlan(String specName, Path specPath, List<Stage> stages) {
    this.specName = specName;
    this.specPath = specPath;
    this.stages = List.copyOf(stages);
  }

  /**
   * The stages {@code spec} asks for. Binds every stage, so every section's settings are validated
   * here, before any Spark work (bad input: {@link io.ropescale.rope.RopeInputException}).
   */
  public static StagePlan of(SweepSpec spec) {
    Path path = spec.path == null ? null : spec.path.toAbsolutePath().normalize();
    return build(spec.name, path, STAGES.stream().filter(d -> d.section() == null || spec.has(d.section())).toList(),
        d -> d.bind() == null ? null : d.bind().apply(spec),
        d -> path == null ? null : List.of(d.name(), "--spec", path.toString()));
  }

  /** Every stage this build knows, as for a spec with every section (no spec, no argv, no work). */
  public static StagePlan catalogue() {
    return build(null, null, STAGES, d -> null, d -> null);
  }

  private static StagePlan build(String name, Path path, List<Definition> chosen, Function<Definition, Job> bind,
      Function<Definition, List<String>> argv) {
    Map<TableDef, String> writer = new LinkedHashMap<>(); // table -> stage that writes it
    List<Stage> out = new ArrayList<>();
    for (Definition d : chosen) {
      List<TableDef> reads = d.reads().stream().filter(writer::containsKey).toList();
      Set<String> readFrom = new LinkedHashSet<>();
      reads.forEach(t -> readFrom.add(writer.get(t)));
      List<String> upstream = out.stream().map(Stage::name).filter(readFrom::contains).toList(); // in plan order
      out.add(new Stage(d.name(), d.section(), argv.apply(d), reads, d.writes(), upstream, bind.apply(d)));
      for (TableDef t : d.writes()) {
        if (writer.putIfAbsent(t, d.name()) != null) {
          throw new IllegalStateException("table " + t.name() + " is written by both " + writer.get(t) + " and " + d.name());
        }
      }
    }
    return new StagePlan(name, path, out);
  }

  static java.nio.file.Path home() {
    return java.nio.file.Path.of(System.getProperty("ropescale.home", System.getenv().getOrDefault("ROPESCALE_HOME", ".")));
  }

  public List<Stage> stages() {
    return stages;
  }

  public List<String> names() {
    return stages.stream().map(Stage::name).toList();
  }

  public String specName() {
    return specName;
  }

  /** The plan as the {@code plan --json} contract: spec, name, stages with argv, reads, writes, upstream. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("spec", specPath == null ? null : specPath.toString());
    m.put("name", specName);
    List<Map<String, Object>> list = new ArrayList<>();
    for (Stage s : stages) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("name", s.name());
      j.put("section", s.section());
      j.put("argv", s.argv());
      j.put("reads", s.reads().stream().map(TableDef::name).toList());
      j.put("writes", s.writes().stream().map(TableDef::name).toList());
      j.put("upstream", s.upstream());
      list.add(j);
    }
    m.put("stages", list);
    return m;
  }
}
