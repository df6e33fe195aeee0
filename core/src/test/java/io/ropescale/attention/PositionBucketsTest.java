package io.ropescale.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PositionBucketsTest {
  @Test
  void formulaOnKnownPositions() {
    assertEquals(0, PositionBuckets.bucket(0));
    assertEquals(2047, PositionBuckets.bucket(2047));
    assertEquals(2048, PositionBuckets.bucket(2048));
    assertEquals(2048, PositionBuckets.bucket(2051)); // octave 11: width 4
    assertEquals(2049, PositionBuckets.bucket(2052));
    assertEquals(2048 + 511, PositionBuckets.bucket(4095));
    assertEquals(2048 + 512, PositionBuckets.bucket(4096));
    assertEquals(2048 + 9 * 512, PositionBuckets.bucket(1L << 20));
  }

  @Test
  void monotoneContiguousAndInvertible() {
    int last = PositionBuckets.bucket((1L << 24) + 5);
    long expectedStart = 0;
    for (int b = 0; b <= last; b++) {
      long start = PositionBuckets.bucketStart(b);
      long end = PositionBuckets.bucketEnd(b);
      assertEquals(expectedStart, start, "contiguous at " + b);
      assertTrue(end > start);
      assertEquals(b, PositionBuckets.bucket(start));
      assertEquals(b, PositionBuckets.bucket(end - 1));
      expectedStart = end;
    }
    int prev = 0;
    for (long m = 0; m < 1 << 16; m++) {
      int b = PositionBuckets.bucket(m);
      assertTrue(b == prev || b == prev + 1, "monotone at " + m);
      prev = b;
    }
    for (int e = 11; e < 62; e++) {
      long m = 1L << e;
      assertEquals(PositionBuckets.bucket(m - 1) + 1, PositionBuckets.bucket(m));
    }
  }

  @Test
  void countsStayUnderTenThousand() {
    assertEquals(6657, PositionBuckets.count(1L << 20));
    assertEquals(8705, PositionBuckets.count(1L << 24));
    assertTrue(PositionBuckets.count((1L << 26) - 1) < 10_000);
  }
}
