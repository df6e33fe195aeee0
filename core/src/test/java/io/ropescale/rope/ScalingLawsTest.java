package io.ropescale.rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** docs/theory.md section 2 reference values for LLaMA2 (d=128, T_train=4096, b_pre=10000), and brute force. */
class ScalingLawsTest {
  static final int D = 128;
  static final long T = 4096;
  static final double BPRE = 10000;

  /** Relative agreement to the number of digits docs/theory.md prints. */
  static void close(double expected, double actual, double absTol) {
    assertEquals(expected, actual, absTol, () -> "expected " + expected + " got " + actual);
  }

  @Test
  void criticalDimLlama2() {
    assertEquals(92, ScalingLaws.criticalDim(D, T, BPRE));
  }

  @Test
  void criticalBaseFor16k() {
    close(71738.44, ScalingLaws.criticalBase(T, 16384, BPRE), 0.01);
    assertEquals(BPRE, ScalingLaws.criticalBase(T, T, BPRE));
  }

  @Test
  void extrapolationBoundsLargerBase() {
    close(129026.8, ScalingLaws.extrapolationBound(D, T, BPRE, T, 1e6), 0.1);
    close(66782.2, ScalingLaws.extrapolationBound(D, T, BPRE, T, 4e5), 0.1);
  }

  @Test
  void extrapolationBoundSmallerBaseIsTuneLength() {
    assertEquals(16384, ScalingLaws.extrapolationBound(D, T, BPRE, 16384, 500));
    assertEquals(ScalingLaws.Regime.SMALLER_BASE, ScalingLaws.regime(500, ScalingLaws.criticalBase(T, 16384, BPRE)));
    assertEquals(ScalingLaws.Regime.LARGER_BASE, ScalingLaws.regime(1e6, ScalingLaws.criticalBase(T, 16384, BPRE)));
    // b == b_0 is the smaller-base regime
    assertEquals(ScalingLaws.Regime.SMALLER_BASE, ScalingLaws.regime(BPRE, ScalingLaws.criticalBase(T, T, BPRE)));
  }

  @Test
  void smallerBaseThresholds() {
    close(2607.59, ScalingLaws.betaQuarter(4096), 0.005);
    close(1303.80, ScalingLaws.betaHalf(4096), 0.005);
    close(651.90, ScalingLaws.betaFull(4096), 0.005);
  }

  @Test
  void tunedCriticalDimFormula() {
    assertEquals(106, ScalingLaws.criticalDimTunedFormula(D, 4096, 2608));
    assertEquals(116, ScalingLaws.criticalDimTunedFormula(D, 4096, 1304));
    assertEquals(128, ScalingLaws.criticalDimTunedFormula(D, 4096, 500)); // 134 clamped to d
    assertEquals(74, ScalingLaws.criticalDimTunedFormula(D, 16384, 1e6));
  }

  /** Theorem 2: above b_0 the critical dimension in force stays d_extra; at or below it, d'_extra. */
  @Test
  void tunedCriticalDimInForce() {
    assertEquals(92, ScalingLaws.criticalDimTuned(D, T, BPRE, 16384, 1e6)); // larger-base; formula says 74
    assertEquals(128, ScalingLaws.criticalDimTuned(D, T, BPRE, 16384, 500)); // smaller-base, clamped
    assertEquals(106, ScalingLaws.criticalDimTuned(D, T, BPRE, 4096, 2608)); // b_1 at T_tune = T_train
    BoundsReport r = ScalingLaws.bounds(RopeConfig.baseChange(D, T, BPRE, 16384, 1e6));
    assertEquals("larger-base", r.regime());
    assertEquals(92, r.criticalDimTuned());
    assertEquals(74, r.criticalDimTunedFormula());
    // the bound reads the dimension in force: 2pi * b^(d_tuned/d)
    close(2 * Math.PI * Math.pow(1e6, r.criticalDimTuned() / 128.0), r.extrapolationBound(), 1e-6);
    r = ScalingLaws.bounds(RopeConfig.baseChange(D, T, BPRE, 16384, 500));
    assertEquals(128, r.criticalDimTuned());
    assertEquals(128, r.criticalDimTunedFormula());
  }

  @Test
  void requiredBases() {
    close(938327.2, ScalingLaws.requiredBasePaper(T, BPRE, 100000), 0.1);
    close(701472.4, ScalingLaws.requiredBaseExact(D, T, BPRE, 100000), 0.1);
  }

  @Test
  void requiredBaseExactInvertsTheDiscreteBound() {
    double b = ScalingLaws.requiredBaseExact(D, T, BPRE, 250000);
    close(250000, ScalingLaws.extrapolationBound(D, T, BPRE, T, b), 1e-6);
  }

  /** Lemma 1 by counting: pairs whose period 2pi/theta_n is strictly shorter than T_train. */
  static int bruteForceCriticalDim(int d, long trainLen, double base) {
    double[] theta = RopeTypes.defaultTheta(d, base);
    int full = 0;
    for (double t : theta) {
      if (ScalingLaws.TWO_PI / t < trainLen) {
        full++;
      }
    }
    return 2 * full;
  }

  @Test
  void criticalDimAgreesWithPairCountingEverywhere() {
    int[] dims = {2, 16, 32, 64, 80, 96, 128, 256};
    long[] lens = {8, 100, 512, 2048, 4096, 8192, 32768, 131072, 1 << 20};
    double[] bases = {2, 10, 500, 10000, 500000, 1e6, 1e8, 1e11};
    for (int d : dims) {
      for (long len : lens) {
        for (double b : bases) {
          assertEquals(bruteForceCriticalDim(d, len, b), ScalingLaws.criticalDim(d, len, b),
              "d=" + d + " T=" + len + " b=" + b);
        }
      }
    }
  }

  @Test
  void angleCoverageBoundForPureBaseChange() {
    // docs/theory.md section 4: T_train*(b/b_pre)^(d_extra/d), about 13% under the paper's bound
    RopeConfig c = RopeConfig.baseChange(D, T, BPRE, T, 1e6);
    BoundsReport r = ScalingLaws.bounds(c);
    double expected = T * Math.pow(1e6 / BPRE, 92.0 / 128);
    close(expected, r.angleCoverageBound(), 1e-6 * expected);
    double ratio = r.angleCoverageBound() / r.extrapolationBound();
    assertTrue(ratio > 0.85 && ratio < 0.89, "ratio " + ratio);
  }

  @Test
  void boundsReportFieldsLlama2() {
    BoundsReport r = ScalingLaws.bounds(RopeConfig.baseChange(D, T, BPRE, 16384, 1e6));
    assertEquals(92, r.criticalDim());
    close(71738.44, r.criticalBase(), 0.01);
    assertEquals("larger-base", r.regime());
    close(129026.8, r.extrapolationBound(), 0.1);
    assertFalse(r.unbounded());
    assertEquals("default", r.ropeType());
  }

  @Test
  void unboundedBelowBetaFull() {
    BoundsReport r = ScalingLaws.bounds(RopeConfig.baseChange(D, T, BPRE, 4096, 500));
    assertTrue(r.unbounded());
    assertEquals("smaller-base", r.regime());
    assertEquals(4096, r.extrapolationBound());
    // base 500 tuned at 4096: every pair sees T_tune*theta_n >= 2pi, so no coverage bound
    assertNull(r.angleCoverageBound());
  }

  @Test
  void badInputNamesFieldAndValue() {
    RopeInputException e = assertThrows(RopeInputException.class, () -> ScalingLaws.criticalDim(127, T, BPRE));
    assertEquals("rotary_dim", e.field());
    assertEquals("127", e.value());
    e = assertThrows(RopeInputException.class, () -> ScalingLaws.criticalDim(0, T, BPRE));
    assertEquals("rotary_dim", e.field());
    e = assertThrows(RopeInputException.class, () -> ScalingLaws.criticalDim(D, T, 1.0));
    assertEquals("pretrain_base", e.field());
    e = assertThrows(RopeInputException.class, () -> ScalingLaws.criticalDim(D, 0, BPRE));
    assertEquals("train_len", e.field());
    e = assertThrows(RopeInputException.class, () -> RopeConfig.baseChange(D, T, BPRE, 2048, 1e6));
    assertEquals("tune_len", e.field());
    assertTrue(e.getMessage().contains("2048"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> RopeConfig.baseChange(D, T, BPRE, T, -3));
    assertEquals("base", e.field());
    e = assertThrows(RopeInputException.class, () -> new RopeScaling("xpos", 2, 0, 0, 0, 0, 0, null, null));
    assertEquals("rope_type", e.field());
    assertEquals("xpos", e.value());
    e = assertThrows(RopeInputException.class, () -> ScalingLaws.requiredBasePaper(T, BPRE, -5));
    assertEquals("target", e.field());
  }
}
