package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PackedWeightsTest {
  /** x W^T through the packed panels and gemmNN equals the plain triple loop, padded panel included. */
  @Test
  void packedGemmEqualsBruteForce() {
    Random rnd = new Random(7);
    int n = 13;
    int in = 37;
    int out = 150; // two full panels and a padded one of 22 columns
    float[] x = new float[n * in];
    float[] w = new float[out * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextFloat() - 0.5f;
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextFloat() - 0.5f;
    }
    float[] p = PackedWeights.pack(w, out, in);
    assertEquals(3 * in * PackedWeights.PANEL, p.length);
    assertEquals(w[149 * in + 5], p[PackedWeights.panel(2, in) + 5 * PackedWeights.PANEL + 149 - 128]);
    assertEquals(0f, p[PackedWeights.panel(2, in) + 5 * PackedWeights.PANEL + 30]);
    for (Kernels k : new Kernels[] {Kernels.get(), Kernels.scalar()}) {
      float[] y = new float[n * out];
      for (int jb = 0; jb * PackedWeights.PANEL < out; jb++) {
        int o0 = jb * PackedWeights.PANEL;
        k.gemmNN(x, 0, in, p, PackedWeights.panel(jb, in), PackedWeights.PANEL, y, o0, out, n,
            Math.min(PackedWeights.PANEL, out - o0), in);
      }
      for (int t = 0; t < n; t++) {
        for (int j = 0; j < out; j++) {
          double s = 0;
          for (int q = 0; q < in; q++) {
            s += (double) x[t * in + q] * w[j * in + q];
          }
          assertEquals(s, y[t * out + j], 1e-5, k.name() + " y[" + t + "][" + j + "]");
        }
      }
    }
  }
}
