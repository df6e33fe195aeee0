package io.ropescale.rope;

/**
 * A RoPE type evaluated at one sequence length: Hugging Face's {@code (inv_freq, attention_factor)}
 * pair, plus the single base the scaling laws read.
 *
 * @param inverseFrequencies theta_n for n = 0 .. d/2-1 (a fresh array)
 * @param attentionFactor the factor cos/sin are multiplied by (logits by its square)
 * @param effectiveBase see {@link RopeType#effectiveBase}
 */
public record RopeFrequencies(double[] inverseFrequencies, double attentionFactor, double effectiveBase) {}
