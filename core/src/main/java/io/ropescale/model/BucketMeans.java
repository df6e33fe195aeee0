package io.ropescale.model;

import io.ropescale.attention.PositionBuckets;

/**
 * One document's per-token statistic condensed into {@link PositionBuckets} buckets of the token
 * position t (the same buckets as {@code attention_profile}, so the two tables line up): per bucket
 * the number of tokens with a value and their sum. NaN values (token 0 has no loss) are skipped.
 * Across documents, the stage averages these per-document means, so every document weighs the same.
 */
public final class BucketMeans {
  private final long[] count;
  private final double[] sum;

  private BucketMeans(long[] count, double[] sum) {
    this.count = count;
    this.sum = sum;
  }

  /** Buckets of positions 0..x.length-1. */
  public static BucketMeans of(double[] x) {
    int buckets = x.length == 0 ? 0 : PositionBuckets.count(x.length - 1);
    long[] count = new long[buckets];
    double[] sum = new double[buckets];
    for (int t = 0; t < x.length; t++) {
      if (!Double.isNaN(x[t])) {
        int b = PositionBuckets.bucket(t);
        count[b]++;
        sum[b] += x[t];
      }
    }
    return new BucketMeans(count, sum);
  }

  public int buckets() {
    return count.length;
  }

  public long count(int bucket) {
    return count[bucket];
  }

  public double sum(int bucket) {
    return sum[bucket];
  }

  /** Mean of the bucket's values; NaN when it holds none. */
  public double mean(int bucket) {
    return count[bucket] == 0 ? Double.NaN : sum[bucket] / count[bucket];
  }
}
