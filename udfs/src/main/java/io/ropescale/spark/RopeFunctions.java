package io.ropescale.spark;

import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;

/**
 * The scaling laws (Liu et al. 2024; docs/theory.md section 2) as Spark {@link Column} expressions
 * built only from built-in functions, so Catalyst folds and optimises them and the RAPIDS
 * Accelerator can run them on GPUs. They mirror {@link io.ropescale.rope.ScalingLaws} term for
 * term; out-of-domain inputs (odd or non-positive dims, bases <= 1, non-positive lengths) give
 * NULL, as SQL functions do.
 */
public final class RopeFunctions {
  private static final double TWO_PI = 2 * Math.PI;
  /** Same slack as the Java core: a count that is an exact integer must not ceil one higher. */
  private static final double CEIL_SLACK = 1e-9;

  private RopeFunctions() {}

  /** log_base(x) = ln x / ln base, as the Java core computes it. */
  private static Column logBase(Column base, Column x) {
    return log(x).divide(log(base));
  }

  private static Column validDim(Column d) {
    return d.gt(0).and(d.mod(2).equalTo(0));
  }

  private static Column validBase(Column b) {
    return b.gt(1);
  }

  private static Column validLen(Column t) {
    return t.gt(0);
  }

  /** theta_n = base^(-2n/d). */
  public static Column theta(Column base, Column d, Column n) {
    return when(validBase(base).and(validDim(d)).and(n.geq(0)).and(n.lt(d.divide(2))),
        pow(base, n.multiply(-2.0).divide(d)));
  }

  /** Period of pair n: T_n = 2pi / theta_n. */
  public static Column period(Column base, Column d, Column n) {
    return lit(TWO_PI).divide(theta(base, d, n));
  }

  private static Column clampedDim(Column halfCount, Column d) {
    Column twice = ceil(halfCount.minus(CEIL_SLACK)).multiply(2);
    return least(greatest(twice, lit(0L)), d.cast("long")).cast("int");
  }

  /** Lemma 1: d_extra = 2*ceil((d/2) log_{b_pre}(T_train/2pi)), clamped to [0, d]. */
  public static Column criticalDim(Column d, Column trainLen, Column pretrainBase) {
    Column half = d.divide(2).multiply(logBase(pretrainBase, trainLen.divide(TWO_PI)));
    return when(validDim(d).and(validLen(trainLen)).and(validBase(pretrainBase)), clampedDim(half, d));
  }

  /** The formula d'_extra = 2*ceil((d/2) log_b(T_tune/2pi)), clamped to [0, d], whatever the regime. */
  public static Column criticalDimTunedFormula(Column d, Column tuneLen, Column base) {
    return criticalDim(d, tuneLen, base);
  }

  /**
   * The critical dimension in force after tuning (docs/theory.md section 2): d_extra when b > b_0
   * (Theorem 2), d'_extra otherwise.
   */
  public static Column criticalDimTuned(Column d, Column trainLen, Column pretrainBase, Column tuneLen, Column base) {
    Column b0 = criticalBase(trainLen, tuneLen, pretrainBase);
    return when(validBase(base), when(base.gt(b0), criticalDim(d, trainLen, pretrainBase))
        .when(b0.isNotNull(), criticalDimTunedFormula(d, tuneLen, base)));
  }

  /** Theorem 3: b_0 = b_pre^(log_{T_train/2pi}(T_tune/2pi)); b_pre when T_tune = T_train. */
  public static Column criticalBase(Column trainLen, Column tuneLen, Column pretrainBase) {
    Column exponent = logBase(trainLen.divide(TWO_PI), tuneLen.divide(TWO_PI));
    return when(validLen(trainLen).and(validLen(tuneLen)).and(validBase(pretrainBase)),
        when(tuneLen.equalTo(trainLen), pretrainBase.cast("double")).otherwise(pow(pretrainBase, exponent)));
  }

  /** "larger-base" when b > b_0, else "smaller-base". */
  public static Column regime(Column base, Column criticalBase) {
    return when(base.gt(criticalBase), lit("larger-base")).when(criticalBase.isNotNull(), lit("smaller-base"));
  }

  /** Theorems 2-3: 2pi * b^(d_extra/d) when b > b_0, else T_tune. */
  public static Column extrapolationBound(Column d, Column trainLen, Column pretrainBase, Column tuneLen, Column base) {
    Column b0 = criticalBase(trainLen, tuneLen, pretrainBase);
    Column larger = lit(TWO_PI).multiply(pow(base, criticalDim(d, trainLen, pretrainBase).divide(d)));
    return when(validBase(base), when(base.gt(b0), larger).when(b0.isNotNull(), tuneLen.cast("double")));
  }

  /** b_1 = 2 T_tune / pi. */
  public static Column betaQuarter(Column tuneLen) {
    return when(validLen(tuneLen), tuneLen.multiply(2.0 / Math.PI));
  }

  /** b_2 = T_tune / pi. */
  public static Column betaHalf(Column tuneLen) {
    return when(validLen(tuneLen), tuneLen.divide(Math.PI));
  }

  /** b_3 = T_tune / 2pi. */
  public static Column betaFull(Column tuneLen) {
    return when(validLen(tuneLen), tuneLen.divide(TWO_PI));
  }

  /** Theorem 2 inverted: b = b_pre^(log_{T_train/2pi}(T/2pi)). */
  public static Column requiredBase(Column trainLen, Column pretrainBase, Column target) {
    return when(validLen(trainLen).and(validBase(pretrainBase)).and(target.gt(0)),
        pow(pretrainBase, logBase(trainLen.divide(TWO_PI), target.divide(TWO_PI))));
  }

  /** The discrete bound inverted exactly: b = (T/2pi)^(d/d_extra). */
  public static Column requiredBaseExact(Column d, Column trainLen, Column pretrainBase, Column target) {
    Column dExtra = criticalDim(d, trainLen, pretrainBase);
    return when(dExtra.gt(0).and(target.gt(0)), pow(target.divide(TWO_PI), d.divide(dExtra)));
  }
}
