package io.ropescale.model;

/**
 * Per-token results of one forward pass over tokens x_0 .. x_{n-1}.
 *
 * @param nll       {@code nll[t] = -ln p(x_t | x_<t)} (natural log), NaN at t = 0
 * @param layers    the recorded layers, in the order of the arrays below
 * @param entropy   {@code entropy[k][t]}: for layer {@code layers[k]}, the mean over query heads of
 *                  {@code -sum_j a_tj ln a_tj} over the causal softmax row (keys j = 0..t)
 * @param farMass   {@code farMass[k][t]}: the mean over query heads of {@code sum_{j: t-j > D} a_tj}
 * @param preRopeQ  when captured, {@code preRopeQ[k][t]} is the query of token t before RoPE,
 *                  {@code heads * headDim} floats (head h at {@code h * headDim}, GGUF's adjacent
 *                  pair order); null otherwise
 * @param preRopeK  likewise the keys, {@code kvHeads * headDim} floats per token
 */
public record ForwardResult(double[] nll, int[] layers, double[][] entropy, double[][] farMass,
    float[][][] preRopeQ, float[][][] preRopeK) {}
