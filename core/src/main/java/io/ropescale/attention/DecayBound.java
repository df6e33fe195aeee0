package io.ropescale.attention;

import java.util.Arrays;

/**
 * Long-term decay bound of RoFormer (Su et al. 2021, section 3.4.3): for relative distance m
 * the attention score is bounded, up to the query/key factor, by
 * (2/d)·Σ_{j=1}^{d/2} |S_j| with S_j = Σ_{k=0}^{j-1} exp(i·m·θ_k) (complex prefix sums, |·| the
 * modulus).
 *
 * <p>Throughput kernel: pairs k run in the outer loop and positions of one aligned block in the inner
 * loop, carrying per-position running re/im prefix sums and the running sum of moduli, so the inner
 * loop vectorises; exp(i·m·θ_k) comes from angle addition as in {@link MarginKernel}. Instances are
 * immutable and thread-safe.
 */
public final class DecayBound {
  private static final int BLOCK = RotaryTable.BLOCK;
  /** Blocks per pass over the pairs: re, im, sum (3·4·256 doubles) and one table row fit in L1. */
  private static final int CHUNK_BLOCKS = 4;

  private final RotaryTable table;

  /** @param theta rotary frequencies θ_k in pair order (the prefix sums depend on the order) */
  public DecayBound(double[] theta) {
    this.table = new RotaryTable(theta);
  }

  /** Number of rotary pairs d/2. */
  public int pairs() {
    return table.pairs;
  }

  /** Writes the decay bound for m in [from, from+len) into out[offset .. offset+len). */
  public void bound(long from, int len, double[] out, int offset) {
    RotaryTable.checkRange(from, len);
    if (offset < 0 || offset > out.length - len) {
      throw new IndexOutOfBoundsException("out too small for " + len + " at " + offset);
    }
    Scratch w = new Scratch();
    long end = from + len;
    long m = from;
    while (m < end) {
      long anchor = m - Math.floorMod(m, BLOCK);
      int blocks = (int) Math.min(CHUNK_BLOCKS, (end - anchor + BLOCK - 1) / BLOCK);
      chunk(anchor, blocks, w);
      long stop = Math.min(end, anchor + (long) blocks * BLOCK);
      while (m < stop) {
        int b = (int) ((m - anchor) / BLOCK);
        int j = (int) ((m - anchor) % BLOCK);
        int n = (int) Math.min(BLOCK - j, stop - m);
        System.arraycopy(w.acc[b], j, out, offset + (int) (m - from), n);
        m += n;
      }
    }
  }

  /** Reference: the bound at m from scratch, O(d²) cosines/sines (each S_j summed anew). */
  public static double direct(double[] theta, long m) {
    int half = theta.length;
    double total = 0;
    for (int j = 1; j <= half; j++) {
      double re = 0;
      double im = 0;
      for (int k = 0; k < j; k++) {
        re += RotaryTable.cos(m, theta[k]);
        im += RotaryTable.sin(m, theta[k]);
      }
      total += Math.hypot(re, im);
    }
    return total / half;
  }

  /** Per-call buffers, one array per block for C2 vectorisation; instances stay immutable. */
  private final class Scratch {
    final double[][] re = new double[CHUNK_BLOCKS][BLOCK];
    final double[][] im = new double[CHUNK_BLOCKS][BLOCK];
    final double[][] acc = new double[CHUNK_BLOCKS][BLOCK];
    final double[] c = new double[CHUNK_BLOCKS * table.pairs];
    final double[] s = new double[CHUNK_BLOCKS * table.pairs];
    final RotaryTable.Anchors anchors = table.new Anchors();
  }

  /** acc[b][j] = bound at anchor + b·BLOCK + j for whole blocks b &lt; blocks. */
  private void chunk(long anchor, int blocks, Scratch w) {
    double[] c = w.c;
    double[] s = w.s;
    for (int b = 0; b < blocks; b++) {
      w.anchors.anchors(anchor + (long) b * BLOCK, c, s, b, CHUNK_BLOCKS);
      Arrays.fill(w.re[b], 0);
      Arrays.fill(w.im[b], 0);
      Arrays.fill(w.acc[b], 0);
    }
    for (int k = 0; k < table.pairs; k++) {
      RotaryTable.Row row = table.row(k);
      double[] ct = row.cos();
      double[] st = row.sin();
      for (int b = 0; b < blocks; b++) {
        double cm = c[k * CHUNK_BLOCKS + b];
        double sm = s[k * CHUNK_BLOCKS + b];
        double[] re = w.re[b];
        double[] im = w.im[b];
        double[] acc = w.acc[b];
        for (int j = 0; j < BLOCK; j++) {
          // S_{k+1} = S_k + exp(i·m·θ_k); accumulate |S_{k+1}|.
          double r = re[j] + (cm * ct[j] - sm * st[j]);
          double i = im[j] + (sm * ct[j] + cm * st[j]);
          re[j] = r;
          im[j] = i;
          acc[j] += Math.sqrt(r * r + i * i);
        }
      }
    }
    double scale = 1.0 / table.pairs;
    for (int b = 0; b < blocks; b++) {
      double[] acc = w.acc[b];
      for (int j = 0; j < BLOCK; j++) {
        acc[j] *= scale;
      }
    }
  }
}
