package io.ropescale.cli;

import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.ScalingLaws;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ropescale required-base}: the base a target context needs, by both formulas. */
@Command(name = "required-base", mixinStandardHelpOptions = true,
    description = "Base needed to extrapolate to a target context (paper Theorem 2, and the exact inverse of the discrete bound).")
public final class RequiredBaseCommand implements Callable<Integer> {
  @Mixin
  ModelOptions model;

  @Option(names = "--target", required = true, description = "Target context T in tokens")
  double target;

  @Option(names = "--json", description = "Print one JSON object")
  boolean json;

  @Override
  public Integer call() {
    RopeConfig c = model.config();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("target", target);
    out.put("rotary_dim", c.rotaryDim());
    out.put("train_len", c.trainLen());
    out.put("pretrain_base", c.pretrainBase());
    out.put("critical_dim", ScalingLaws.criticalDim(c.rotaryDim(), c.trainLen(), c.pretrainBase()));
    out.put("required_base_paper", ScalingLaws.requiredBasePaper(c.trainLen(), c.pretrainBase(), target));
    out.put("required_base_exact", ScalingLaws.requiredBaseExact(c.rotaryDim(), c.trainLen(), c.pretrainBase(), target));
    System.out.print(json ? Json.write(out) + "\n" : Json.table(out));
    return 0;
  }
}
