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
 *
 * <p>{@link #firstNegative} certifies blocks instead of evaluating them whole: it sums the fast
 * pairs exactly (those turning by ≥ 0.5 rad over a block, about a third of the pairs at the bases
 * base-search sweeps) and bounds the slow ones from below by their anchors (a Taylor bound per
 * pair, {@link #lowBounds}). A block whose bound stays above 1e-9 cannot hold a negative B(m); any
 * other block gets its slow pairs added exactly, in the same order as {@link #margin}, so the first
 * negative position is the exact scan's, bit for bit. Supporting bases, which must be evaluated to
 * the last position, cost about fastPairs/pairs of a full scan.
 */
public final class MarginKernel {
  /** Positions per anchor; early exit is checked after 1, 2, 4, ... up to 8 blocks. */
  public static final int BLOCK = RotaryTable.BLOCK;
  /** Blocks per pass over the pairs: 8·256 doubles of output plus one table row fit in L1. */
  private static final int CHUNK_BLOCKS = 8;

  /**
   * {@link #firstNegative} evaluates exactly only the pairs whose angle turns by at least this much
   * over a block; the slower pairs enter through a lower bound per block (see {@link #lowBounds}).
   */
  private static final double EXACT_SPREAD = 0.5;
  /**
   * A block counts as non-negative without its slow pairs only when the bound clears this: far
   * above the kernel's rounding (about 1e-14), so an exact evaluation could not find a negative there.
   */
  private static final double CERTIFY_MARGIN = 1e-9;

  private final RotaryTable table;
  /** Pairs 0..fastPairs-1 turn by at least EXACT_SPREAD per block; every later pair by less. */
  private final int fastPairs;
  /** Δ_n = (BLOCK−1)·|θ_n|: the widest angle step from a block's anchor to one of its positions. */
  private final double[] spread;

  /** @param theta rotary frequencies θ_n, one per pair (d = 2·theta.length), finite */
  public MarginKernel(double[] theta) {
    this.table = new RotaryTable(theta);
    this.spread = new double[table.pairs];
    int fast = 1;
    for (int n = 0; n < table.pairs; n++) {
      spread[n] = (BLOCK - 1) * Math.abs(theta[n]);
      if (spread[n] >= EXACT_SPREAD) {
        fast = n + 1;
      }
    }
    this.fastPairs = fast;
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
      anchors(anchor, use, w);
      addPairs(0, fastPairs, use, w);
      lowBounds(use, w);
      for (int b = 0; b < use; b++) {
        double[] acc = w.acc[b];
        long at = anchor + (long) b * BLOCK;
        int n = (int) Math.min(BLOCK, limit - at + 1);
        if (certified(acc, n, w.low[b])) {
          continue;
        }
        // the slow pairs exactly, after the fast ones: the same sum, in the same order, as chunk()
        addSlowPairs(b, w);
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

  /** Whether acc[j] + low clears CERTIFY_MARGIN for every j &lt; n. */
  private static boolean certified(double[] acc, int n, double low) {
    double floor = CERTIFY_MARGIN - low;
    for (int j = 0; j < n; j++) {
      if (!(acc[j] > floor)) {
        return false;
      }
    }
    return true;
  }

  /**
   * low[b] = a lower bound of Σ_{n ≥ fastPairs} cos((M_b+j)·θ_n) over the positions j in [0, BLOCK)
   * of each block b &lt; blocks, from the anchors' cos/sin x = M_b·θ_n alone: with δ = j·θ_n,
   * |δ| ≤ Δ_n, cos(x+δ) = cos x·cos δ − sin x·sin δ ≥ cos x − max(cos x, 0)·Δ²/2 − |sin x|·Δ
   * (cos δ ≥ 1 − δ²/2, |sin δ| ≤ |δ|), and never below −1. Within about Σ Δ_n of the true minimum.
   * Blocks run in the inner loop: the anchors of one pair are contiguous there, and the blocks'
   * sums are independent, so the loop has no serial dependency.
   */
  private void lowBounds(int blocks, Scratch w) {
    double[] low = w.low;
    for (int b = 0; b < blocks; b++) {
      low[b] = 0;
    }
    for (int n = fastPairs; n < table.pairs; n++) {
      double d = spread[n];
      double half = d * d * 0.5;
      int row = n * CHUNK_BLOCKS;
      for (int b = 0; b < blocks; b++) {
        double cm = w.c[row + b];
        double bound = cm - (cm > 0 ? cm : 0) * half - Math.abs(w.s[row + b]) * d;
        low[b] += bound > -1 ? bound : -1; // ternaries: C2's Math.max on doubles carries NaN checks
      }
    }
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
    /** low[b]: lower bound of the slow pairs' sum over block b ({@link #lowBounds}). */
    final double[] low = new double[CHUNK_BLOCKS];

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
    anchors(anchor, blocks, w);
    addPairs(0, table.pairs, blocks, w);
  }

  /** cos/sin(M·θ_n) of every pair at the anchors M of blocks 0..blocks-1 of the chunk. */
  private void anchors(long anchor, int blocks, Scratch w) {
    for (int b = 0; b < blocks; b++) {
      w.anchors.anchors(anchor + (long) b * BLOCK, w.c, w.s, b, CHUNK_BLOCKS);
    }
  }

  /** acc[b][j] = Σ_{n in [from, to)} cos((M_b + j)·θ_n) for blocks b &lt; blocks (from = 0 starts the sum). */
  private void addPairs(int from, int to, int blocks, Scratch w) {
    double[] c = w.c;
    double[] s = w.s;
    for (int n = from; n < to; n++) {
      RotaryTable.Row row = table.row(n);
      double[] ct = row.cos();
      double[] st = row.sin();
      for (int b = 0; b < blocks; b++) {
        double cm = c[n * CHUNK_BLOCKS + b];
        double sm = s[n * CHUNK_BLOCKS + b];
        double[] acc = w.acc[b];
        if (n == 0) {
          for (int j = 0; j < BLOCK; j++) {
            acc[j] = cm * ct[j] - sm * st[j];
          }
        } else {
          for (int j = 0; j < BLOCK; j++) {
            acc[j] += cm * ct[j] - sm * st[j];
          }
        }
      }
    }
  }

  /** Adds the slow pairs n ≥ fastPairs to block b, completing its exact B(m). */
  private void addSlowPairs(int b, Scratch w) {
    double[] acc = w.acc[b];
    for (int n = fastPairs; n < table.pairs; n++) {
      RotaryTable.Row row = table.row(n);
      double[] ct = row.cos();
      double[] st = row.sin();
      double cm = w.c[n * CHUNK_BLOCKS + b];
      double sm = w.s[n * CHUNK_BLOCKS + b];
      for (int j = 0; j < BLOCK; j++) {
        acc[j] += cm * ct[j] - sm * st[j];
      }
    }
  }
}
