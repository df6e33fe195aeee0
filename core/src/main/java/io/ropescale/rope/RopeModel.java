package io.ropescale.rope;

/**
 * A released model's RoPE facts (a row of {@code datasets/models.csv} or a Hugging Face
 * {@code config.json}).
 *
 * @param trainLen pre-training context (the paper's T_train; {@code original_max_position_embeddings} when scaled)
 * @param maxPositionEmbeddings the context the release claims; the default tuning length
 */
public record RopeModel(
    String name, int headDim, int rotaryDim, double ropeTheta, long trainLen, long maxPositionEmbeddings,
    RopeScaling scaling, String source) {

  /** The released configuration: pre-trained at (trainLen, ropeTheta), tuned to maxPositionEmbeddings. */
  public RopeConfig config() {
    return new RopeConfig(headDim, rotaryDim, trainLen, ropeTheta,
        Math.max(trainLen, maxPositionEmbeddings), ropeTheta, scaling);
  }
}
