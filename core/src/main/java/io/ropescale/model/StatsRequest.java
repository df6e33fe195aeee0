package io.ropescale.model;

import io.ropescale.rope.RopeInputException;

/**
 * What {@link LlamaForward#forward} records besides the per-token loss.
 *
 * @param layers      layers (0-based) whose attention statistics are recorded
 * @param farDistance D of {@code far_mass(t) = mean_h sum_{j : t-j > D} a_tj}
 * @param capturePreRopeQk whether to keep the recorded layers' queries and keys before RoPE
 */
public record StatsRequest(int[] layers, int farDistance, boolean capturePreRopeQk) {
  public StatsRequest {
    layers = layers.clone();
    if (farDistance < 0) {
      throw new RopeInputException("far_distance", farDistance, "must be >= 0");
    }
  }

  /** Only the loss. */
  public static StatsRequest none() {
    return new StatsRequest(new int[0], 0, false);
  }

  void check(LlamaConfig c) {
    for (int l : layers) {
      if (l < 0 || l >= c.layers()) {
        throw new RopeInputException("layers", l, "no such layer (the model has " + c.layers() + ")");
      }
    }
  }
}
