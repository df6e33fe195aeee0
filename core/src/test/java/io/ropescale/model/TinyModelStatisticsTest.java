package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ropescale.rope.RopeTypes;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The model-attention statistics on a tiny llama built in the test (2 layers, width 16, 4 query
 * heads sharing 2 key/value heads, head dim 4, vocab 50, random weights), against a brute-force
 * forward pass written here in double precision with the full attention matrix: nll, entropy and
 * far mass from {@link LlamaForward}, C_i(m) from its pre-RoPE q/k, and L_b(m), which at layer 0
 * must equal the mean of the real layer-0 logits under base b.
 */
class TinyModelStatisticsTest {
  static final int LAYERS = 2;
  static final int WIDTH = 16;
  static final int HEADS = 4;
  static final int KV = 2;
  static final int HD = 4;
  static final int FFN = 24;
  static final int VOCAB = 50;
  static final double EPS = 1e-5;

  static LlamaWeights tinyModel(long seed) {
    Random r = new Random(seed);
    LlamaConfig c = new LlamaConfig(LAYERS, WIDTH, HEADS, KV, HD, FFN, EPS, 10000, 64, VOCAB, HD);
    LlamaWeights.Layer[] layers = new LlamaWeights.Layer[LAYERS];
    for (int l = 0; l < LAYERS; l++) {
      layers[l] = new LlamaWeights.Layer(norm(r, WIDTH), rand(r, HEADS * HD * WIDTH, 0.5), rand(r, KV * HD * WIDTH, 0.5),
          rand(r, KV * HD * WIDTH, 0.5), rand(r, WIDTH * HEADS * HD, 0.3), norm(r, WIDTH), rand(r, FFN * WIDTH, 0.3),
          rand(r, FFN * WIDTH, 0.3), rand(r, WIDTH * FFN, 0.3));
    }
    float[] embd = rand(r, VOCAB * WIDTH, 1.0);
    return new LlamaWeights(c, embd, norm(r, WIDTH), embd, layers);
  }

  private static float[] rand(Random r, int n, double scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (scale * r.nextGaussian());
    }
    return x;
  }

  private static float[] norm(Random r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (1 + 0.1 * r.nextGaussian());
    }
    return x;
  }

  /** What the brute force records: per token nll, per layer entropy/far mass, pre-RoPE q/k, and layer logits. */
  static final class Brute {
    double[] nll;
    double[][] entropy = new double[LAYERS][];
    double[][] far = new double[LAYERS][];
    double[][][] q = new double[LAYERS][][];
    double[][][] k = new double[LAYERS][][];
    double[][][][] logits = new double[LAYERS][][][]; // [layer][head][t][j]
  }

  static double[] rms(double[] x, float[] w) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double inv = 1 / Math.sqrt(ss / x.length + EPS);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * inv * w[i];
    }
    return y;
  }

  static double[] mat(float[] w, double[] x, int out) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < x.length; i++) {
        y[o] += w[o * x.length + i] * x[i];
      }
    }
    return y;
  }

  static Brute brute(LlamaWeights w, int[] tok, double[] invFreq, double attentionFactor, int far) {
    int n = tok.length;
    double[][] x = new double[n][WIDTH];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < WIDTH; i++) {
        x[t][i] = w.tokenEmbd[tok[t] * WIDTH + i];
      }
    }
    Brute b = new Brute();
    for (int l = 0; l < LAYERS; l++) {
      LlamaWeights.Layer L = w.layers[l];
      double[][] q = new double[n][];
      double[][] k = new double[n][];
      double[][] v = new double[n][];
      for (int t = 0; t < n; t++) {
        double[] h = rms(x[t], L.attnNorm);
        q[t] = mat(L.wq, h, HEADS * HD);
        k[t] = mat(L.wk, h, KV * HD);
        v[t] = mat(L.wv, h, KV * HD);
      }
      b.q[l] = q;
      b.k[l] = k;
      double[][] qr = new double[n][];
      double[][] kr = new double[n][];
      for (int t = 0; t < n; t++) {
        qr[t] = rope(q[t], t, invFreq, HEADS);
        kr[t] = rope(k[t], t, invFreq, KV);
      }
      b.entropy[l] = new double[n];
      b.far[l] = new double[n];
      b.logits[l] = new double[HEADS][n][n];
      double[][] attnOut = new double[n][HEADS * HD];
      for (int h = 0; h < HEADS; h++) {
        int g = h / (HEADS / KV);
        for (int t = 0; t < n; t++) {
          double[] s = new double[t + 1];
          double mx = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= t; j++) {
            double dot = 0;
            for (int e = 0; e < HD; e++) {
              dot += qr[t][h * HD + e] * kr[j][g * HD + e];
            }
            s[j] = dot * attentionFactor * attentionFactor / Math.sqrt(HD);
            b.logits[l][h][t][j] = s[j];
            mx = Math.max(mx, s[j]);
          }
          double z = 0;
          for (int j = 0; j <= t; j++) {
            z += Math.exp(s[j] - mx);
          }
          for (int j = 0; j <= t; j++) {
            double a = Math.exp(s[j] - mx) / z;
            if (a > 0) {
              b.entropy[l][t] -= a * Math.log(a) / HEADS;
            }
            if (t - j > far) {
              b.far[l][t] += a / HEADS;
            }
            for (int e = 0; e < HD; e++) {
              attnOut[t][h * HD + e] += a * v[j][g * HD + e];
            }
          }
        }
      }
      for (int t = 0; t < n; t++) {
        double[] o = mat(L.wo, attnOut[t], WIDTH);
        for (int i = 0; i < WIDTH; i++) {
          x[t][i] += o[i];
        }
        double[] h2 = rms(x[t], L.ffnNorm);
        double[] gate = mat(L.wGate, h2, FFN);
        double[] up = mat(L.wUp, h2, FFN);
        double[] act = new double[FFN];
        for (int i = 0; i < FFN; i++) {
          act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        double[] down = mat(L.wDown, act, WIDTH);
        for (int i = 0; i < WIDTH; i++) {
          x[t][i] += down[i];
        }
      }
    }
    b.nll = new double[n];
    b.nll[0] = Double.NaN;
    for (int t = 1; t < n; t++) {
      double[] logits = mat(w.output, rms(x[t - 1], w.outputNorm), VOCAB);
      double mx = Double.NEGATIVE_INFINITY;
      for (double z : logits) {
        mx = Math.max(mx, z);
      }
      double z = 0;
      for (double y : logits) {
        z += Math.exp(y - mx);
      }
      b.nll[t] = -(logits[tok[t]] - mx - Math.log(z));
    }
    return b;
  }

  /** RoPE on adjacent pairs (2i, 2i+1) of every head, angle t * invFreq[i]. */
  static double[] rope(double[] x, int t, double[] invFreq, int heads) {
    double[] y = x.clone();
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < HD / 2; i++) {
        double a = t * invFreq[i];
        double x0 = x[h * HD + 2 * i];
        double x1 = x[h * HD + 2 * i + 1];
        y[h * HD + 2 * i] = x0 * Math.cos(a) - x1 * Math.sin(a);
        y[h * HD + 2 * i + 1] = x0 * Math.sin(a) + x1 * Math.cos(a);
      }
    }
    return y;
  }

  @Test
  void forwardStatisticsMatchBruteForce() {
    LlamaWeights w = tinyModel(5);
    Random r = new Random(9);
    int n = 40;
    int[] tok = new int[n];
    for (int t = 0; t < n; t++) {
      tok[t] = r.nextInt(VOCAB);
    }
    int far = 7;
    double[] invFreq = RopeTypes.defaultTheta(HD, 10000);
    ForwardResult f;
    try (LlamaForward fw = new LlamaForward(w, 2)) {
      f = fw.forward(tok, invFreq, 1.1, new StatsRequest(new int[] {0, 1}, far, true));
    }
    Brute b = brute(w, tok, invFreq, 1.1, far);
    assertEquals(Double.NaN, f.nll()[0]);
    for (int t = 1; t < n; t++) {
      assertEquals(b.nll[t], f.nll()[t], 2e-4 * (1 + b.nll[t]), "nll t=" + t);
    }
    for (int l = 0; l < LAYERS; l++) {
      for (int t = 0; t < n; t++) {
        assertEquals(b.entropy[l][t], f.entropy()[l][t], 2e-4, "entropy l" + l + " t" + t);
        assertEquals(b.far[l][t], f.farMass()[l][t], 2e-4, "far l" + l + " t" + t);
      }
    }
    // C_i(m) from the forward pass's pre-RoPE q/k against the brute force's, by direct sums
    float[][] fq = f.preRopeQ()[1];
    float[][] fk = f.preRopeK()[1];
    QkCorrelation.Sums s = QkCorrelation.of((t, h, e) -> fq[t][h * HD + e], (t, h, e) -> fk[t][h * HD + e], n, HEADS, KV,
        HD, n - 1);
    for (int h = 0; h < HEADS; h++) {
      for (int i = 0; i < HD / 2; i++) {
        for (int m = 0; m < n; m++) {
          double re = 0;
          double im = 0;
          for (int t = m; t < n; t++) {
            double a = b.q[1][t][h * HD + 2 * i];
            double bb = b.q[1][t][h * HD + 2 * i + 1];
            double c = b.k[1][t - m][h / 2 * HD + 2 * i];
            double d = b.k[1][t - m][h / 2 * HD + 2 * i + 1];
            re += a * c + bb * d;
            im += bb * c - a * d;
          }
          assertEquals(re / (n - m), s.re()[s.index(h, i, m)] / s.count()[m], 1e-4 * (1 + Math.abs(re / (n - m))));
          assertEquals(im / (n - m), s.im()[s.index(h, i, m)] / s.count()[m], 1e-4 * (1 + Math.abs(im / (n - m))));
        }
      }
    }
  }

  @Test
  void logitProfileIsExactAtLayerZeroForAnyBase() {
    LlamaWeights w = tinyModel(21);
    Random r = new Random(4);
    int n = 48;
    int[] tok = new int[n];
    for (int t = 0; t < n; t++) {
      tok[t] = r.nextInt(VOCAB);
    }
    ForwardResult f;
    try (LlamaForward fw = new LlamaForward(w, 1)) {
      f = fw.forward(tok, RopeTypes.defaultTheta(HD, 10000), 1.0, new StatsRequest(new int[] {0}, 4, true));
    }
    float[][] fq = f.preRopeQ()[0];
    float[][] fk = f.preRopeK()[0];
    QkCorrelation.Sums s = QkCorrelation.of((t, h, e) -> fq[t][h * HD + e], (t, h, e) -> fk[t][h * HD + e], n, HEADS, KV,
        HD, n - 1);
    for (double base : new double[] {3, 500, 10000, 1e6}) {
      double[][] l = LogitProfile.of(s, base, HD);
      // the real layer-0 logits of a pass under this base, averaged over t at each distance m
      Brute b = brute(w, tok, RopeTypes.defaultTheta(HD, base), 1.0, 4);
      for (int h = 0; h < HEADS; h++) {
        for (int m : new int[] {0, 1, 5, 30, 47}) {
          double mean = 0;
          for (int t = m; t < n; t++) {
            mean += b.logits[0][h][t][t - m];
          }
          mean /= n - m;
          assertEquals(mean, l[h][m], 1e-4 * (1 + Math.abs(mean)), "base " + base + " head " + h + " m " + m);
        }
      }
    }
  }
}
