package io.ropescale.model;

import java.util.Map;

/**
 * The control of the model-attention stage: a sliding-window evaluation of the native model.
 * Windows of {@code T_train} tokens start every {@code T_train/2} tokens; each token takes its loss
 * from the window where it has the most context, so every token past the first window sees at
 * least {@code T_train/2} tokens and never more than {@code T_train}. The native model is then never
 * asked to extrapolate, and {@code excess(t) = nll_variant(t) - nll_control(t)} isolates what a
 * variant loses (or gains) by reading positions it was not trained on (docs/model-attention.md).
 *
 * <p>Window 0 is the prefix [0, T_train) of the native pass over the whole document: its losses
 * are the native pass's own, so only windows k >= 1 need passes of their own.
 */
public final class ControlWindows {
  private ControlWindows() {}

  /** Half the training length: the stride between windows. */
  static int stride(int trainLen) {
    if (trainLen < 2 || trainLen % 2 != 0) {
      throw new IllegalArgumentException("T_train must be even and >= 2: " + trainLen);
    }
    return trainLen / 2;
  }

  /** First token of window k: k * T_train/2. */
  public static int start(int k, int trainLen) {
    return k * stride(trainLen);
  }

  /** Window whose context for token t is the largest: 0 below T_train, else floor((t - T)/(T/2)) + 1. */
  public static int windowOf(int t, int trainLen) {
    int half = stride(trainLen);
    return t < trainLen ? 0 : (t - trainLen) / half + 1;
  }

  /** Number of windows a document of n tokens needs (the last one ends at or after token n-1). */
  public static int windows(int n, int trainLen) {
    return n <= 0 ? 0 : windowOf(n - 1, trainLen) + 1;
  }

  /** Tokens [start, end) of window k in a document of n tokens. */
  public static int end(int k, int n, int trainLen) {
    return Math.min(n, start(k, trainLen) + trainLen);
  }

  /**
   * The control losses of a document: token t's loss from window {@link #windowOf}. Window 0 is
   * {@code nativeNll} itself (the native pass over the whole document); {@code windowNll.get(k)}
   * holds the native pass over window k's tokens, indexed from the window's first token.
   */
  public static double[] merge(double[] nativeNll, Map<Integer, double[]> windowNll, int trainLen) {
    int n = nativeNll.length;
    double[] control = new double[n];
    for (int t = 0; t < n; t++) {
      int k = windowOf(t, trainLen);
      if (k == 0) {
        control[t] = nativeNll[t];
      } else {
        double[] w = windowNll.get(k);
        if (w == null) {
          throw new IllegalArgumentException("control window " + k + " of a " + n + "-token document is missing");
        }
        control[t] = w[t - start(k, trainLen)];
      }
    }
    return control;
  }

  /** excess(t) = nll(t) - control(t); NaN where either is (token 0 has no loss). */
  public static double[] excess(double[] nll, double[] control) {
    double[] e = new double[nll.length];
    for (int t = 0; t < e.length; t++) {
      e[t] = nll[t] - control[t];
    }
    return e;
  }
}
