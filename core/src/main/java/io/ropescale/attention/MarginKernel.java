package io.ropescale.attention;

/**
 * Similar-token margin of Men et al., "Base of RoPE Bounds Context Length" (NeurIPS 2024,
 * arXiv 2405.14591): B(m) = Σ_{n<d/2} cos(m·θ_n). A base supports context L when B(m) ≥ 0 for every
 * integer m in [0, L].
 *
 * <p>Throughput kernel: per aligned block of {@link RotaryTable#BLOCK} positions, each pair adds
 * cos(M·θ_n)·cos(j·θ_n) − sin(M·θ_n)·sin(j·θ_n) (angle addition) to every position of the block.
 * The inner loop over positions has no loop-carried dependency, so C2 vectorises it; Math.cos and
 * Math.sin run only for the exact anchors ({@link RotaryTable}). Each B(m) is within about 1e-14 of
 * {@link #direct} for m up to 2^53. Instances are immutable and thread-safe.
 */
public final class MarginKernel {
  /** Positions per anchor; early exit is checked after 1, 2, 4, ... up to 8 blocks. */
  public static final int BLOCK = RotaryTable.BLOCK;
  /** Blocks per pass over the pairs: 8·256 doubles of output plus one table row fit in L1. */
  private static final int CHUNK_BLOCKS = 8;

  private final RotaryTable table;

  /** @param theta rotary frequencies θ_n, one per pair (d = 2·theta.length), finite */
  public MarginKernel(double[] theta) {
    this.table = new RotaryTable(theta);
  }

  /** Number of rotary pairs d/2. */
  public int pairs() {
    return table.pairs;
  }

  /**
   * Writes the raw margin B(m) for m in [from, from+len) into out[offset .. offset+len).
   * Positions must lie in [0, 2^53].
   */
  public void margin(long from, int len, double[] out, int offset) {
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
      m = w.copy(anchor, blocks, m, end, out, offset + (int) (m - from));
    }
  }

  /**
   * Smallest m in [0, limit] with B(m) &lt; 0, or -1 when the margin stays non-negative, i.e. the
   * frequencies support context limit (Men et al.). Evaluates block by block (1, 2, 4, ... blocks
   * per step, so early failures cost little) and stops at the first negative margin.
   */
  public long firstNegative(long limit) {
    RotaryTable.checkPosition(limit);
    Scratch w = new Scratch();
    long anchor = 0;
    int blocks = 1;
    while (anchor <= limit) {
      int use = (int) Math.min(blocks, (limit - anchor) / BLOCK + 1);
      chunk(anchor, use, w);
      for (int b = 0; b < use; b++) {
        double[] acc = w.acc[b];
        long at = anchor + (long) b * BLOCK;
        int n = (int) Math.min(BLOCK, limit - at + 1);
        for (int j = 0; j < n; j++) {
          if (acc[j] < 0) {
            return at + j;
          }
        }
      }
      anchor += (long) use * BLOCK;
      blocks = Math.min(blocks * 2, CHUNK_BLOCKS);
    }
    return -1;
  }

  /** Convenience for {@code new MarginKernel(theta).firstNegative(limit)}. */
  public static long firstNegative(double[] theta, long limit) {
    return new MarginKernel(theta).firstNegative(limit);
  }

  /**
   * Reference B(m) = Σ cos(m·θ_n), one cosine per term, with the product m·θ_n taken exactly. A
   * plain Σ Math.cos(m * θ_n) rounds each product first and so differs from the true sum by up to
   * Σ ulp(m·θ_n)/2 (measured up to 1e-8 at m ≈ 2^24, d = 256).
   */
  public static double direct(double[] theta, long m) {
    double sum = 0;
    for (double t : theta) {
      sum += RotaryTable.cos(m, t);
    }
    return sum;
  }

  /** Per-call buffers; instances stay immutable. */
  private final class Scratch {
    /** acc[b][j] = B(anchor + b·BLOCK + j); one array per block for C2 vectorisation. */
    final double[][] acc = new double[CHUNK_BLOCKS][BLOCK];
    final double[] c = new double[CHUNK_BLOCKS * table.pairs];
    final double[] s = new double[CHUNK_BLOCKS * table.pairs];
    final RotaryTable.Anchors anchors = table.new Anchors();

    /** Copies positions [m, min(end, chunk end)) to out[at ..]; returns the next position. */
    long copy(long anchor, int blocks, long m, long end, double[] out, int at) {
      long stop = Math.min(end, anchor + (long) blocks * BLOCK);
      while (m < stop) {
        int b = (int) ((m - anchor) / BLOCK);
        int j = (int) ((m - anchor) % BLOCK);
        int n = (int) Math.min(BLOCK - j, stop - m);
        System.arraycopy(acc[b], j, out, at, n);
        at += n;
        m += n;
      }
      return m;
    }
  }

  /**
   * acc[b][j] = B(anchor + b·BLOCK + j) for whole blocks b &lt; blocks. Pairs run in the outer
   * loop so each pair's table row stays in L1 while it is applied to every block; the sum over
   * pairs runs in the same order for every position, so values do not depend on the range.
   */
  private void chunk(long anchor, int blocks, Scratch w) {
    double[] c = w.c;
    double[] s = w.s;
    for (int b = 0; b < blocks; b++) {
      w.anchors.anchors(anchor + (long) b * BLOCK, c, s, b, CHUNK_BLOCKS);
    }
    double[] ct = table.cos[0];
    double[] st = table.sin[0];
    for (int b = 0; b < blocks; b++) {
      double cm = c[b];
      double sm = s[b];
      double[] acc = w.acc[b];
      for (int j = 0; j < BLOCK; j++) {
        acc[j] = cm * ct[j] - sm * st[j];
      }
    }
    for (int n = 1; n < table.pairs; n++) {
      ct = table.cos[n];
      st = table.sin[n];
      for (int b = 0; b < blocks; b++) {
        double cm = c[n * CHUNK_BLOCKS + b];
        double sm = s[n * CHUNK_BLOCKS + b];
        double[] acc = w.acc[b];
        for (int j = 0; j < BLOCK; j++) {
          acc[j] += cm * ct[j] - sm * st[j];
        }
      }
    }
  }
}
