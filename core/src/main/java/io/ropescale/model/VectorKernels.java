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

  /** Columns of C (rows of B) per pass: a 64-row block of B stays in L2 while all rows of A use it. */
  private static final int N_BLOCK = 64;

  @Override
  void gemmNT(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
      int m, int n, int k) {
    int kb = S.loopBound(k);
    float[] acc = new float[16 * L];
    for (int j0 = 0; j0 < n; j0 += N_BLOCK) {
      int j1 = Math.min(n, j0 + N_BLOCK);
      int i = 0;
      for (; i + 4 <= m; i += 4) {
        int a0 = aOff + i * lda;
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
          tile4x4(a, a0, lda, b, bOff + j * ldb, ldb, kb, acc);
          for (int r = 0; r < 4; r++) {
            for (int q = 0; q < 4; q++) {
              float s = 0;
              int base = (r * 4 + q) * L;
              for (int x = 0; x < L; x++) {
                s += acc[base + x];
              }
              c[cOff + (i + r) * ldc + j + q] = s + tail(a, a0 + r * lda, b, bOff + (j + q) * ldb, kb, k);
            }
          }
        }
        for (; j < j1; j++) {
          int bj = bOff + j * ldb;
          for (int r = 0; r < 4; r++) {
            c[cOff + (i + r) * ldc + j] = dot(a, a0 + r * lda, b, bj, k);
          }
        }
      }
      for (; i < m; i++) {
        for (int j = j0; j < j1; j++) {
          c[cOff + i * ldc + j] = dot(a, aOff + i * lda, b, bOff + j * ldb, k);
        }
      }
    }
  }

  /** The 4 x 4 register tile over k in [0, kb): lane partial sums of C(r, q) to acc[(4r+q)L ..]. */
  private static void tile4x4(float[] a, int a0, int lda, float[] b, int b0, int ldb, int kb, float[] acc) {
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
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
    c00.intoArray(acc, 0);
    c01.intoArray(acc, L);
    c02.intoArray(acc, 2 * L);
    c03.intoArray(acc, 3 * L);
    c10.intoArray(acc, 4 * L);
    c11.intoArray(acc, 5 * L);
    c12.intoArray(acc, 6 * L);
    c13.intoArray(acc, 7 * L);
    c20.intoArray(acc, 8 * L);
    c21.intoArray(acc, 9 * L);
    c22.intoArray(acc, 10 * L);
    c23.intoArray(acc, 11 * L);
    c30.intoArray(acc, 12 * L);
    c31.intoArray(acc, 13 * L);
    c32.intoArray(acc, 14 * L);
    c33.intoArray(acc, 15 * L);
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
    float m = scaleAndMax(s, off, len, scale);
    double[] sums = expAndSums(s, off, len, m);
    double l = sums[0];
    double far = sum(s, off, Math.max(0, Math.min(farEnd, len)));
    multiply(s, off, len, (float) (1.0 / l));
    java.util.Arrays.fill(s, off + len, off + Math.max(len, zeroTo), 0f);
    out[0] = Math.log(l) - sums[1] / l;
    out[1] = far / l;
  }

  // Small methods on purpose: C2 stops inlining Vector API calls in one big method, and a call it
  // does not inline boxes every vector (measured 5-10x slower).

  private static float scaleAndMax(float[] s, int off, int len, float scale) {
    int lb = S.loopBound(len);
    FloatVector vs = FloatVector.broadcast(S, scale);
    FloatVector vm = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
    for (int j = 0; j < lb; j += L) {
      FloatVector x = FloatVector.fromArray(S, s, off + j).mul(vs);
      x.intoArray(s, off + j);
      vm = vm.max(x);
    }
    float m = vm.reduceLanes(VectorOperators.MAX);
    for (int j = lb; j < len; j++) {
      s[off + j] *= scale;
      m = Math.max(m, s[off + j]);
    }
    return m;
  }

  /** e_j = exp(s_j - m) in place; returns {sum e_j, sum e_j (s_j - m)}. */
  private static double[] expAndSums(float[] s, int off, int len, float m) {
    int lb = S.loopBound(len);
    FloatVector vmax = FloatVector.broadcast(S, m);
    FloatVector vl = FloatVector.zero(S);
    FloatVector ves = vl;
    for (int j = 0; j < lb; j += L) {
      FloatVector x = FloatVector.fromArray(S, s, off + j).sub(vmax);
      FloatVector e = x.lanewise(VectorOperators.EXP);
      e.intoArray(s, off + j);
      vl = vl.add(e);
      ves = e.fma(x, ves);
    }
    double l = vl.reduceLanes(VectorOperators.ADD);
    double es = ves.reduceLanes(VectorOperators.ADD);
    for (int j = lb; j < len; j++) {
      float x = s[off + j] - m;
      float e = (float) Math.exp(x);
      s[off + j] = e;
      l += e;
      es += e * x;
    }
    return new double[] {l, es};
  }

  private static double sum(float[] s, int off, int len) {
    int lb = S.loopBound(len);
    FloatVector acc = FloatVector.zero(S);
    for (int j = 0; j < lb; j += L) {
      acc = acc.add(FloatVector.fromArray(S, s, off + j));
    }
    double t = acc.reduceLanes(VectorOperators.ADD);
    for (int j = lb; j < len; j++) {
      t += s[off + j];
    }
    return t;
  }

  private static void multiply(float[] s, int off, int len, float f) {
    int lb = S.loopBound(len);
    FloatVector vf = FloatVector.broadcast(S, f);
    for (int j = 0; j < lb; j += L) {
      FloatVector.fromArray(S, s, off + j).mul(vf).intoArray(s, off + j);
    }
    for (int j = lb; j < len; j++) {
      s[off + j] *= f;
    }
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
