package io.ropescale.cli;

import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.ScalingLaws;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale bounds}: every scaling-law quantity of one configuration, instantly, no Spark. */
@Command(name = "bounds", mixinStandardHelpOptions = true,
    description = "Critical dimension, critical base, regime and extrapolation bound of one configuration.")
public final class BoundsCommand implements Callable<Integer> {
  @Mixin
  ModelOptions model;

  @Option(names = "--json", description = "Print one JSON object (docs/theory.md s.6 contract)")
  boolean json;

  @Override
  public Integer call() {
    RopeConfig c = model.config();
    BoundsReport r = ScalingLaws.bounds(c);
    Map<String, Object> out = fields(model.label(), r);
    if (json) {
      System.out.println(Json.write(out));
    } else {
      System.out.print(Json.table(out));
    }
    return 0;
  }

  /** The docs/theory.md s.6 fields, in contract order, plus context. */
  static Map<String, Object> fields(String modelName, BoundsReport r) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (modelName != null) {
      m.put("model", modelName);
    }
    m.put("head_dim", r.headDim());
    m.put("rotary_dim", r.rotaryDim());
    m.put("train_len", r.trainLen());
    m.put("pretrain_base", r.pretrainBase());
    m.put("tune_len", r.tuneLen());
    m.put("base", r.base());
    m.put("rope_type", r.ropeType());
    m.put("effective_base", r.effectiveBase());
    m.put("critical_dim", r.criticalDim());
    m.put("critical_base", r.criticalBase());
    m.put("regime", r.regime());
    m.put("extrapolation_bound", r.extrapolationBound());
    m.put("critical_dim_tuned", r.criticalDimTuned());
    m.put("critical_dim_tuned_formula", r.criticalDimTunedFormula());
    m.put("beta_quarter", r.betaQuarter());
    m.put("beta_half", r.betaHalf());
    m.put("beta_full", r.betaFull());
    m.put("unbounded", r.unbounded());
    m.put("angle_coverage_bound", r.angleCoverageBound());
    return m;
  }
}
