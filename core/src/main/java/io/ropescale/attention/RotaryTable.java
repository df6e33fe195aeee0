package io.ropescale.attention;

/**
 * Rotation angles m·θ_n of rotary position embedding (RoFormer, Su et al. 2021, section 3.2), laid out
 * for angle-addition kernels: per pair n a table of cos(j·θ_n), sin(j·θ_n) for
 * j in [0, BLOCK), so that cos((M+j)·θ_n) = cos(M·θ_n)·cos(j·θ_n) − sin(M·θ_n)·sin(j·θ_n).
 *
 * <p>Block anchors M are always multiples of {@link #BLOCK} (aligned to position 0) and are
 * themselves built by angle addition from an exact super-anchor every {@link #SPAN} blocks and a
 * per-pair table of cos(r·BLOCK·θ_n), so trigonometric calls drop to one pair per 2^14 positions.
 * Every position m is evaluated by the same operations whichever range it is requested in; this is
 * what makes chunked and single-range results bit-identical.
 *
 * <p>The product m·θ is taken exactly (double-double via fma): the rounded product fl(m·θ) alone is
 * off by up to ulp(m·θ)/2, about 1e-9 per pair at m = 2^24, which summed over d/2 pairs
 * exceeds the kernels' 1e-9 accuracy target.
 */
final class RotaryTable {
  /** Positions per block; one anchor per pair per block. */
  static final int BLOCK = 256;
  /** BLOCK = STEP², so the table is built from 2·STEP exact angles per pair. */
  private static final int STEP = 16;
  /** Blocks per exact super-anchor. */
  static final int SPAN = 64;
  /** SPAN = SPAN_STEP². */
  private static final int SPAN_STEP = 8;
  /** Positions must be exactly representable as doubles for the exact product. */
  static final long MAX_POSITION = 1L << 53;

  final int pairs;
  final double[] theta;
  /**
   * Per pair n, cos(j·θ_n) and sin(j·θ_n) for j in [0, BLOCK), built on first use ({@link #row}): a
   * margin certificate never needs the rows of its slow pairs. One array per pair: C2 (JDK 17)
   * vectorises the kernels' inner loops only when every array is indexed from 0 by the loop
   * variable, not at an invariant row offset.
   */
  private final Row[] rows;
  /** cos(r·BLOCK·θ_n) at index n·SPAN + r, r in [0, SPAN). */
  private final double[] spanCos;
  /** sin(r·BLOCK·θ_n) at index n·SPAN + r. */
  private final double[] spanSin;

  RotaryTable(double[] theta) {
    if (theta == null || theta.length == 0) {
      throw new IllegalArgumentException("theta must have at least one pair");
    }
    for (double t : theta) {
      if (!Double.isFinite(t)) {
        throw new IllegalArgumentException("theta must be finite: " + t);
      }
    }
    this.theta = theta.clone();
    this.pairs = theta.length;
    this.rows = new Row[pairs];
    this.spanCos = new double[pairs * SPAN];
    this.spanSin = new double[pairs * SPAN];
    for (int n = 0; n < pairs; n++) {
      fill(theta[n], BLOCK, SPAN_STEP, spanCos, spanSin, n * SPAN);
    }
  }

  /** cos(j·θ_n) and sin(j·θ_n), j in [0, BLOCK). */
  record Row(double[] cos, double[] sin) {}

  /**
   * The table row of pair n, built on first use. Threads may race to build one: each builds the
   * same values, and a Row's final fields make whichever it reads fully visible.
   */
  Row row(int n) {
    Row r = rows[n];
    if (r == null) {
      double[] c = new double[BLOCK];
      double[] s = new double[BLOCK];
      fill(theta[n], 1, STEP, c, s, 0);
      r = new Row(c, s);
      rows[n] = r;
    }
    return r;
  }

  /**
   * c[at + i] = cos(i·unit·θ), s[at + i] = sin(i·unit·θ) for i in [0, step²), from 2·step exact
   * angles: i = a·step + b by angle addition (error a few ulps).
   */
  private static void fill(double theta, long unit, int step, double[] c, double[] s, int at) {
    double[] c1 = new double[step];
    double[] s1 = new double[step];
    double[] cs = new double[step];
    double[] ss = new double[step];
    for (int i = 0; i < step; i++) {
      angle(i * unit, theta, c1, s1, i);
      angle(i * step * unit, theta, cs, ss, i);
    }
    for (int a = 0; a < step; a++) {
      for (int b = 0; b < step; b++) {
        int i = at + a * step + b;
        c[i] = cs[a] * c1[b] - ss[a] * s1[b];
        s[i] = ss[a] * c1[b] + cs[a] * s1[b];
      }
    }
  }

  /** Per-call scratch: the exact super-anchor last used, reused while blocks stay in its span. */
  final class Anchors {
    private long superAnchor = -1;
    private final double[] superCos = new double[pairs];
    private final double[] superSin = new double[pairs];

    /**
     * Writes cos/sin(M·θ_n) of block anchor M (a multiple of BLOCK) for every pair n into
     * c[at + n·stride], s[at + n·stride].
     */
    void anchors(long m, double[] c, double[] s, int at, int stride) {
      long block = m / BLOCK;
      long sup = block - block % SPAN;
      if (sup != superAnchor) {
        for (int n = 0; n < pairs; n++) {
          angle(sup * BLOCK, theta[n], superCos, superSin, n);
        }
        superAnchor = sup;
      }
      int r = (int) (block - sup);
      for (int n = 0; n < pairs; n++) {
        double cu = superCos[n];
        double su = superSin[n];
        double cr = spanCos[n * SPAN + r];
        double sr = spanSin[n * SPAN + r];
        c[at + n * stride] = cu * cr - su * sr;
        s[at + n * stride] = su * cr + cu * sr;
      }
    }
  }

  /** cos(m·θ) with the product m·θ taken exactly. */
  static double cos(long m, double theta) {
    double[] c = new double[1];
    double[] s = new double[1];
    angle(m, theta, c, s, 0);
    return c[0];
  }

  /** sin(m·θ) with the product m·θ taken exactly. */
  static double sin(long m, double theta) {
    double[] c = new double[1];
    double[] s = new double[1];
    angle(m, theta, c, s, 0);
    return s[0];
  }

  /**
   * cos/sin of the exact product m·θ = hi + lo (TwoProduct: lo = fma(m, θ, −hi) is exact), by
   * angle addition; lo is tiny, so its cos/sin come from a short Taylor series.
   */
  static void angle(long m, double theta, double[] c, double[] s, int at) {
    checkPosition(m);
    double x = m;
    double hi = x * theta;
    double lo = Math.fma(x, theta, -hi);
    double ch = Math.cos(hi);
    double sh = Math.sin(hi);
    double cl;
    double sl;
    if (Math.abs(lo) < 1e-4) {
      double lo2 = lo * lo;
      cl = 1.0 - 0.5 * lo2;
      sl = lo - lo * lo2 * (1.0 / 6.0);
    } else {
      cl = Math.cos(lo);
      sl = Math.sin(lo);
    }
    c[at] = ch * cl - sh * sl;
    s[at] = sh * cl + ch * sl;
  }

  static void checkPosition(long m) {
    if (m < 0 || m > MAX_POSITION) {
      throw new IllegalArgumentException("position out of [0, 2^53]: " + m);
    }
  }

  static void checkRange(long from, int len) {
    if (len < 0) {
      throw new IllegalArgumentException("negative length: " + len);
    }
    checkPosition(from);
    checkPosition(from + len);
  }
}
