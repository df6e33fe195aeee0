package io.ropescale.jobs;

import static org.apache.spark.sql.functions.current_timestamp;

import io.ropescale.attention.BaseSearch;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * {@code ropescale base-search}: Men et al.'s lower bound of the RoPE base for each context
 * (docs/theory.md s.3). Every grid base 10^(k/G) up to max_base is evaluated once, on the executors,
 * with the limit of the largest context and an early exit at the first negative B(m); one upward
 * pass over those results answers every context, both the lower and the safe bound.
 */
public final class BaseSearchJob {
  /** Largest context accepted: evaluating B(m) that far costs ~d/2 * L per grid base. */
  public static final long MAX_CONTEXT = 1L << 27;

  private static final TypedRows ROWS = TableDocs.BASE_LOWER_BOUNDS.rows();

  private BaseSearchJob() {}

  /** What to search: rotary dims, contexts (ascending, distinct), grid and top of the grid. */
  public record Settings(List<Integer> rotaryDims, long[] contexts, int gridPerDecade, double maxBase) {
    public Settings {
      if (rotaryDims.isEmpty()) {
        throw new RopeInputException("rotary_dim", "none", "base search needs at least one rotary dimension");
      }
      rotaryDims.forEach(d -> RopeInputException.requireRotaryDim("rotary_dim", d));
      if (contexts.length == 0) {
        throw new RopeInputException("context", "empty", "give at least one context length");
      }
      for (long l : contexts) {
        if (l < 1 || l > MAX_CONTEXT) {
          throw new RopeInputException("context", l, "must be in [1, 2^27]");
        }
      }
      contexts = Arrays.stream(contexts).sorted().distinct().toArray();
      BaseSearch.maxK(gridPerDecade, maxBase); // validates grid_per_decade and max_base
    }

    /** From a spec's {@code base_search:} section; rotary dims default to the spec's models'. */
    public static Settings from(SweepSpec spec) {
      SpecDocument.BaseSearch n = spec.doc.baseSearch();
      if (n == null) {
        throw new RopeInputException("spec.base_search", "missing", "must be a mapping with contexts, grid_per_decade");
      }
      List<Long> contexts = SweepSpec.lengths(n.contexts(), "spec.base_search.contexts");
      if (contexts.isEmpty()) {
        throw new RopeInputException("spec.base_search.contexts", "missing", "list the context lengths to search");
      }
      int g = n.gridPerDecade() != null ? n.gridPerDecade() : 1000;
      double maxBase = n.maxBase() != null ? n.maxBase() : BaseSearch.DEFAULT_MAX_BASE;
      List<Integer> dims = new ArrayList<>();
      if (n.rotaryDims() != null) {
        for (int i = 0; i < n.rotaryDims().size(); i++) {
          Integer d = n.rotaryDims().get(i);
          dims.add(d == null ? RopeInputException.requireRotaryDim("spec.base_search.rotary_dims[" + i + "]", 0) : d);
        }
      } else {
        TreeSet<Integer> fromModels = new TreeSet<>();
        for (RopeModel m : spec.models) {
          fromModels.add(m.rotaryDim());
        }
        dims.addAll(fromModels);
      }
      return new Settings(dims, contexts.stream().mapToLong(Long::longValue).toArray(), g, maxBase);
    }
  }

  /** Grid bases spread round-robin over tasks, so the costly high bases are shared evenly. */
  static BaseSearch.Bound[] search(SparkSession spark, int d, Settings s) {
    long kMax = BaseSearch.maxK(s.gridPerDecade(), s.maxBase());
    long limit = s.contexts()[s.contexts().length - 1];
    int tasks = (int) Math.max(1, Math.min(kMax, spark.sparkContext().defaultParallelism() * 8L));
    List<Integer> taskIds = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      taskIds.add(i);
    }
    int g = s.gridPerDecade();
    List<Tuple2<Long, Long>> results = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(taskIds, tasks)
        .flatMap(t -> {
          List<Tuple2<Long, Long>> out = new ArrayList<>();
          for (long k = t + 1; k <= kMax; k += tasks) {
            out.add(new Tuple2<>(k, BaseSearch.firstNegative(d, BaseSearch.gridBase(k, g), limit)));
          }
          return out.iterator();
        })
        .collect();
    long[] ks = new long[results.size()];
    long[] fn = new long[results.size()];
    for (int i = 0; i < ks.length; i++) {
      ks[i] = results.get(i)._1();
      fn[i] = results.get(i)._2();
    }
    return BaseSearch.fromFirstNegatives(ks, fn, s.contexts(), g);
  }

  /** The table rows (without run_id), computed eagerly: they are small and feed fit too. */
  public static Dataset<Row> compute(SparkSession spark, Settings s) {
    List<Row> rows = new ArrayList<>();
    for (int d : s.rotaryDims()) {
      long kMax = BaseSearch.maxK(s.gridPerDecade(), s.maxBase());
      Progress.info(String.format("base-search: d=%d, %d contexts up to %,d, %,d grid bases (G=%d, max %.3g)",
          d, s.contexts().length, s.contexts()[s.contexts().length - 1], kMax, s.gridPerDecade(), s.maxBase()));
      BaseSearch.Bound[] bounds = Progress.track(spark, "base-search d=" + d, () -> search(spark, d, s));
      for (BaseSearch.Bound b : bounds) {
        rows.add(ROWS.row().set("context", b.context()).set("rotary_dim", d).set("grid_per_decade", s.gridPerDecade())
            .set("k", b.k() < 0 ? null : b.k()).set("lower_bound_base", b.k() < 0 ? null : b.base())
            .set("k_safe", b.kSafe() < 0 ? null : b.kSafe()).set("safe_base", b.kSafe() < 0 ? null : b.safeBase())
            .set("max_base", s.maxBase()).build());
      }
    }
    return ROWS.frame(spark, rows).withColumn("computed_at", current_timestamp());
  }

  public static DeltaTables.Write write(Dataset<Row> rows, String runId) {
    return new DeltaTables.Write(TableDocs.BASE_LOWER_BOUNDS, TableDocs.BASE_LOWER_BOUNDS.stamp(rows, runId));
  }
}
