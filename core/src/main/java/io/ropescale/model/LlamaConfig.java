package io.ropescale.model;

import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeTypes;

/**
 * The shape of a llama-architecture model, read from GGUF metadata ({@code llama.*} keys).
 *
 * @param layers        {@code llama.block_count}
 * @param width         {@code llama.embedding_length} (residual stream width)
 * @param heads         {@code llama.attention.head_count} (query heads)
 * @param kvHeads       {@code llama.attention.head_count_kv} (key/value heads; query head h uses
 *                      kv head {@code h / (heads / kvHeads)}); defaults to {@code heads}
 * @param headDim       {@code llama.attention.key_length}, default {@code width / heads}
 * @param ffn           {@code llama.feed_forward_length} (SwiGLU hidden width)
 * @param normEps       {@code llama.attention.layer_norm_rms_epsilon}
 * @param ropeBase      {@code llama.rope.freq_base}, default 10000 (llama.cpp's default)
 * @param contextLength {@code llama.context_length} (the training length T_train)
 * @param vocabSize     {@code llama.vocab_size}, default the length of {@code tokenizer.ggml.tokens}
 * @param rotaryDim     {@code llama.rope.dimension_count}, default {@code headDim}
 */
public record LlamaConfig(int layers, int width, int heads, int kvHeads, int headDim, int ffn,
    double normEps, double ropeBase, int contextLength, int vocabSize, int rotaryDim) {

  public LlamaConfig {
    positive("llama.block_count", layers);
    positive("llama.embedding_length", width);
    positive("llama.attention.head_count", heads);
    positive("llama.attention.head_count_kv", kvHeads);
    positive("llama.attention.key_length", headDim);
    positive("llama.feed_forward_length", ffn);
    positive("llama.context_length", contextLength);
    positive("llama.vocab_size", vocabSize);
    if (heads % kvHeads != 0) {
      throw new RopeInputException("llama.attention.head_count_kv", kvHeads,
          "must divide llama.attention.head_count = " + heads);
    }
    RopeInputException.requireRotaryDim("llama.rope.dimension_count", rotaryDim);
    if (rotaryDim > headDim) {
      throw new RopeInputException("llama.rope.dimension_count", rotaryDim, "exceeds the head dim " + headDim);
    }
    RopeInputException.requireBase("llama.rope.freq_base", ropeBase);
    RopeInputException.requirePositive("llama.attention.layer_norm_rms_epsilon", normEps);
  }

  private static void positive(String key, long v) {
    if (v <= 0) {
      throw new RopeInputException(key, v, "must be a positive integer");
    }
  }

  /** Query heads per key/value head (grouped-query attention). */
  public int groupSize() {
    return heads / kvHeads;
  }

  /** The model's own (native) inverse frequencies: base^(-2i/rotaryDim), i < rotaryDim/2. */
  public double[] nativeInvFreq() {
    return RopeTypes.defaultTheta(rotaryDim, ropeBase);
  }

  /**
   * Reads the config; an architecture other than {@code llama} is a {@link RopeInputException}
   * naming it (exit 2).
   */
  public static LlamaConfig fromGguf(GgufFile f) {
    String arch = f.has("general.architecture") ? f.architecture() : "(absent)";
    if (!"llama".equals(arch)) {
      throw new RopeInputException("gguf general.architecture", arch,
          "unsupported model architecture in " + f.path() + "; only llama is supported");
    }
    int width = (int) f.getLong("llama.embedding_length");
    int heads = (int) f.getLong("llama.attention.head_count");
    int kvHeads = (int) f.getLong("llama.attention.head_count_kv", heads);
    int headDim = (int) f.getLong("llama.attention.key_length", heads > 0 ? width / heads : 0);
    long vocab = f.has("llama.vocab_size") ? f.getLong("llama.vocab_size")
        : f.has("tokenizer.ggml.tokens") ? f.getArray("tokenizer.ggml.tokens").size()
        : f.requireTensor("token_embd.weight").dims()[1];
    return new LlamaConfig(
        (int) f.getLong("llama.block_count"),
        width,
        heads,
        kvHeads,
        headDim,
        (int) f.getLong("llama.feed_forward_length"),
        f.getDouble("llama.attention.layer_norm_rms_epsilon"),
        f.getDouble("llama.rope.freq_base", 10000.0),
        (int) f.getLong("llama.context_length"),
        (int) vocab,
        (int) f.getLong("llama.rope.dimension_count", headDim));
  }
}
