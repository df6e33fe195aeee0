package io.ropescale.model;

import io.ropescale.attention.PositionBuckets;

/**
 * Pre-RoPE query/key correlation over distance, per query head h and rotary pair i:
 * {@code C_i(m) = mean_t q_t^(i) conj(k_{t-m}^(i))}, with pair i of a head the complex number
 * {@code x[2i] + i x[2i+1]} (GGUF row order: llama.cpp's converter permutes q and k so the two
 * coordinates of pair i are adjacent) and query head h reading key/value head h / (heads/kvHeads).
 *
 * <p>Why: RoPE rotates pair i of the token at position t by {@code e^{i t theta_i}}, so the logit
 * of query t on key t-m is {@code (1/sqrt(d)) sum_i Re(q_t^(i) conj(k_{t-m}^(i)) e^{i m theta_i})}.
 * Averaged over t, the expected logit at distance m under any base b is
 * {@code L_b(m) = (1/sqrt(d)) sum_i Re(C_i(m) e^{i m theta_i(b)})} ({@link LogitProfile}): one pass
 * gives the curve for every base. Exact at layer 0, whose pre-RoPE q/k do not depend on the base;
 * deeper, q and k were computed under the pass's own base, so L_b is a first-order view.
 *
 * <p>Lags m are condensed into {@link PositionBuckets} buckets (the {@code attention_profile}
 * buckets): per bucket the sum over every (t, m) pair with m in the bucket, and the number of such
 * pairs, so documents merge by adding sums and counts. All n lags of a document come from one FFT
 * cross-correlation per (head, pair): O(n log n) instead of O(n^2).
 */
public final class QkCorrelation {
  private QkCorrelation() {}

  /**
   * Sums over (t, m) pairs, m in bucket b: {@code re/im[(h*pairs + i)*buckets + b]}, and the pair
   * count per bucket (the same for every head and pair).
   */
  public record Sums(int heads, int pairs, int buckets, double[] re, double[] im, long[] count) {
    public int index(int head, int pair, int bucket) {
      return (head * pairs + pair) * buckets + bucket;
    }
  }

  /**
   * Accessor of one layer's pre-RoPE vectors: element {@code e} of head {@code h} at token t.
   * (The forward pass's own layout stays its business.)
   */
  @FunctionalInterface
  public interface Vectors {
    double get(int t, int h, int e);
  }

  /**
   * Correlation sums of one document's layer: {@code q} has {@code heads} heads, {@code k}
   * {@code kvHeads}, both {@code headDim} wide; tokens 0..n-1; lags 0..maxLag (&lt; n).
   */
  public static Sums of(Vectors q, Vectors k, int n, int heads, int kvHeads, int headDim, int maxLag) {
    if (heads % kvHeads != 0 || headDim % 2 != 0) {
      throw new IllegalArgumentException("heads " + heads + " must be a multiple of kv heads " + kvHeads
          + " and head_dim " + headDim + " even");
    }
    int lags = Math.min(maxLag, n - 1) + 1;
    int pairs = headDim / 2;
    int buckets = PositionBuckets.count(lags - 1);
    int group = heads / kvHeads;
    int size = Fft.size(2 * n);
    double[] re = new double[heads * pairs * buckets];
    double[] im = new double[heads * pairs * buckets];
    long[] count = new long[buckets];
    int[] bucketOf = new int[lags];
    for (int m = 0; m < lags; m++) {
      bucketOf[m] = PositionBuckets.bucket(m);
      count[bucketOf[m]] += n - m;
    }
    double[] kr = new double[size];
    double[] ki = new double[size];
    double[] qr = new double[size];
    double[] qi = new double[size];
    for (int g = 0; g < kvHeads; g++) {
      for (int i = 0; i < pairs; i++) {
        java.util.Arrays.fill(kr, 0);
        java.util.Arrays.fill(ki, 0);
        for (int t = 0; t < n; t++) {
          kr[t] = k.get(t, g, 2 * i);
          ki[t] = k.get(t, g, 2 * i + 1);
        }
        Fft.transform(kr, ki, false);
        for (int h = g * group; h < (g + 1) * group; h++) {
          java.util.Arrays.fill(qr, 0);
          java.util.Arrays.fill(qi, 0);
          for (int t = 0; t < n; t++) {
            qr[t] = q.get(t, h, 2 * i);
            qi[t] = q.get(t, h, 2 * i + 1);
          }
          Fft.transform(qr, qi, false);
          // R(m) = sum_t q_t conj(k_{t-m}) = IFFT(Q . conj(K))[m]; zero padding to >= 2n: no wrap
          for (int j = 0; j < size; j++) {
            double a = qr[j];
            double b = qi[j];
            qr[j] = a * kr[j] + b * ki[j];
            qi[j] = b * kr[j] - a * ki[j];
          }
          Fft.transform(qr, qi, true);
          int base = (h * pairs + i) * buckets;
          for (int m = 0; m < lags; m++) {
            re[base + bucketOf[m]] += qr[m];
            im[base + bucketOf[m]] += qi[m];
          }
        }
      }
    }
    return new Sums(heads, pairs, buckets, re, im, count);
  }
}
