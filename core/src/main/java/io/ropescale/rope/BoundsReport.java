package io.ropescale.rope;

/**
 * The scaling-law quantities of one configuration, field for field the JSON contract of
 * docs/theory.md section 6 ({@code ropescale bounds --json}).
 *
 * @param effectiveBase the single base the paper's formulas read: the NTK-scaled base for
 *     {@code ntk}/{@code dynamic}, the tuning base otherwise
 * @param criticalDimTuned the critical dimension in force: {@code d_extra} when {@code b > b_0},
 *     {@code d'_extra} otherwise
 * @param criticalDimTunedFormula {@code 2*ceil((d/2) log_b(T_tune/2pi))} clamped to [0, d], whatever the regime
 * @param angleCoverageBound null when every pair completed a period (unbounded)
 */
public record BoundsReport(
    int headDim,
    int rotaryDim,
    long trainLen,
    double pretrainBase,
    long tuneLen,
    double base,
    String ropeType,
    double effectiveBase,
    int criticalDim,
    double criticalBase,
    String regime,
    double extrapolationBound,
    int criticalDimTuned,
    int criticalDimTunedFormula,
    double betaQuarter,
    double betaHalf,
    double betaFull,
    boolean unbounded,
    Double angleCoverageBound) {}
