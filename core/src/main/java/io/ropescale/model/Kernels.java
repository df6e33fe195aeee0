package io.ropescale.model;

/**
 * The fp32 kernels of the forward pass. Two implementations: {@code VectorKernels} (JDK Vector
 * API, {@code jdk.incubator.vector}; used when the JVM runs with
 * {@code --add-modules jdk.incubator.vector}, as bin/ropescale and the tests do) and
 * {@link ScalarKernels} (plain loops, used otherwise). {@link #get()} picks one once per JVM;
 * {@link #name()} says which ran.
 *
 * <p>Matrix arguments are row-major slices: element (i, p) of A is {@code a[aOff + i*lda + p]}.
 */
abstract class Kernels {
  private static final Kernels INSTANCE = load();

  private static Kernels load() {
    if (!Boolean.getBoolean("ropescale.model.scalar")) {
      try {
        return (Kernels) Class.forName("io.ropescale.model.VectorKernels").getDeclaredConstructor().newInstance();
      } catch (Throwable notAvailable) {
        // jdk.incubator.vector not in the module graph: the scalar kernels below are the fallback
      }
    }
    return new ScalarKernels();
  }

  /** The kernels this JVM uses. */
  static Kernels get() {
    return INSTANCE;
  }

  /** The scalar kernels (tests compare both). */
  static Kernels scalar() {
    return new ScalarKernels();
  }

  /** A short name for logs and benchmarks, e.g. "Vector API (512-bit)". */
  abstract String name();

  /** C[i][j] = sum_p A[i][p] B[j][p], i < m, j < n, p < k ("A times B transposed", dot form). */
  abstract void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float[] c, int cOff, int ldc, int m, int n, int k);

  /** C[i][j] = sum_p A[i][p] B[p][j], i < m, j < n, p < k (broadcast form). */
  abstract void gemmNN(float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float[] c, int cOff, int ldc, int m, int n, int k);

  /**
   * One causal softmax row with its statistics. On entry {@code s[off .. off+len)} holds raw
   * logits for keys 0..len-1 (len = t + 1); they are multiplied by {@code scale}. On exit it holds
   * the probabilities a_j, and {@code s[off+len .. off+zeroTo)} is zeroed (masked keys). Returns
   * into {@code out}: [0] the entropy {@code -sum_j a_j ln a_j}, [1] the mass of keys
   * {@code j < farEnd}.
   *
   * <p>With m = max_j s_j, e_j = exp(s_j - m), l = sum e_j: a_j = e_j / l and
   * {@code -sum a_j ln a_j = ln l - sum_j e_j (s_j - m) / l}, so one pass gives both.
   */
  abstract void softmaxRow(float[] s, int off, int len, int zeroTo, float scale, int farEnd, double[] out);

  /** SwiGLU: {@code g[i] = silu(g[i]) * u[i]} with silu(x) = x / (1 + e^-x), i in [off, off+len). */
  abstract void siluMul(float[] g, float[] u, int off, int len);

  /** ln sum_j exp(z_j) over {@code z[off .. off+len)} (log-partition of one logit row). */
  abstract double logSumExp(float[] z, int off, int len);
}
