package io.ropescale.attention;

/**
 * Log-linear position buckets: exact positions below 2048, then every octave [2^e, 2^(e+1)), e ≥ 11,
 * split into 512 equal-width sub-buckets:
 * bucket(m) = m &lt; 2048 ? m : 2048 + (e−11)·512 + floor((m − 2^e)·512 / 2^e), e = floor(log2 m).
 * Integer math only, so its Spark SQL mirror (udfs: {@code PositionBucketsSql}) gives identical ids. Positions up to
 * 2^26 − 1 need at most 9,728 buckets; 2^24 needs 8,705.
 */
public final class PositionBuckets {
  /** Positions below this are their own bucket. */
  public static final long EXACT = 2048;
  /** log2(EXACT). */
  public static final int FIRST_OCTAVE = 11;
  /** Sub-buckets per octave. */
  public static final int PER_OCTAVE = 512;
  /** log2(PER_OCTAVE): a sub-bucket of octave e is 2^(e − 9) positions wide. */
  public static final int PER_OCTAVE_BITS = 9;
  /** Largest octave exponent whose buckets are representable: positions below 2^62. */
  public static final int LAST_OCTAVE = 61;

  private PositionBuckets() {
  }

  /** Bucket id of position m ≥ 0 (m &lt; 2^62). */
  public static int bucket(long m) {
    if (m < 0 || m >= 1L << (LAST_OCTAVE + 1)) {
      throw new IllegalArgumentException("position out of [0, 2^62): " + m);
    }
    if (m < EXACT) {
      return (int) m;
    }
    int e = 63 - Long.numberOfLeadingZeros(m);
    // floor((m − 2^e)·512 / 2^e) as a shift: exact, and no overflow of (m − 2^e)·512.
    long sub = (m - (1L << e)) >>> (e - PER_OCTAVE_BITS);
    return (int) (EXACT + (long) (e - FIRST_OCTAVE) * PER_OCTAVE + sub);
  }

  /** First position of bucket b. */
  public static long bucketStart(int b) {
    if (b < 0 || b > maxBucket() + 1) {
      throw new IllegalArgumentException("bucket out of range: " + b);
    }
    if (b < EXACT) {
      return b;
    }
    int octave = (int) ((b - EXACT) / PER_OCTAVE);
    int sub = (int) ((b - EXACT) % PER_OCTAVE);
    int e = FIRST_OCTAVE + octave;
    if (e > LAST_OCTAVE) {
      return 1L << (LAST_OCTAVE + 1);
    }
    return (1L << e) + ((long) sub << (e - PER_OCTAVE_BITS));
  }

  /** One past the last position of bucket b. */
  public static long bucketEnd(int b) {
    return bucketStart(b + 1);
  }

  /** Number of buckets covering positions 0..lmax inclusive. */
  public static int count(long lmax) {
    return bucket(lmax) + 1;
  }

  private static int maxBucket() {
    return (int) (EXACT + (long) (LAST_OCTAVE - FIRST_OCTAVE + 1) * PER_OCTAVE - 1);
  }
}
