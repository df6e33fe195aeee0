package io.ropescale.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * JDK Vector API kernels (loaded reflectively by {@link Kernels#get()} so the rest of the core runs
 * without {@code --add-modules jdk.incubator.vector}). Register tiles: {@link #gemmNT} keeps a
 * 4 x 4 block of C in 16 vector accumulators (dot products along the contiguous k, reduced once per
 * tile); {@link #gemmNN} keeps 4 rows x 4 vectors of C and broadcasts A. The exponential is the
 * Vector API's lanewise EXP (SVML-backed intrinsic on x86).
 */
final class VectorKernels extends Kernels {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  @Override
  String name() {
    return "Vector API (" + S.vectorBitSize() + "-bit)";
  }

  @Override
  void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
      int m, int n, int k) {
    int kb = S.loopBound(k);
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      int a0 = aOff + i * lda;
      int a1 = a0 + lda;
      int a2 = a1 + lda;
      int a3 = a2 + lda;
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        int b0 = bOff + j * ldb;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kb; p += L) {
          FloatVector x0 = FloatVector.fromArray(S, a, a0 + p);
          FloatVector x1 = FloatVector.fromArray(S, a, a1 + p);
          FloatVector x2 = FloatVector.fromArray(S, a, a2 + p);
          FloatVector x3 = FloatVector.fromArray(S, a, a3 + p);
          FloatVector w = FloatVector.fromArray(S, b, b0 + p);
          c00 = x0.fma(w, c00);
          c10 = x1.fma(w, c10);
          c20 = x2.fma(w, c20);
          c30 = x3.fma(w, c30);
          w = FloatVector.fromArray(S, b, b1 + p);
          c01 = x0.fma(w, c01);
          c11 = x1.fma(w, c11);
          c21 = x2.fma(w, c21);
          c31 = x3.fma(w, c31);
          w = FloatVector.fromArray(S, b, b2 + p);
          c02 = x0.fma(w, c02);
          c12 = x1.fma(w, c12);
          c22 = x2.fma(w, c22);
          c32 = x3.fma(w, c32);
          w = FloatVector.fromArray(S, b, b3 + p);
          c03 = x0.fma(w, c03);
          c13 = x1.fma(w, c13);
          c23 = x2.fma(w, c23);
          c33 = x3.fma(w, c33);
        }
        int c0 = cOff + i * ldc + j;
        c[c0] = c00.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b0, kb, k);
        c[c0 + 1] = c01.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b1, kb, k);
        c[c0 + 2] = c02.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b2, kb, k);
        c[c0 + 3] = c03.reduceLanes(VectorOperators.ADD) + tail(a, a0, b, b3, kb, k);
        c0 += ldc;
        c[c0] = c10.reduceLanes(VectorOperators.ADD) + tail(a, a1, b, b0, kb, k);
        c[c0 + 1] = c11.reduceLanes(VectorOperators.ADD) + tail(a, a1, b, b1, kb, k);
        c[c0 + 2] = c12.reduceLanes(VectorOperators.ADD) + tail(a, a1, b, b2, kb, k);
        c[c0 + 3] = c13.reduceLanes(VectorOperators.ADD) + tail(a, a1, b, b3, kb, k);
        c0 += ldc;
        c[c0] = c20.reduceLanes(VectorOperators.ADD) + tail(a, a2, b, b0, kb, k);
        c[c0 + 1] = c21.reduceLanes(VectorOperators.ADD) + tail(a, a2, b, b1, kb, k);
        c[c0 + 2] = c22.reduceLanes(VectorOperators.ADD) + tail(a, a2, b, b2, kb, k);
        c[c0 + 3] = c23.reduceLanes(VectorOperators.ADD) + tail(a, a2, b, b3, kb, k);
        c0 += ldc;
        c[c0] = c30.reduceLanes(VectorOperators.ADD) + tail(a, a3, b, b0, kb, k);
        c[c0 + 1] = c31.reduceLanes(VectorOperators.ADD) + tail(a, a3, b, b1, kb, k);
        c[c0 + 2] = c32.reduceLanes(VectorOperators.ADD) + tail(a, a3, b, b2, kb, k);
        c[c0 + 3] = c33.reduceLanes(VectorOperators.ADD) + tail(a, a3, b, b3, kb, k);
      }
      for (; j < n; j++) {
        int bj = bOff + j * ldb;
        c[cOff + i * ldc + j] = dot(a, a0, b, bj, k);
        c[cOff + (i + 1) * ldc + j] = dot(a, a1, b, bj, k);
        c[cOff + (i + 2) * ldc + j] = dot(a, a2, b, bj, k);
        c[cOff + (i + 3) * ldc + j] = dot(a, a3, b, bj, k);
      }
    }
    for (; i < m; i++) {
      for (int j = 0; j < n; j++) {
        c[cOff + i * ldc + j] = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
      }
    }
  }

  private static float tail(float[] a, int ai, float[] b, int bj, int from, int k) {
    float s = 0;
    for (int p = from; p < k; p++) {
      s += a[ai + p] * b[bj + p];
    }
    return s;
  }

  private static float dot(float[] a, int ai, float[] b, int bj, int k) {
    int kb = S.loopBound(k);
    FloatVector acc = FloatVector.zero(S);
    for (int p = 0; p < kb; p += L) {
      acc = FloatVector.fromArray(S, a, ai + p).fma(FloatVector.fromArray(S, b, bj + p), acc);
    }
    return acc.reduceLanes(VectorOperators.ADD) + tail(a, ai, b, bj, kb, k);
  }

  /** Keys (the k of A.V) per pass: a 256-row slice of B stays in L1/L2 while every row tile uses it. */
  private static final int K_BLOCK = 256;

  @Override
  void gemmNN(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
      int m, int n, int k) {
    for (int p0 = 0; p0 < k; p0 += K_BLOCK) {
      gemmNNBlock(a, aOff, lda, b, bOff, ldb, c, cOff, ldc, m, n, p0, Math.min(k, p0 + K_BLOCK), p0 > 0);
    }
    if (k == 0) {
      for (int i = 0; i < m; i++) {
        java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
      }
    }
  }

  /** C (+)= A[:, p0:p1] B[p0:p1, :]; accumulate adds to C, otherwise C is overwritten. */
  private static void gemmNNBlock(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff,
      int ldc, int m, int n, int p0, int p1, boolean accumulate) {
    int w4 = 4 * L;
    int j = 0;
    // column tiles outside, row tiles inside: a 4-vector-wide slice of B stays in L1 for all rows
    for (; j + w4 <= n; j += w4) {
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        int a0 = aOff + i * lda;
        int c0 = cOff + i * ldc + j;
        FloatVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        if (accumulate) {
          c00 = FloatVector.fromArray(S, c, c0);
          c01 = FloatVector.fromArray(S, c, c0 + L);
          c02 = FloatVector.fromArray(S, c, c0 + 2 * L);
          c03 = FloatVector.fromArray(S, c, c0 + 3 * L);
          c10 = FloatVector.fromArray(S, c, c0 + ldc);
          c11 = FloatVector.fromArray(S, c, c0 + ldc + L);
          c12 = FloatVector.fromArray(S, c, c0 + ldc + 2 * L);
          c13 = FloatVector.fromArray(S, c, c0 + ldc + 3 * L);
          c20 = FloatVector.fromArray(S, c, c0 + 2 * ldc);
          c21 = FloatVector.fromArray(S, c, c0 + 2 * ldc + L);
          c22 = FloatVector.fromArray(S, c, c0 + 2 * ldc + 2 * L);
          c23 = FloatVector.fromArray(S, c, c0 + 2 * ldc + 3 * L);
          c30 = FloatVector.fromArray(S, c, c0 + 3 * ldc);
          c31 = FloatVector.fromArray(S, c, c0 + 3 * ldc + L);
          c32 = FloatVector.fromArray(S, c, c0 + 3 * ldc + 2 * L);
          c33 = FloatVector.fromArray(S, c, c0 + 3 * ldc + 3 * L);
        } else {
          c00 = FloatVector.zero(S);
          c01 = c00;
          c02 = c00;
          c03 = c00;
          c10 = c00;
          c11 = c00;
          c12 = c00;
          c13 = c00;
          c20 = c00;
          c21 = c00;
          c22 = c00;
          c23 = c00;
          c30 = c00;
          c31 = c00;
          c32 = c00;
          c33 = c00;
        }
        for (int p = p0; p < p1; p++) {
          int bp = bOff + p * ldb + j;
          FloatVector w0 = FloatVector.fromArray(S, b, bp);
          FloatVector w1 = FloatVector.fromArray(S, b, bp + L);
          FloatVector w2 = FloatVector.fromArray(S, b, bp + 2 * L);
          FloatVector w3 = FloatVector.fromArray(S, b, bp + 3 * L);
          FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
          c00 = x.fma(w0, c00);
          c01 = x.fma(w1, c01);
          c02 = x.fma(w2, c02);
          c03 = x.fma(w3, c03);
          x = FloatVector.broadcast(S, a[a0 + lda + p]);
          c10 = x.fma(w0, c10);
          c11 = x.fma(w1, c11);
          c12 = x.fma(w2, c12);
          c13 = x.fma(w3, c13);
          x = FloatVector.broadcast(S, a[a0 + 2 * lda + p]);
          c20 = x.fma(w0, c20);
          c21 = x.fma(w1, c21);
          c22 = x.fma(w2, c22);
          c23 = x.fma(w3, c23);
          x = FloatVector.broadcast(S, a[a0 + 3 * lda + p]);
          c30 = x.fma(w0, c30);
          c31 = x.fma(w1, c31);
          c32 = x.fma(w2, c32);
          c33 = x.fma(w3, c33);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c0 += ldc;
        c10.intoArray(c, c0);
        c11.intoArray(c, c0 + L);
        c12.intoArray(c, c0 + 2 * L);
        c13.intoArray(c, c0 + 3 * L);
        c0 += ldc;
        c20.intoArray(c, c0);
        c21.intoArray(c, c0 + L);
        c22.intoArray(c, c0 + 2 * L);
        c23.intoArray(c, c0 + 3 * L);
        c0 += ldc;
        c30.intoArray(c, c0);
        c31.intoArray(c, c0 + L);
        c32.intoArray(c, c0 + 2 * L);
        c33.intoArray(c, c0 + 3 * L);
      }
      for (; i < m; i++) {
        nnRowVectors(a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc, j, j + w4, p0, p1, accumulate);
      }
    }
    int jv = j + (n - j) / L * L;
    if (jv > j) {
      for (int i = 0; i < m; i++) {
        nnRowVectors(a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc, j, jv, p0, p1, accumulate);
      }
    }
    for (int i = 0; i < m; i++) {
      for (int jj = jv; jj < n; jj++) {
        float s = accumulate ? c[cOff + i * ldc + jj] : 0f;
        for (int p = p0; p < p1; p++) {
          s += a[aOff + i * lda + p] * b[bOff + p * ldb + jj];
        }
        c[cOff + i * ldc + jj] = s;
      }
    }
  }

  /** One row of C over columns [from, to) (a multiple of L wide), one vector at a time. */
  private static void nnRowVectors(float[] a, int ai, float[] b, int bOff, int ldb, float[] c, int ci,
      int from, int to, int p0, int p1, boolean accumulate) {
    for (int j = from; j < to; j += L) {
      FloatVector acc = accumulate ? FloatVector.fromArray(S, c, ci + j) : FloatVector.zero(S);
      for (int p = p0; p < p1; p++) {
        acc = FloatVector.broadcast(S, a[ai + p]).fma(FloatVector.fromArray(S, b, bOff + p * ldb + j), acc);
      }
      acc.intoArray(c, ci + j);
    }
  }

  @Override
  void softmaxRow(float[] s, int off, int len, int zeroTo, float scale, int farEnd, double[] out) {
    int lb = S.loopBound(len);
    FloatVector vm = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int j = 0; j < lb; j += L) {
      FloatVector x = FloatVector.fromArray(S, s, off + j).mul(scale);
      x.intoArray(s, off + j);
      vm = vm.max(x);
    }
    float m = vm.reduceLanes(VectorOperators.MAX);
    for (int j = lb; j < len; j++) {
      s[off + j] *= scale;
      m = Math.max(m, s[off + j]);
    }
    // e_j = exp(s_j - m); l = sum e_j; es = sum e_j (s_j - m); far = sum_{j < farEnd} e_j
    FloatVector vl = FloatVector.zero(S);
    FloatVector ves = vl;
    FloatVector vfar = vl;
    int farVec = Math.min(S.loopBound(Math.max(farEnd, 0)), lb);
    int j = 0;
    for (; j < farVec; j += L) {
      FloatVector x = FloatVector.fromArray(S, s, off + j).sub(m);
      FloatVector e = x.lanewise(VectorOperators.EXP);
      e.intoArray(s, off + j);
      vl = vl.add(e);
      ves = e.fma(x, ves);
      vfar = vfar.add(e);
    }
    for (; j < lb; j += L) {
      FloatVector x = FloatVector.fromArray(S, s, off + j).sub(m);
      FloatVector e = x.lanewise(VectorOperators.EXP);
      e.intoArray(s, off + j);
      vl = vl.add(e);
      ves = e.fma(x, ves);
    }
    double l = vl.reduceLanes(VectorOperators.ADD);
    double es = ves.reduceLanes(VectorOperators.ADD);
    double far = vfar.reduceLanes(VectorOperators.ADD);
    for (; j < len; j++) {
      float x = s[off + j] - m;
      float e = (float) Math.exp(x);
      s[off + j] = e;
      l += e;
      es += e * x;
    }
    // the far keys the vector loop did not count (farEnd not a multiple of L)
    for (int q = farVec; q < Math.min(farEnd, len); q++) {
      far += s[off + q];
    }
    FloatVector inv = FloatVector.broadcast(S, (float) (1.0 / l));
    for (j = 0; j < lb; j += L) {
      FloatVector.fromArray(S, s, off + j).mul(inv).intoArray(s, off + j);
    }
    float invS = (float) (1.0 / l);
    for (j = lb; j < len; j++) {
      s[off + j] *= invS;
    }
    for (j = len; j < zeroTo; j++) {
      s[off + j] = 0;
    }
    out[0] = Math.log(l) - es / l;
    out[1] = far / l;
  }

  @Override
  double logSumExp(float[] z, int off, int len) {
    int lb = S.loopBound(len);
    FloatVector vm = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int j = 0; j < lb; j += L) {
      vm = vm.max(FloatVector.fromArray(S, z, off + j));
    }
    float m = vm.reduceLanes(VectorOperators.MAX);
    for (int j = lb; j < len; j++) {
      m = Math.max(m, z[off + j]);
    }
    FloatVector acc = FloatVector.zero(S);
    for (int j = 0; j < lb; j += L) {
      acc = acc.add(FloatVector.fromArray(S, z, off + j).sub(m).lanewise(VectorOperators.EXP));
    }
    double sum = acc.reduceLanes(VectorOperators.ADD);
    for (int j = lb; j < len; j++) {
      sum += Math.exp(z[off + j] - m);
    }
    return m + Math.log(sum);
  }

  @Override
  void siluMul(float[] g, float[] u, int off, int len) {
    int end = off + len;
    int i = off;
    for (; i + L <= end; i += L) {
      FloatVector x = FloatVector.fromArray(S, g, i);
      FloatVector sig = x.neg().lanewise(VectorOperators.EXP).add(1f);
      x.div(sig).mul(FloatVector.fromArray(S, u, i)).intoArray(g, i);
    }
    for (; i < end; i++) {
      float x = g[i];
      g[i] = x / (1f + (float) Math.exp(-x)) * u[i];
    }
  }
}
