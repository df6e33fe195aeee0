package io.ropescale.model;

/**
 * The weight matrices of {@link LlamaWeights} re-laid at load for the forward pass's GEMMs.
 *
 * <p>GGUF stores a projection as {@code W[out][in]}, so {@code y = x W^T} over a block of tokens is
 * a dot-product ("NT") GEMM whose register tile must be reduced across vector lanes at the end of
 * every tile (with in = 576 that reduction costs about a third of the multiply-adds; JFR showed it).
 * Packed, the same matrix is {@code W^T} cut into panels of {@value #PANEL} output columns, each
 * panel {@code [in][PANEL]} contiguous: the broadcast ("NN") micro-kernel of {@link Kernels#gemmNN}
 * keeps a tile of token rows x PANEL outputs in vector accumulators, broadcasts one input value
 * per row and streams the panel's rows in order, so no lane reduction is ever needed and one
 * panel (in x 64 floats, 147 KB at in = 576) stays in L2 while every token row of a block uses it.
 * The last panel is zero-padded when out is not a multiple of PANEL.
 */
final class PackedWeights {
  /** Output columns per panel: 4 vectors of 16 floats (AVX-512) or 8 of 8. */
  static final int PANEL = 64;

  /** One block's projections, each {@link #pack packed}. */
  static final class Layer {
    final float[] wq;
    final float[] wk;
    final float[] wv;
    final float[] wo;
    final float[] wGate;
    final float[] wUp;
    final float[] wDown;

    Layer(LlamaWeights.Layer l, LlamaConfig c) {
      int qDim = c.heads() * c.headDim();
      int kvDim = c.kvHeads() * c.headDim();
      wq = pack(l.wq, qDim, c.width());
      wk = pack(l.wk, kvDim, c.width());
      wv = pack(l.wv, kvDim, c.width());
      wo = pack(l.wo, c.width(), qDim);
      wGate = pack(l.wGate, c.ffn(), c.width());
      wUp = pack(l.wUp, c.ffn(), c.width());
      wDown = pack(l.wDown, c.width(), c.ffn());
    }
  }

  final Layer[] layers;
  /** The output head ({@code [vocab][width]}, tied or not), packed. */
  final float[] output;

  PackedWeights(LlamaWeights w) {
    layers = new Layer[w.layers.length];
    for (int l = 0; l < layers.length; l++) {
      layers[l] = new Layer(w.layers[l], w.config);
    }
    output = pack(w.output, w.config.vocabSize(), w.config.width());
  }

  /**
   * {@code w[out][in]} row-major to panels: element (p, j) of W^T goes to
   * {@code [(j / PANEL) * in * PANEL + p * PANEL + j % PANEL]}.
   */
  static float[] pack(float[] w, int out, int in) {
    int panels = (out + PANEL - 1) / PANEL;
    float[] p = new float[panels * in * PANEL];
    for (int j = 0; j < out; j++) {
      int base = (j / PANEL) * in * PANEL + j % PANEL;
      int src = j * in;
      for (int q = 0; q < in; q++) {
        p[base + q * PANEL] = w[src + q];
      }
    }
    return p;
  }

  /** Offset of panel {@code jb} in an array from {@link #pack} with {@code in} inputs. */
  static int panel(int jb, int in) {
    return jb * in * PANEL;
  }
}
