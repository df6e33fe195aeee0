package io.ropescale.model;

/** Plain-loop kernels: the fallback when the JDK Vector API module is not in the module graph. */
final class ScalarKernels extends Kernels {
  @Override
  String name() {
    return "scalar Java";
  }

  @Override
  void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
      int m, int n, int k) {
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * lda;
      for (int j = 0; j < n; j++) {
        int bj = bOff + j * ldb;
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int p = 0;
        for (; p + 4 <= k; p += 4) {
          s0 += a[ai + p] * b[bj + p];
          s1 += a[ai + p + 1] * b[bj + p + 1];
          s2 += a[ai + p + 2] * b[bj + p + 2];
          s3 += a[ai + p + 3] * b[bj + p + 3];
        }
        for (; p < k; p++) {
          s0 += a[ai + p] * b[bj + p];
        }
        c[cOff + i * ldc + j] = (s0 + s1) + (s2 + s3);
      }
    }
  }

  @Override
  void gemmNN(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
      int m, int n, int k) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = 0;
      }
      for (int p = 0; p < k; p++) {
        float av = a[aOff + i * lda + p];
        int bp = bOff + p * ldb;
        for (int j = 0; j < n; j++) {
          c[ci + j] += av * b[bp + j];
        }
      }
    }
  }

  @Override
  void softmaxRow(float[] s, int off, int len, int zeroTo, float scale, int farEnd, double[] out) {
    float m = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      s[off + j] *= scale;
      m = Math.max(m, s[off + j]);
    }
    double l = 0;
    double es = 0;
    double far = 0;
    for (int j = 0; j < len; j++) {
      float x = s[off + j] - m;
      float e = (float) Math.exp(x);
      s[off + j] = e;
      l += e;
      es += e * x;
      if (j < farEnd) {
        far += e;
      }
    }
    float inv = (float) (1.0 / l);
    for (int j = 0; j < len; j++) {
      s[off + j] *= inv;
    }
    for (int j = len; j < zeroTo; j++) {
      s[off + j] = 0;
    }
    out[0] = Math.log(l) - es / l;
    out[1] = far / l;
  }

  @Override
  double logSumExp(float[] z, int off, int len) {
    float m = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      m = Math.max(m, z[off + j]);
    }
    double sum = 0;
    for (int j = 0; j < len; j++) {
      sum += Math.exp(z[off + j] - m);
    }
    return m + Math.log(sum);
  }

  @Override
  void siluMul(float[] g, float[] u, int off, int len) {
    for (int i = off; i < off + len; i++) {
      float x = g[i];
      g[i] = x / (1f + (float) Math.exp(-x)) * u[i];
    }
  }
}
