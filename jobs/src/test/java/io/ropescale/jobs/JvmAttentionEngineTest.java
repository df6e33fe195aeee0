package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.attention.PositionBuckets;
import org.junit.jupiter.api.Test;

/** The jvm engine's task split: contiguous, CHUNK positions or more, never splitting a bucket. */
class JvmAttentionEngineTest {
  @Test
  void tasksCoverEveryPositionOnceAndEndOnBucketBoundaries() {
    long chunk = JvmAttentionEngine.CHUNK;
    for (long maxPosition : new long[] {0, 5, 2047, 2048, 300_000, chunk - 1, chunk, (1L << 27) - 1, (1L << 27) + 5,
        1L << 30, (1L << 31) + 7}) {
      long from = 0;
      int tasks = 0;
      while (from <= maxPosition) {
        long to = JvmAttentionEngine.taskEnd(from, maxPosition);
        String where = "maxPosition " + maxPosition + ", task [" + from + ", " + to + ")";
        assertTrue(to > from, where);
        if (to <= maxPosition) {
          // an inner boundary starts a bucket, so no bucket has positions in two tasks
          assertEquals(to, PositionBuckets.bucketStart(PositionBuckets.bucket(to)), where);
          assertTrue(to - from >= chunk, where);
          // moved up at most to the end of one bucket (buckets are at most 2^(e-9) wide in octave e)
          long bucketWidth = PositionBuckets.bucketEnd(PositionBuckets.bucket(to - 1))
              - PositionBuckets.bucketStart(PositionBuckets.bucket(to - 1));
          assertTrue(to - from <= Math.max(chunk, bucketWidth), where);
        } else {
          assertEquals(maxPosition + 1, to, where);
        }
        from = to;
        tasks++;
      }
      assertEquals(maxPosition + 1, from);
      if (maxPosition < 1L << 27) {
        // below 2^27 buckets are at most CHUNK wide and aligned: the plain CHUNK split
        assertEquals((maxPosition + chunk) / chunk, tasks, "maxPosition " + maxPosition);
      }
    }
  }
}
