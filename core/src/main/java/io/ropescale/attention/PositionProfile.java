package io.ropescale.attention;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-position profile of one rotary configuration (θ, A; d = 2·θ.length), reduced per
 * {@link PositionBuckets} bucket: normalised similar-token margin B(m)/(d/2) (Men et al. 2024),
 * RoFormer long-term decay bound (Su et al. 2021, section 3.4.3) and the number of OOD pairs
 * ({@link AngleCoverage}). Ranges are independent: each position's statistics are computed by the
 * same operations whatever range contains it, so results of disjoint ranges merge ({@link #merge})
 * to the single-range result (min/max exactly, sums up to summation order). Immutable and
 * thread-safe.
 */
public final class PositionProfile {
  /** Positions per kernel call; bounds scratch memory independently of the range length. */
  private static final int CHUNK = 64 * RotaryTable.BLOCK;

  private final MarginKernel margin;
  private final DecayBound decay;
  private final AngleCoverage coverage;
  private final int pairs;

  /**
   * @param theta    rotary frequencies θ_n, one per pair
   * @param maxAngle A_n, the largest angle pair n saw in training
   */
  public PositionProfile(double[] theta, double[] maxAngle) {
    this.margin = new MarginKernel(theta);
    this.decay = new DecayBound(theta);
    this.coverage = new AngleCoverage(theta, maxAngle);
    this.pairs = theta.length;
  }

  /**
   * Statistics of one bucket over the positions of the profiled range that fall in it.
   * Means are sum/count.
   */
  public record Bucket(int bucket, long start, long end, long count,
             double marginMin, double marginMax, double marginSum,
             double decayMin, double decayMax, double decaySum,
             int oodMin, int oodMax, long oodSum) {
    /** Combines the statistics of the same bucket from two disjoint position ranges. */
    public Bucket merge(Bucket o) {
      if (o.bucket != bucket) {
        throw new IllegalArgumentException("different buckets " + bucket + ", " + o.bucket);
      }
      return new Bucket(bucket, start, end, count + o.count,
          Math.min(marginMin, o.marginMin), Math.max(marginMax, o.marginMax),
          marginSum + o.marginSum,
          Math.min(decayMin, o.decayMin), Math.max(decayMax, o.decayMax),
          decaySum + o.decaySum,
          Math.min(oodMin, o.oodMin), Math.max(oodMax, o.oodMax), oodSum + o.oodSum);
    }
  }

  /**
   * Profile of a position range: buckets ascending by id, the first m with B(m) &lt; 0 and the
   * first m with oodPairs(m) &gt; 0 in the range (-1 when none).
   */
  public record Result(List<Bucket> buckets, long firstNegative, long firstOod) {
    public Result {
      buckets = List.copyOf(buckets);
    }

    /** Profile of an empty range; the identity of {@link PositionProfile#merge}. */
    public static Result empty() {
      return new Result(List.of(), -1, -1);
    }
  }

  /** Profiles positions [from, to), 0 ≤ from ≤ to ≤ 2^53. */
  public Result profile(long from, long to) {
    if (from < 0 || to < from || to > RotaryTable.MAX_POSITION) {
      throw new IllegalArgumentException("bad range [" + from + ", " + to + ")");
    }
    if (from == to) {
      return Result.empty();
    }
    int b0 = PositionBuckets.bucket(from);
    int nb = PositionBuckets.bucket(to - 1) - b0 + 1;
    long[] count = new long[nb];
    double[] mMin = filled(nb, Double.POSITIVE_INFINITY);
    double[] mMax = filled(nb, Double.NEGATIVE_INFINITY);
    double[] mSum = new double[nb];
    double[] dMin = filled(nb, Double.POSITIVE_INFINITY);
    double[] dMax = filled(nb, Double.NEGATIVE_INFINITY);
    double[] dSum = new double[nb];
    int[] oMin = new int[nb];
    int[] oMax = new int[nb];
    long[] oSum = new long[nb];
    Arrays.fill(oMin, Integer.MAX_VALUE);
    double[] mBuf = new double[CHUNK];
    double[] dBuf = new double[CHUNK];
    long firstNegative = -1;
    long firstOod = -1;
    double norm = 1.0 / pairs;
    for (long m0 = from; m0 < to; m0 += CHUNK) {
      int len = (int) Math.min(CHUNK, to - m0);
      margin.margin(m0, len, mBuf, 0);
      decay.bound(m0, len, dBuf, 0);
      for (int i = 0; i < len; i++) {
        long m = m0 + i;
        int b = PositionBuckets.bucket(m) - b0;
        double raw = mBuf[i];
        if (raw < 0 && firstNegative < 0) {
          firstNegative = m;
        }
        int ood = coverage.oodPairs(m);
        if (ood > 0 && firstOod < 0) {
          firstOod = m;
        }
        double v = raw * norm;
        double u = dBuf[i];
        count[b]++;
        mMin[b] = Math.min(mMin[b], v);
        mMax[b] = Math.max(mMax[b], v);
        mSum[b] += v;
        dMin[b] = Math.min(dMin[b], u);
        dMax[b] = Math.max(dMax[b], u);
        dSum[b] += u;
        oMin[b] = Math.min(oMin[b], ood);
        oMax[b] = Math.max(oMax[b], ood);
        oSum[b] += ood;
      }
    }
    List<Bucket> rows = new ArrayList<>(nb);
    for (int b = 0; b < nb; b++) {
      int id = b0 + b;
      rows.add(new Bucket(id, PositionBuckets.bucketStart(id), PositionBuckets.bucketEnd(id),
          count[b], mMin[b], mMax[b], mSum[b], dMin[b], dMax[b], dSum[b],
          oMin[b], oMax[b], oSum[b]));
    }
    return new Result(rows, firstNegative, firstOod);
  }

  /**
   * Merges profiles of disjoint ranges: buckets with the same id are combined, first positions
   * take the smallest found.
   */
  public static Result merge(Result a, Result b) {
    List<Bucket> rows = new ArrayList<>(a.buckets().size() + b.buckets().size());
    int i = 0;
    int j = 0;
    List<Bucket> x = a.buckets();
    List<Bucket> y = b.buckets();
    while (i < x.size() || j < y.size()) {
      if (j == y.size() || (i < x.size() && x.get(i).bucket() < y.get(j).bucket())) {
        rows.add(x.get(i++));
      } else if (i == x.size() || y.get(j).bucket() < x.get(i).bucket()) {
        rows.add(y.get(j++));
      } else {
        rows.add(x.get(i++).merge(y.get(j++)));
      }
    }
    return new Result(rows, firstOf(a.firstNegative(), b.firstNegative()),
        firstOf(a.firstOod(), b.firstOod()));
  }

  private static long firstOf(long p, long q) {
    if (p < 0) {
      return q;
    }
    return q < 0 ? p : Math.min(p, q);
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }
}
