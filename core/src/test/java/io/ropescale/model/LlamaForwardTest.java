package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeTypes;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaForwardTest {
  @TempDir Path dir;

  private static JsonNode reference() throws Exception {
    try (InputStream in = LlamaForwardTest.class.getResourceAsStream("/model/forward-reference.json")) {
      return new ObjectMapper().readTree(in);
    }
  }

  private static double mean(double[] nll) {
    double s = 0;
    int c = 0;
    for (double v : nll) {
      if (!Double.isNaN(v)) {
        s += v;
        c++;
      }
    }
    return s / c;
  }

  /**
   * SmolLM2-135M over the first 1,000 tokens of the GPL text agrees token by token, within 1e-3
   * nats, with the independent float64 numpy reference (bench/llama_numpy.py: the gguf package's
   * own reader and dequantizers, HF tokenizers); and rotate-half RoPE pairing on the same GGUF rows
   * is far worse, which is how the adjacent pairing is known to be the right one.
   */
  @Test
  void smolLm2LossAgreesWithNumpyReferenceAndAdjacentPairingIsRight() throws Exception {
    JsonNode ref = reference();
    LlamaWeights w = TestModel.weights();
    String text = Files.readString(Path.of(System.getProperty("ropescale.home", "../"), ref.get("text").asText()));
    int n = ref.get("tokens").asInt();
    assertEquals(1000, n);
    int[] ids = java.util.Arrays.copyOf(TestModel.tokenizer().encode(text), n);
    int[] refIds = new int[n];
    for (int t = 0; t < n; t++) {
      refIds[t] = ref.get("ids").get(t).asInt();
    }
    assertArrayEquals(refIds, ids, "the Java tokenizer gives the reference's token ids");
    double[] nll;
    try (LlamaForward fw = new LlamaForward(w, 2)) {
      nll = fw.forward(ids, w.config.nativeInvFreq(), 1.0, StatsRequest.none()).nll();
    }
    assertTrue(Double.isNaN(nll[0]));
    double worst = 0;
    for (int t = 1; t < n; t++) {
      double diff = Math.abs(nll[t] - ref.get("nll").get(t).asDouble());
      worst = Math.max(worst, diff);
      assertTrue(diff < 1e-3, "token " + t + ": java " + nll[t] + " numpy " + ref.get("nll").get(t).asDouble());
    }
    double adjacent = mean(nll);
    assertEquals(ref.get("mean_nll").asDouble(), adjacent, 1e-4);
    System.out.printf("SmolLM2 1000 tokens: mean nll %.6f, numpy %.6f, max |diff| %.2e%n",
        adjacent, ref.get("mean_nll").asDouble(), worst);

    double half;
    try (LlamaForward fw = new LlamaForward(w, 2, Kernels.get(), LlamaForward.RotaryPairing.HALF)) {
      half = mean(fw.forward(ids, w.config.nativeInvFreq(), 1.0, StatsRequest.none()).nll());
    }
    System.out.printf("rotate-half pairing on GGUF rows: mean nll %.4f (adjacent %.4f)%n", half, adjacent);
    assertTrue(half > 1.5 * adjacent, "rotate-half " + half + " vs adjacent " + adjacent);
  }

  // ---- a tiny llama built in the test, against a brute-force double-precision forward pass ----

  private static final int LAYERS = 2;
  private static final int WIDTH = 32;
  private static final int HEADS = 4;
  private static final int KV = 2;
  private static final int HD = 8;
  private static final int ROT = 6;
  private static final int FFN = 48;
  private static final int VOCAB = 50;

  private static float[] randn(Random r, int n, double sd) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextGaussian() * sd);
    }
    return a;
  }

  private static float[] around1(Random r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (1 + 0.2 * r.nextGaussian());
    }
    return a;
  }

  /** Writes a tiny llama GGUF (F32 tensors, tied head) and loads it through the reader. */
  private LlamaWeights tinyModel() {
    Random r = new Random(42);
    GgufWriter g = new GgufWriter()
        .put("general.architecture", GgufValueType.STRING, "llama")
        .put("llama.block_count", GgufValueType.UINT32, LAYERS)
        .put("llama.embedding_length", GgufValueType.UINT32, WIDTH)
        .put("llama.attention.head_count", GgufValueType.UINT32, HEADS)
        .put("llama.attention.head_count_kv", GgufValueType.UINT32, KV)
        .put("llama.feed_forward_length", GgufValueType.UINT32, FFN)
        .put("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, 1e-5f)
        .put("llama.rope.freq_base", GgufValueType.FLOAT32, 10000f)
        .put("llama.rope.dimension_count", GgufValueType.UINT32, ROT)
        .put("llama.context_length", GgufValueType.UINT32, 64)
        .put("llama.vocab_size", GgufValueType.UINT32, VOCAB);
    g.f32("token_embd.weight", new long[] {WIDTH, VOCAB}, randn(r, WIDTH * VOCAB, 1));
    g.f32("output_norm.weight", new long[] {WIDTH}, around1(r, WIDTH));
    for (int l = 0; l < LAYERS; l++) {
      String p = "blk." + l + ".";
      g.f32(p + "attn_norm.weight", new long[] {WIDTH}, around1(r, WIDTH));
      g.f32(p + "attn_q.weight", new long[] {WIDTH, HEADS * HD}, randn(r, WIDTH * HEADS * HD, 0.4));
      g.f32(p + "attn_k.weight", new long[] {WIDTH, KV * HD}, randn(r, WIDTH * KV * HD, 0.4));
      g.f32(p + "attn_v.weight", new long[] {WIDTH, KV * HD}, randn(r, WIDTH * KV * HD, 0.3));
      g.f32(p + "attn_output.weight", new long[] {HEADS * HD, WIDTH}, randn(r, WIDTH * HEADS * HD, 0.2));
      g.f32(p + "ffn_norm.weight", new long[] {WIDTH}, around1(r, WIDTH));
      g.f32(p + "ffn_gate.weight", new long[] {WIDTH, FFN}, randn(r, WIDTH * FFN, 0.3));
      g.f32(p + "ffn_up.weight", new long[] {WIDTH, FFN}, randn(r, WIDTH * FFN, 0.3));
      g.f32(p + "ffn_down.weight", new long[] {FFN, WIDTH}, randn(r, WIDTH * FFN, 0.2));
    }
    Path p = dir.resolve("tiny.gguf");
    g.write(p);
    try (GgufFile f = GgufFile.open(p)) {
      return LlamaWeights.load(f);
    }
  }

  private static double[] matvec(float[] w, int out, int in, double[] x) {
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        y[o] += w[o * in + i] * x[i];
      }
    }
    return y;
  }

  private static double[] rms(double[] x, float[] w, double eps) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double s = 1 / Math.sqrt(ss / x.length + eps);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * s * w[i];
    }
    return y;
  }

  private static void ropeAdjacent(double[] v, int heads, int t, double[] inv) {
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < inv.length; i++) {
        int a = h * HD + 2 * i;
        double c = Math.cos(t * inv[i]);
        double s = Math.sin(t * inv[i]);
        double x0 = v[a];
        double x1 = v[a + 1];
        v[a] = x0 * c - x1 * s;
        v[a + 1] = x0 * s + x1 * c;
      }
    }
  }

  /** Brute force: full double-precision matrices, every statistic straight from its definition. */
  private static Object[] bruteForce(LlamaWeights w, int[] tok, double[] inv, double af, int farD, int[] rec) {
    int n = tok.length;
    double eps = w.config.normEps();
    double[][] x = new double[n][WIDTH];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < WIDTH; i++) {
        x[t][i] = w.tokenEmbd[tok[t] * WIDTH + i];
      }
    }
    double[][] ent = new double[rec.length][n];
    double[][] far = new double[rec.length][n];
    double[][][] preQ = new double[rec.length][][];
    double[][][] preK = new double[rec.length][][];
    for (int l = 0; l < LAYERS; l++) {
      LlamaWeights.Layer lw = w.layers[l];
      double[][] q = new double[n][];
      double[][] k = new double[n][];
      double[][] v = new double[n][];
      for (int t = 0; t < n; t++) {
        double[] h = rms(x[t], lw.attnNorm, eps);
        q[t] = matvec(lw.wq, HEADS * HD, WIDTH, h);
        k[t] = matvec(lw.wk, KV * HD, WIDTH, h);
        v[t] = matvec(lw.wv, KV * HD, WIDTH, h);
      }
      int slot = -1;
      for (int i = 0; i < rec.length; i++) {
        if (rec[i] == l) {
          slot = i;
        }
      }
      if (slot >= 0) {
        preQ[slot] = new double[n][];
        preK[slot] = new double[n][];
        for (int t = 0; t < n; t++) {
          preQ[slot][t] = q[t].clone();
          preK[slot][t] = k[t].clone();
        }
      }
      for (int t = 0; t < n; t++) {
        ropeAdjacent(q[t], HEADS, t, inv);
        ropeAdjacent(k[t], KV, t, inv);
      }
      double[][] o = new double[n][HEADS * HD];
      for (int h = 0; h < HEADS; h++) {
        int g = h / (HEADS / KV);
        for (int t = 0; t < n; t++) {
          double[] s = new double[t + 1];
          double m = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= t; j++) {
            for (int d = 0; d < HD; d++) {
              s[j] += (q[t][h * HD + d] * af) * (k[j][g * HD + d] * af); // HF: cos/sin scaled by af
            }
            s[j] /= Math.sqrt(HD);
            m = Math.max(m, s[j]);
          }
          double z = 0;
          for (int j = 0; j <= t; j++) {
            z += Math.exp(s[j] - m);
          }
          double e = 0;
          double fm = 0;
          for (int j = 0; j <= t; j++) {
            double a = Math.exp(s[j] - m) / z;
            e -= a > 0 ? a * Math.log(a) : 0;
            if (t - j > farD) {
              fm += a;
            }
            for (int d = 0; d < HD; d++) {
              o[t][h * HD + d] += a * v[j][g * HD + d];
            }
          }
          if (slot >= 0) {
            ent[slot][t] += e / HEADS;
            far[slot][t] += fm / HEADS;
          }
        }
      }
      for (int t = 0; t < n; t++) {
        double[] y = matvec(lw.wo, WIDTH, HEADS * HD, o[t]);
        for (int i = 0; i < WIDTH; i++) {
          x[t][i] += y[i];
        }
        double[] h = rms(x[t], lw.ffnNorm, eps);
        double[] gt = matvec(lw.wGate, FFN, WIDTH, h);
        double[] up = matvec(lw.wUp, FFN, WIDTH, h);
        for (int i = 0; i < FFN; i++) {
          gt[i] = gt[i] / (1 + Math.exp(-gt[i])) * up[i];
        }
        y = matvec(lw.wDown, WIDTH, FFN, gt);
        for (int i = 0; i < WIDTH; i++) {
          x[t][i] += y[i];
        }
      }
    }
    double[] nll = new double[n];
    nll[0] = Double.NaN;
    for (int t = 0; t + 1 < n; t++) {
      double[] z = matvec(w.output, VOCAB, WIDTH, rms(x[t], w.outputNorm, eps));
      double m = Double.NEGATIVE_INFINITY;
      for (double v : z) {
        m = Math.max(m, v);
      }
      double s = 0;
      for (double v : z) {
        s += Math.exp(v - m);
      }
      nll[t + 1] = m + Math.log(s) - z[tok[t + 1]];
    }
    return new Object[] {nll, ent, far, preQ, preK};
  }

  @Test
  void tinyModelStatisticsMatchBruteForceForBothKernelsAndAnyThreadCount() {
    LlamaWeights w = tinyModel();
    assertTrue(w.tiedOutput());
    assertEquals(ROT, w.config.rotaryDim());
    Random r = new Random(7);
    int n = 75; // several query blocks, the last one partial
    int[] tok = new int[n];
    for (int t = 0; t < n; t++) {
      tok[t] = r.nextInt(VOCAB);
    }
    double[] inv = RopeTypes.defaultTheta(ROT, 500);
    double af = 1.2;
    int farD = 20;
    int[] rec = {1, 0};
    Object[] want = bruteForce(w, tok, inv, af, farD, rec);
    double[] wantNll = (double[]) want[0];
    double[][] wantEnt = (double[][]) want[1];
    double[][] wantFar = (double[][]) want[2];
    double[][][] wantQ = (double[][][]) want[3];
    double[][][] wantK = (double[][][]) want[4];
    List<Kernels> kernels = new ArrayList<>(List.of(Kernels.get(), Kernels.scalar()));
    for (Kernels k : kernels) {
      for (int threads : new int[] {1, 3}) {
        String tag = k.name() + ", " + threads + " threads";
        ForwardResult res;
        try (LlamaForward fw = new LlamaForward(w, threads, k, LlamaForward.RotaryPairing.ADJACENT)) {
          res = fw.forward(tok, inv, af, new StatsRequest(rec, farD, true));
        }
        assertArrayEquals(rec, res.layers());
        assertTrue(Double.isNaN(res.nll()[0]));
        for (int t = 1; t < n; t++) {
          assertEquals(wantNll[t], res.nll()[t], 2e-4, tag + " nll " + t);
        }
        for (int s = 0; s < rec.length; s++) {
          for (int t = 0; t < n; t++) {
            assertEquals(wantEnt[s][t], res.entropy()[s][t], 2e-4, tag + " entropy layer " + rec[s] + " t " + t);
            assertEquals(wantFar[s][t], res.farMass()[s][t], 2e-5, tag + " far mass layer " + rec[s] + " t " + t);
            for (int i = 0; i < HEADS * HD; i++) {
              assertEquals(wantQ[s][t][i], res.preRopeQ()[s][t][i], 1e-4, tag + " preRopeQ");
            }
            for (int i = 0; i < KV * HD; i++) {
              assertEquals(wantK[s][t][i], res.preRopeK()[s][t][i], 1e-4, tag + " preRopeK");
            }
          }
          assertEquals(0.0, res.entropy()[s][0], 1e-6, "one key: zero entropy");
          assertEquals(0.0, res.farMass()[s][farD], 0.0, "no key is farther than D yet");
          assertTrue(res.farMass()[s][n - 1] > 0.05, "far keys carry mass at the end");
        }
      }
    }
    // the attention factor really enters squared: af = 1 differs from af = 1.2
    try (LlamaForward fw = new LlamaForward(w, 1)) {
      ForwardResult plain = fw.forward(tok, inv, 1.0, new StatsRequest(new int[] {0}, farD, false));
      assertNull(plain.preRopeQ());
      assertTrue(Math.abs(plain.entropy()[0][n - 1] - wantEnt[1][n - 1]) > 1e-3);
    }
  }

  @Test
  void badInputsAreInputErrors() {
    LlamaWeights w = tinyModel();
    try (LlamaForward fw = new LlamaForward(w, 1)) {
      double[] inv = w.config.nativeInvFreq();
      assertThrows(RopeInputException.class, () -> fw.forward(new int[] {1, VOCAB}, inv, 1, StatsRequest.none()));
      assertThrows(RopeInputException.class, () -> fw.forward(new int[0], inv, 1, StatsRequest.none()));
      assertThrows(RopeInputException.class, () -> fw.forward(new int[] {1}, new double[2], 1, StatsRequest.none()));
      assertThrows(RopeInputException.class, () -> fw.forward(new int[] {1}, inv, 0, StatsRequest.none()));
      assertThrows(RopeInputException.class,
          () -> fw.forward(new int[] {1}, inv, 1, new StatsRequest(new int[] {LAYERS}, 1, false)));
    }
  }

  /** Both kernel sets agree with a double-precision product on odd shapes (tails of every loop). */
  @Test
  void kernelsAgreeWithDoublePrecisionProducts() {
    Random r = new Random(3);
    for (Kernels k : List.of(Kernels.get(), Kernels.scalar())) {
      for (int[] s : new int[][] {{7, 9, 37}, {16, 70, 64}, {5, 130, 3}, {1, 1, 1}, {9, 67, 600}}) {
        int m = s[0];
        int n = s[1];
        int kk = s[2];
        float[] a = randn(r, m * kk, 1);
        float[] bt = randn(r, n * kk, 1); // [n][k] for NT
        float[] b = new float[kk * n]; // [k][n] for NN
        for (int j = 0; j < n; j++) {
          for (int p = 0; p < kk; p++) {
            b[p * n + j] = bt[j * kk + p];
          }
        }
        float[] c1 = new float[m * n];
        float[] c2 = new float[m * n];
        k.gemmNT(a, 0, kk, bt, 0, kk, c1, 0, n, m, n, kk);
        k.gemmNN(a, 0, kk, b, 0, n, c2, 0, n, m, n, kk);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double want = 0;
            for (int p = 0; p < kk; p++) {
              want += (double) a[i * kk + p] * bt[j * kk + p];
            }
            assertEquals(want, c1[i * n + j], 1e-4 * Math.sqrt(kk), k.name() + " NT");
            assertEquals(want, c2[i * n + j], 1e-4 * Math.sqrt(kk), k.name() + " NN");
          }
        }
        float[] z = randn(r, n, 3);
        double mx = Double.NEGATIVE_INFINITY;
        for (float v : z) {
          mx = Math.max(mx, v);
        }
        double sum = 0;
        for (float v : z) {
          sum += Math.exp(v - mx);
        }
        assertEquals(mx + Math.log(sum), k.logSumExp(z, 0, n), 1e-5, k.name() + " logSumExp");
      }
    }
  }
}
