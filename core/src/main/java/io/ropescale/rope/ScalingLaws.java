package io.ropescale.rope;

import static io.ropescale.rope.RopeInputException.requireBase;
import static io.ropescale.rope.RopeInputException.requireLength;
import static io.ropescale.rope.RopeInputException.requireRotaryDim;

/**
 * Closed-form scaling laws of RoPE-based extrapolation (Liu et al., ICLR 2024, arXiv 2310.05209)
 * and the angle-coverage generalisation (docs/theory.md sections 2 and 4). Pure functions of numbers.
 */
public final class ScalingLaws {

  public static final double TWO_PI = 2 * Math.PI;

  /**
   * Guards {@code ceil} against a product that lands a few ulps above an exact integer: the
   * paper's count of pairs whose period is strictly shorter than the length is an integer.
   */
  private static final double CEIL_SLACK = 1e-9;

  private ScalingLaws() {}

  /** log_base(x). */
  static double log(double base, double x) {
    return Math.log(x) / Math.log(base);
  }

  private static int ceilCount(double x) {
    return (int) Math.ceil(x - CEIL_SLACK);
  }

  /**
   * Critical dimension (Lemma 1): {@code d_extra = 2*ceil((d/2) log_{b_pre}(T_train/2pi))},
   * clamped to [0, d]. Pairs below it have periods shorter than the training length.
   */
  public static int criticalDim(int d, long trainLen, double pretrainBase) {
    requireRotaryDim("rotary_dim", d);
    requireLength("train_len", trainLen);
    requireBase("pretrain_base", pretrainBase);
    return clampDim(2L * ceilCount(d / 2.0 * log(pretrainBase, trainLen / TWO_PI)), d);
  }

  /**
   * The tuned critical dimension formula (section 3.3 of the paper; docs/theory.md section 2):
   * {@code d'_extra = 2*ceil((d/2) log_b(T_tune/2pi))}, clamped to [0, d]. It is the critical
   * dimension in force only in the smaller-base regime; see {@link #criticalDimTuned}.
   */
  public static int criticalDimTunedFormula(int d, long tuneLen, double base) {
    requireRotaryDim("rotary_dim", d);
    requireLength("tune_len", tuneLen);
    requireBase("base", base);
    return clampDim(2L * ceilCount(d / 2.0 * log(base, tuneLen / TWO_PI)), d);
  }

  /**
   * The critical dimension in force after tuning (docs/theory.md section 2): in the larger-base
   * regime ({@code b > b_0}) it stays pre-training's {@code d_extra} (Theorem 2: the dims below it
   * saw full periods in pre-training, whatever the new base), and {@code T_extra} reads it; at or
   * below {@code b_0} it is {@link #criticalDimTunedFormula d'_extra}.
   */
  public static int criticalDimTuned(int d, long trainLen, double pretrainBase, long tuneLen, double base) {
    double b0 = criticalBase(trainLen, tuneLen, pretrainBase);
    if (regime(requireBase("base", base), b0) == Regime.LARGER_BASE) {
      return criticalDim(d, trainLen, pretrainBase);
    }
    return criticalDimTunedFormula(d, tuneLen, base);
  }

  private static int clampDim(long x, int d) {
    return (int) Math.max(0, Math.min(d, x));
  }

  /** Critical base (Theorem 3): {@code b_0 = b_pre^(log_{T_train/2pi}(T_tune/2pi))}. */
  public static double criticalBase(long trainLen, long tuneLen, double pretrainBase) {
    requireLength("train_len", trainLen);
    requireLength("tune_len", tuneLen);
    requireBase("pretrain_base", pretrainBase);
    if (tuneLen == trainLen) {
      return pretrainBase;
    }
    return Math.pow(pretrainBase, Math.log(tuneLen / TWO_PI) / Math.log(trainLen / TWO_PI));
  }

  public enum Regime {
    LARGER_BASE("larger-base"),
    SMALLER_BASE("smaller-base");

    private final String label;

    Regime(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** {@code larger-base} when {@code b > b_0}, else {@code smaller-base}. */
  public static Regime regime(double base, double criticalBase) {
    return base > criticalBase ? Regime.LARGER_BASE : Regime.SMALLER_BASE;
  }

  /**
   * Extrapolation bound (Theorem 2 / 3): {@code 2pi * b^(d_extra/d)} in the larger-base regime,
   * the tuning length otherwise.
   */
  public static double extrapolationBound(int d, long trainLen, double pretrainBase, long tuneLen, double base) {
    double b0 = criticalBase(trainLen, tuneLen, pretrainBase);
    if (regime(requireBase("base", base), b0) == Regime.SMALLER_BASE) {
      return tuneLen;
    }
    return TWO_PI * Math.pow(base, (double) criticalDim(d, trainLen, pretrainBase) / d);
  }

  /** {@code b_1 = 2*T_tune/pi}: the last pair sees a quarter period within the tuning length. */
  public static double betaQuarter(long tuneLen) {
    return 2.0 * requireLength("tune_len", tuneLen) / Math.PI;
  }

  /** {@code b_2 = T_tune/pi}: half a period. */
  public static double betaHalf(long tuneLen) {
    return requireLength("tune_len", tuneLen) / Math.PI;
  }

  /** {@code b_3 = T_tune/2pi}: every pair sees a full period; extrapolation unbounded in theory. */
  public static double betaFull(long tuneLen) {
    return requireLength("tune_len", tuneLen) / TWO_PI;
  }

  /** Base that reaches context {@code target} by the paper's law (Theorem 2). */
  public static double requiredBasePaper(long trainLen, double pretrainBase, double target) {
    requireLength("train_len", trainLen);
    requireBase("pretrain_base", pretrainBase);
    RopeInputException.requirePositive("target", target);
    return Math.pow(pretrainBase, Math.log(target / TWO_PI) / Math.log(trainLen / TWO_PI));
  }

  /** Base that reaches {@code target} by inverting the discrete bound exactly: {@code (T/2pi)^(d/d_extra)}. */
  public static double requiredBaseExact(int d, long trainLen, double pretrainBase, double target) {
    RopeInputException.requirePositive("target", target);
    int dExtra = criticalDim(d, trainLen, pretrainBase);
    if (dExtra == 0) {
      throw new RopeInputException("train_len", trainLen,
          "gives critical dimension 0 (no pair completes a period), so no base reaches a target");
    }
    return Math.pow(target / TWO_PI, (double) d / dExtra);
  }

  /**
   * Angle coverage (docs/theory.md section 4): pair n saw angles up to
   * {@code A_n = max(T_train*theta_pre_n, T_tune*theta_n)}.
   */
  public static double[] angleCoverage(double[] pretrainTheta, double[] theta, long trainLen, long tuneLen) {
    double[] a = new double[theta.length];
    for (int n = 0; n < theta.length; n++) {
      a[n] = Math.max(trainLen * pretrainTheta[n], tuneLen * theta[n]);
    }
    return a;
  }

  /**
   * Angle-coverage bound: {@code min A_n/theta_n} over pairs with {@code A_n < 2pi}; positive
   * infinity when every pair completed a period.
   */
  public static double angleCoverageBound(double[] coverage, double[] theta) {
    double bound = Double.POSITIVE_INFINITY;
    for (int n = 0; n < theta.length; n++) {
      if (coverage[n] < TWO_PI) {
        bound = Math.min(bound, coverage[n] / theta[n]);
      }
    }
    return bound;
  }

  /** Every quantity of docs/theory.md section 6 for one configuration. */
  public static BoundsReport bounds(RopeConfig c) {
    int d = c.rotaryDim();
    double base = RopeTypes.effectiveBase(c);
    double b0 = criticalBase(c.trainLen(), c.tuneLen(), c.pretrainBase());
    double[] theta = RopeTypes.theta(c);
    double[] coverage = angleCoverage(RopeTypes.pretrainTheta(c), theta, c.trainLen(), c.tuneLen());
    double coverageBound = angleCoverageBound(coverage, theta);
    return new BoundsReport(
        c.headDim(), d, c.trainLen(), c.pretrainBase(), c.tuneLen(), c.base(), c.scaling().type(), base,
        criticalDim(d, c.trainLen(), c.pretrainBase()),
        b0,
        regime(base, b0).label(),
        extrapolationBound(d, c.trainLen(), c.pretrainBase(), c.tuneLen(), base),
        criticalDimTuned(d, c.trainLen(), c.pretrainBase(), c.tuneLen(), base),
        criticalDimTunedFormula(d, c.tuneLen(), base),
        betaQuarter(c.tuneLen()),
        betaHalf(c.tuneLen()),
        betaFull(c.tuneLen()),
        base <= betaFull(c.tuneLen()),
        Double.isInfinite(coverageBound) ? null : coverageBound);
  }
}
