package io.ropescale.cli;

import io.ropescale.jobs.BaseSearchJob;
import io.ropescale.rope.ModelInputs;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale base-search}: the Men et al. lower bound of the base per context. */
@Command(name = "base-search", mixinStandardHelpOptions = true,
    description = "Smallest base on the grid 10^(k/G) whose similar-token margin stays >= 0 up to each context"
        + " (upward scan, never bisection), and the safe bound -> Delta table base_lower_bounds.")
public final class BaseSearchCommand implements Callable<Integer> {
  @Option(names = "--spec", description = "Sweep spec: search what its base_search: section says (instead of the flags below)")
  java.nio.file.Path spec;

  @Option(names = "--model", description = "Model name from datasets/models.csv: search its rotary dimension")
  String model;

  @Option(names = "--hf-config", description = "Hugging Face config.json: search its rotary dimension")
  java.nio.file.Path hfConfig;

  @Option(names = "--head-dim", description = "Attention head dimension (required without --spec, --model or --hf-config)")
  Integer headDim;

  @Option(names = "--rotary-dim", description = "Rotary dimension (default: head dim)")
  Integer rotaryDim;

  @Option(names = "--partial-rotary", description = "partial_rotary_factor")
  Double partialRotary;

  @Option(names = "--context", split = ",", description = "Context lengths, comma separated (required without --spec)")
  long[] contexts;

  @Option(names = "--grid-per-decade", defaultValue = "1000", description = "G, grid points per decade (default ${DEFAULT-VALUE})")
  int grid;

  @Option(names = "--max-base", defaultValue = "1e11", description = "Top of the grid (default ${DEFAULT-VALUE})")
  double maxBase;

  @Option(names = "--json", description = "Print a JSON array (docs/theory.md s.6 contract)")
  boolean json;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    io.ropescale.jobs.SweepSpec sweep = spec == null ? null : io.ropescale.jobs.SweepSpec.load(spec);
    BaseSearchJob.Settings s;
    if (sweep != null) {
      s = BaseSearchJob.Settings.from(sweep);
    } else {
      if (contexts == null) {
        throw new RopeInputException("--context", "missing", "required unless --spec names a spec with a base_search: section");
      }
      RopeModel named = ModelInputs.named(model, hfConfig, ModelInputs.Fields.FLAGS);
      if (headDim == null && named == null) {
        throw new RopeInputException("--head-dim", "missing", "required unless --spec, --model or --hf-config is given");
      }
      int head = headDim != null ? RopeInputException.requireRotaryDim("--head-dim", headDim) : named.headDim();
      int d = ModelInputs.rotaryDim(head, rotaryDim, partialRotary, named, headDim != null, ModelInputs.Fields.FLAGS);
      s = new BaseSearchJob.Settings(List.of(d), contexts, grid, maxBase);
    }
    List<Dataset<Row>> result = new ArrayList<>();
    JobRunner.run("base-search", spark, sweep, sweep != null ? "--spec " + spec
            : (headDim != null ? "--head-dim " + headDim : model != null ? "--model " + model : "--hf-config " + hfConfig)
                + " --context " + java.util.Arrays.toString(contexts),
        List.of((session, runId) -> {
          Dataset<Row> rows = BaseSearchJob.compute(session, s).cache();
          result.add(rows);
          return List.of(BaseSearchJob.write(rows, runId));
        }));
    List<Map<String, Object>> out = new ArrayList<>();
    // the rows are cached and few: sort them here rather than in a Spark sort (a shuffle job)
    List<Row> rows = new ArrayList<>(result.get(0).collectAsList());
    rows.sort(java.util.Comparator.<Row>comparingInt(r -> r.getAs("rotary_dim")).thenComparingLong(r -> r.getAs("context")));
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (String f : List.of("context", "rotary_dim", "grid_per_decade", "k", "lower_bound_base", "k_safe",
          "safe_base", "max_base")) {
        m.put(f, r.getAs(f));
      }
      out.add(m);
    }
    if (json) {
      System.out.println(Json.write(out));
    } else {
      System.out.printf("%-10s %-4s %8s %14s %8s %14s%n", "context", "d", "k", "lower_bound", "k_safe", "safe_base");
      for (Map<String, Object> m : out) {
        System.out.printf("%-10d %-4d %8s %14s %8s %14s%n", m.get("context"), m.get("rotary_dim"),
            m.get("k") == null ? "-" : m.get("k"), m.get("lower_bound_base") == null ? "none" : Json.human(m.get("lower_bound_base")),
            m.get("k_safe") == null ? "-" : m.get("k_safe"), m.get("safe_base") == null ? "none" : Json.human(m.get("safe_base")));
      }
    }
    return 0;
  }
}
