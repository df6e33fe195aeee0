package io.ropescale.model;

import io.ropescale.rope.RopeInputException;
import java.util.Arrays;

/**
 * The llama forward pass in fp32, multi-threaded, over one token sequence at a time: RMSNorm,
 * grouped-query attention with RoPE, SwiGLU feed-forward, the output head (tied to the embedding
 * when the file has no {@code output.weight}), and the per-token loss.
 *
 * <p><b>RoPE.</b> The caller passes the inverse frequencies {@code invFreq[i]} (i &lt; rotaryDim/2)
 * from the core's RoPE-type registry, so any base or scaling type runs without this class knowing
 * types. Rotary pair i of a head is the ADJACENT dims (2i, 2i+1) rotated by angle
 * {@code t * invFreq[i]} at position t: llama.cpp's converter permutes the q and k rows of the
 * Hugging Face checkpoint so that HF's "rotate half" pairs (i, i + d/2) land on adjacent dims.
 * Applying rotate-half to GGUF rows mixes unrelated dims and roughly doubles the loss (the tests
 * show both).
 *
 * <p><b>Attention factor.</b> Hugging Face applies YaRN's {@code attention_factor} (mscale) by
 * multiplying cos and sin, i.e. both the rotated query and the rotated key, so every q.k logit is
 * multiplied by its SQUARE; this class does the same: logits are
 * {@code q.k * attentionFactor^2 / sqrt(headDim)}. Pass 1 for types without one.
 *
 * <p><b>Attention</b> is causal and blocked: for each query head and block of
 * {@value #QUERY_BLOCK} positions it computes logits only for keys up to the block's last
 * position (the masked half is never computed), turns each row into probabilities and its
 * statistics (entropy, far mass; {@link Kernels#softmaxRow}) on the fly, and multiplies by V. Only
 * one block of rows per worker is ever held, never an n x n matrix.
 *
 * <p>An instance owns a thread pool; {@link #close()} releases it (threads are daemons anyway).
 * {@link #forward} may be called repeatedly and from several threads.
 */
public final class LlamaForward implements AutoCloseable {
  /** Which dims form rotary pair i; {@code HALF} exists only to show that it is wrong on GGUF rows. */
  enum RotaryPairing { ADJACENT, HALF }

  static final int QUERY_BLOCK = 16;
  private static final int TOKEN_BLOCK = 64;
  private static final int OUT_BLOCK = PackedWeights.PANEL;
  private static final int HEAD_CHUNK = 256;
  private static final int HEAD_VOCAB_BLOCK = 512;

  private final LlamaWeights w;
  private final PackedWeights pw;
  private final LlamaConfig c;
  private final Kernels k;
  private final Parallel pool;
  private final RotaryPairing pairing;

  /** A forward pass over {@code weights} on {@code threads} threads (the caller's included). */
  public LlamaForward(LlamaWeights weights, int threads) {
    this(weights, threads, Kernels.get(), RotaryPairing.ADJACENT);
  }

  LlamaForward(LlamaWeights weights, int threads, Kernels kernels, RotaryPairing pairing) {
    if (threads < 1) {
      throw new RopeInputException("threads", threads, "must be >= 1");
    }
    this.w = weights;
    this.pw = weights.packed();
    this.c = weights.config;
    this.k = kernels;
    this.pool = new Parallel(threads);
    this.pairing = pairing;
  }

  public LlamaConfig config() {
    return c;
  }

  /** Which matrix kernel runs, e.g. "Vector API (512-bit)" or "scalar Java". */
  public String kernelName() {
    return k.name();
  }

  /**
   * Runs the model over {@code tokens} (no BOS is added; tokens[0] gets no loss).
   *
   * @param tokens          token ids, each in [0, vocabSize)
   * @param invFreq         rotaryDim/2 inverse frequencies (e.g. {@code RopeTypes.theta(cfg)})
   * @param attentionFactor multiplies both rotated q and k, so logits scale by its square (HF)
   * @param req             layers to record and what to record
   */
  public ForwardResult forward(int[] tokens, double[] invFreq, double attentionFactor, StatsRequest req) {
    final int n = tokens.length;
    if (n == 0) {
      throw new RopeInputException("tokens", "(empty)", "a forward pass needs at least one token");
    }
    if (invFreq.length != c.rotaryDim() / 2) {
      throw new RopeInputException("invFreq length", invFreq.length,
          "must be rotaryDim/2 = " + c.rotaryDim() / 2 + " for this model");
    }
    RopeInputException.requirePositive("attention_factor", attentionFactor);
    req.check(c);
    final int width = c.width();
    final int hd = c.headDim();
    final int heads = c.heads();
    final int kvHeads = c.kvHeads();
    final int qDim = heads * hd;
    final int kvDim = kvHeads * hd;
    final int ffn = c.ffn();
    final int group = c.groupSize();
    final int vocab = c.vocabSize();
    // Row stride of K^T and of the score block: n rounded up to 64, plus 16 floats. For n a multiple
    // of 1024, a stride of nPad alone is a multiple of 4 KiB, so the 64 rows d of a K^T slab that
    // q.K^T streams all fall in one L1 set (and at 8K in a few L2 sets) and evict each other; the
    // extra 64 bytes move each row to the next set.
    final int nPad = (n + 63) / 64 * 64 + 16;
    final int workers = pool.threads();

    float[] x = new float[n * width];
    for (int t = 0; t < n; t++) {
      int id = tokens[t];
      if (id < 0 || id >= vocab) {
        throw new RopeInputException("tokens[" + t + "]", id, "not a token id of this model (vocab " + vocab + ")");
      }
      System.arraycopy(w.tokenEmbd, id * width, x, t * width, width);
    }
    // cos/sin of t * invFreq[i], computed in double (positions up to 2^24 stay exact)
    final int half = invFreq.length;
    final float[] cos = new float[n * half];
    final float[] sin = new float[n * half];
    for (int t = 0; t < n; t++) {
      for (int i = 0; i < half; i++) {
        double a = t * invFreq[i];
        cos[t * half + i] = (float) Math.cos(a);
        sin[t * half + i] = (float) Math.sin(a);
      }
    }
    float[] xb = new float[n * width];
    float[] q = new float[n * qDim];
    float[] kk = new float[n * kvDim];
    float[] v = new float[n * kvDim];
    float[] att = new float[n * qDim];
    float[] gate = new float[n * ffn];
    float[] up = new float[n * ffn];
    float[][] kt = new float[kvHeads][hd * nPad];
    float[][] scores = new float[workers][QUERY_BLOCK * nPad];
    double[][] stat = new double[workers][2];

    int[] rec = req.layers();
    double[][] entropy = new double[rec.length][];
    double[][] far = new double[rec.length][];
    float[][][] preQ = req.capturePreRopeQk() ? new float[rec.length][][] : null;
    float[][][] preK = req.capturePreRopeQk() ? new float[rec.length][][] : null;
    double[][] headEntropy = new double[heads][n];
    double[][] headFar = new double[heads][n];
    final float scale = (float) (attentionFactor * attentionFactor / Math.sqrt(hd));
    final int farD = req.farDistance();
    final int nBlocks = (n + QUERY_BLOCK - 1) / QUERY_BLOCK;

    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer lw = w.layers[l];
      PackedWeights.Layer pl = pw.layers[l];
      int slot = indexOf(rec, l);
      rmsNorm(x, lw.attnNorm, xb, n);
      matmul(xb, n, width, new float[][] {pl.wq, pl.wk, pl.wv}, new int[] {qDim, kvDim, kvDim},
          new float[][] {q, kk, v});
      if (slot >= 0 && preQ != null) {
        preQ[slot] = rows(q, n, qDim);
        preK[slot] = rows(kk, n, kvDim);
      }
      rope(q, n, heads, cos, sin, half);
      rope(kk, n, kvHeads, cos, sin, half);
      // K transposed per kv head: [d][j], so a block of query rows times it is a broadcast GEMM
      pool.forEach(kvHeads, (wk, g) -> {
        float[] dst = kt[g];
        for (int j = 0; j < n; j++) {
          int src = j * kvDim + g * hd;
          for (int d = 0; d < hd; d++) {
            dst[d * nPad + j] = kk[src + d];
          }
        }
      });
      // blocks claimed from the end first: later blocks see more keys, so the big ones start early
      pool.forEach(heads * nBlocks, (wk, task) -> {
        int h = task % heads;
        int b = nBlocks - 1 - task / heads;
        int g = h / group;
        int t0 = b * QUERY_BLOCK;
        int rowsN = Math.min(QUERY_BLOCK, n - t0);
        int keys = t0 + rowsN;
        float[] s = scores[wk];
        double[] st = stat[wk];
        k.gemmNN(q, t0 * qDim + h * hd, qDim, kt[g], 0, nPad, s, 0, nPad, rowsN, keys, hd);
        for (int r = 0; r < rowsN; r++) {
          int t = t0 + r;
          k.softmaxRow(s, r * nPad, t + 1, keys, scale, t - farD, st);
          headEntropy[h][t] = st[0];
          headFar[h][t] = st[1];
        }
        k.gemmNN(s, 0, nPad, v, g * hd, kvDim, att, t0 * qDim + h * hd, qDim, rowsN, hd, keys);
      });
      if (slot >= 0) {
        entropy[slot] = meanOverHeads(headEntropy, n);
        far[slot] = meanOverHeads(headFar, n);
      }
      matmul(att, n, qDim, new float[][] {pl.wo}, new int[] {width}, new float[][] {xb});
      addInPlace(x, xb);
      rmsNorm(x, lw.ffnNorm, xb, n);
      matmul(xb, n, width, new float[][] {pl.wGate, pl.wUp}, new int[] {ffn, ffn}, new float[][] {gate, up});
      pool.forEach(n, (wk, t) -> k.siluMul(gate, up, t * ffn, ffn));
      matmul(gate, n, ffn, new float[][] {pl.wDown}, new int[] {width}, new float[][] {xb});
      addInPlace(x, xb);
    }
    rmsNorm(x, w.outputNorm, xb, n);
    double[] nll = new double[n];
    nll[0] = Double.NaN;
    // The head: logits for position t give the loss of token t + 1. Tasks are (chunk of
    // HEAD_CHUNK positions) x (block of HEAD_VOCAB_BLOCK vocab rows): each writes the log-sum-exp
    // of its tile's rows and the target logits it holds; rows merge their partials afterwards.
    // The embedding streams once per chunk, and only a tile of logits per worker exists.
    int vBlocks = (vocab + HEAD_VOCAB_BLOCK - 1) / HEAD_VOCAB_BLOCK;
    float[][] tile = new float[workers][HEAD_CHUNK * HEAD_VOCAB_BLOCK];
    double[][] partial = new double[vBlocks][HEAD_CHUNK];
    double[] target = new double[HEAD_CHUNK];
    for (int t0 = 0; t0 < n - 1; t0 += HEAD_CHUNK) {
      int rowsN = Math.min(HEAD_CHUNK, n - 1 - t0);
      int from = t0;
      pool.forEach(vBlocks, (wk, vb) -> {
        int o0 = vb * HEAD_VOCAB_BLOCK;
        int cols = Math.min(HEAD_VOCAB_BLOCK, vocab - o0);
        float[] z = tile[wk];
        for (int j = 0; j < cols; j += OUT_BLOCK) {
          k.gemmNN(xb, from * width, width, pw.output, PackedWeights.panel((o0 + j) / OUT_BLOCK, width), OUT_BLOCK,
              z, j, cols, rowsN, Math.min(OUT_BLOCK, cols - j), width);
        }
        for (int r = 0; r < rowsN; r++) {
          partial[vb][r] = k.logSumExp(z, r * cols, cols);
          int next = tokens[from + r + 1];
          if (next >= o0 && next < o0 + cols) {
            target[r] = z[r * cols + next - o0];
          }
        }
      });
      for (int r = 0; r < rowsN; r++) {
        double m = Double.NEGATIVE_INFINITY;
        for (int vb = 0; vb < vBlocks; vb++) {
          m = Math.max(m, partial[vb][r]);
        }
        double s = 0;
        for (int vb = 0; vb < vBlocks; vb++) {
          s += Math.exp(partial[vb][r] - m);
        }
        nll[from + r + 1] = m + Math.log(s) - target[r];
      }
    }
    return new ForwardResult(nll, rec.clone(), entropy, far, preQ, preK);
  }

  private static int indexOf(int[] a, int v) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == v) {
        return i;
      }
    }
    return -1;
  }

  private static float[][] rows(float[] a, int n, int dim) {
    float[][] out = new float[n][];
    for (int t = 0; t < n; t++) {
      out[t] = Arrays.copyOfRange(a, t * dim, (t + 1) * dim);
    }
    return out;
  }

  private static double[] meanOverHeads(double[][] perHead, int n) {
    double[] m = new double[n];
    for (double[] h : perHead) {
      for (int t = 0; t < n; t++) {
        m[t] += h[t];
      }
    }
    for (int t = 0; t < n; t++) {
      m[t] /= perHead.length;
    }
    return m;
  }

  /** RMSNorm (Zhang and Sennrich 2019): y = x / sqrt(mean(x^2) + eps) * weight, per token. */
  private void rmsNorm(float[] x, float[] weight, float[] y, int n) {
    int width = c.width();
    float eps = (float) c.normEps();
    pool.forEach(n, (wk, t) -> {
      int o = t * width;
      double ss = 0;
      for (int i = 0; i < width; i++) {
        ss += (double) x[o + i] * x[o + i];
      }
      float s = (float) (1.0 / Math.sqrt((float) (ss / width) + eps));
      for (int i = 0; i < width; i++) {
        y[o + i] = x[o + i] * s * weight[i];
      }
    });
  }

  /**
   * y_m = x W_m^T for several weight matrices sharing the input (q/k/v, gate/up): a GEMM over the
   * whole token block, split into (token block x output panel) tasks. Each task is the register-tiled
   * broadcast kernel {@link Kernels#gemmNN} over one {@link PackedWeights} panel, which stays in L2
   * while all {@value #TOKEN_BLOCK} token rows of the block use it.
   */
  private void matmul(float[] x, int n, int in, float[][] ws, int[] outs, float[][] ys) {
    int tokenBlocks = (n + TOKEN_BLOCK - 1) / TOKEN_BLOCK;
    int[] firstTask = new int[ws.length + 1];
    for (int m = 0; m < ws.length; m++) {
      firstTask[m + 1] = firstTask[m] + (outs[m] + OUT_BLOCK - 1) / OUT_BLOCK * tokenBlocks;
    }
    pool.forEach(firstTask[ws.length], (wk, task) -> {
      int m = 0;
      while (task >= firstTask[m + 1]) {
        m++;
      }
      int local = task - firstTask[m];
      int ob = local / tokenBlocks;
      int tb = local % tokenBlocks;
      int t0 = tb * TOKEN_BLOCK;
      int o0 = ob * OUT_BLOCK;
      int rowsN = Math.min(TOKEN_BLOCK, n - t0);
      int cols = Math.min(OUT_BLOCK, outs[m] - o0);
      k.gemmNN(x, t0 * in, in, ws[m], PackedWeights.panel(ob, in), OUT_BLOCK, ys[m], t0 * outs[m] + o0, outs[m],
          rowsN, cols, in);
    });
  }

  /** Rotates each head's rotary pairs of every token by t * invFreq[i] (see the class comment). */
  private void rope(float[] a, int n, int nHeads, float[] cos, float[] sin, int half) {
    int hd = c.headDim();
    int dim = nHeads * hd;
    pool.forEach(n, (wk, t) -> {
      for (int h = 0; h < nHeads; h++) {
        int o = t * dim + h * hd;
        for (int i = 0; i < half; i++) {
          int i0 = pairing == RotaryPairing.ADJACENT ? o + 2 * i : o + i;
          int i1 = pairing == RotaryPairing.ADJACENT ? i0 + 1 : o + i + half;
          float cs = cos[t * half + i];
          float sn = sin[t * half + i];
          float x0 = a[i0];
          float x1 = a[i1];
          a[i0] = x0 * cs - x1 * sn;
          a[i1] = x0 * sn + x1 * cs;
        }
      }
    });
  }

  private void addInPlace(float[] x, float[] y) {
    int width = c.width();
    int n = x.length / width;
    pool.forEach(n, (wk, t) -> {
      for (int i = t * width; i < (t + 1) * width; i++) {
        x[i] += y[i];
      }
    });
  }

  /**
   * Floating-point operations of one causal forward pass over n tokens, counting a multiply-add
   * as 2: the weight matmuls and the head for every token, and q.k plus a.v for the n(n+1)/2
   * causal (query, key) pairs of every head and layer (what a blocked causal kernel must do).
   */
  public static double flops(LlamaConfig c, long n) {
    double perToken = (double) c.layers() * c.width()
        * (2.0 * c.heads() * c.headDim() + 2.0 * c.kvHeads() * c.headDim() + 3.0 * c.ffn())
        + (double) c.vocabSize() * c.width();
    double pairs = n * (n + 1) / 2.0;
    return 2 * perToken * n + 2 * 2.0 * c.layers() * c.heads() * c.headDim() * pairs;
  }

  @Override
  public void close() {
    pool.close();
  }
}
