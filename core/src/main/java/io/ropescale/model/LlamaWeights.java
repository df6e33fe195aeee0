package io.ropescale.model;

import io.ropescale.rope.RopeInputException;
import java.util.Arrays;

/**
 * All weights of a llama model dequantized to fp32 at load (the forward pass multiplies fp32
 * matrices; SmolLM2-135M takes about 540 MB). Matrices are row-major {@code [out][in]} exactly as
 * GGUF stores them ({@code dims = [in, out]}), so {@code y = W x} reads rows contiguously.
 *
 * <p>GGUF tensor names (llama.cpp): {@code token_embd.weight}, {@code output_norm.weight},
 * {@code output.weight} (absent when the head is tied to the embedding; then {@link #output} is
 * the same array as {@link #tokenEmbd}), and per block {@code blk.N.attn_norm}, {@code attn_q},
 * {@code attn_k}, {@code attn_v}, {@code attn_output}, {@code ffn_norm}, {@code ffn_gate},
 * {@code ffn_up}, {@code ffn_down}. The q and k rows are in llama.cpp's permuted order, so rotary
 * pair i is the adjacent dims (2i, 2i+1) of each head.
 */
public final class LlamaWeights {
  /** One transformer block. */
  public static final class Layer {
    public final float[] attnNorm;
    public final float[] wq;
    public final float[] wk;
    public final float[] wv;
    public final float[] wo;
    public final float[] ffnNorm;
    public final float[] wGate;
    public final float[] wUp;
    public final float[] wDown;

    public Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] wo, float[] ffnNorm,
        float[] wGate, float[] wUp, float[] wDown) {
      this.attnNorm = attnNorm;
      this.wq = wq;
      this.wk = wk;
      this.wv = wv;
      this.wo = wo;
      this.ffnNorm = ffnNorm;
      this.wGate = wGate;
      this.wUp = wUp;
      this.wDown = wDown;
    }
  }

  public final LlamaConfig config;
  /** {@code [vocab][width]}. */
  public final float[] tokenEmbd;
  public final float[] outputNorm;
  /** {@code [vocab][width]}; the same array as {@link #tokenEmbd} when tied. */
  public final float[] output;
  public final Layer[] layers;

  public LlamaWeights(LlamaConfig config, float[] tokenEmbd, float[] outputNorm, float[] output, Layer[] layers) {
    this.config = config;
    this.tokenEmbd = tokenEmbd;
    this.outputNorm = outputNorm;
    this.output = output;
    this.layers = layers;
  }

  private PackedWeights packed;

  /**
   * The projections re-laid for the forward pass's GEMMs ({@link PackedWeights}), built on first
   * use and shared by every {@link LlamaForward} over these weights (about as large again as the
   * weights themselves).
   */
  synchronized PackedWeights packed() {
    if (packed == null) {
      packed = new PackedWeights(this);
    }
    return packed;
  }

  /** True when the output head is the token embedding (no {@code output.weight} in the file). */
  public boolean tiedOutput() {
    return output == tokenEmbd;
  }

  /** Reads the config and every weight, checking each tensor's shape against the config. */
  public static LlamaWeights load(GgufFile f) {
    LlamaConfig c = LlamaConfig.fromGguf(f);
    int w = c.width();
    int qDim = c.heads() * c.headDim();
    int kvDim = c.kvHeads() * c.headDim();
    float[] embd = read(f, "token_embd.weight", w, c.vocabSize());
    float[] outNorm = read(f, "output_norm.weight", w);
    float[] out = f.tensor("output.weight") == null ? embd : read(f, "output.weight", w, c.vocabSize());
    Layer[] layers = new Layer[c.layers()];
    for (int l = 0; l < layers.length; l++) {
      String p = "blk." + l + ".";
      layers[l] = new Layer(
          read(f, p + "attn_norm.weight", w),
          read(f, p + "attn_q.weight", w, qDim),
          read(f, p + "attn_k.weight", w, kvDim),
          read(f, p + "attn_v.weight", w, kvDim),
          read(f, p + "attn_output.weight", qDim, w),
          read(f, p + "ffn_norm.weight", w),
          read(f, p + "ffn_gate.weight", w, c.ffn()),
          read(f, p + "ffn_up.weight", w, c.ffn()),
          read(f, p + "ffn_down.weight", c.ffn(), w));
    }
    return new LlamaWeights(c, embd, outNorm, out, layers);
  }

  private static float[] read(GgufFile f, String name, long... dims) {
    GgufFile.TensorInfo t = f.requireTensor(name);
    if (!Arrays.equals(t.dims(), dims)) {
      throw new RopeInputException("gguf tensor " + name + " dims", Arrays.toString(t.dims()),
          "expected " + Arrays.toString(dims) + " from the llama.* metadata");
    }
    return f.dequantize(name);
  }
}
