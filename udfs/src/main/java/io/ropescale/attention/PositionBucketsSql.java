package io.ropescale.attention;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;

/**
 * {@link PositionBuckets} as Spark SQL built-in expressions (no UDF, so Catalyst folds them and the
 * RAPIDS Accelerator places them on GPUs): the same integer formula, the same constants (read from
 * {@link PositionBuckets}, never repeated), the same ids and bounds for every position below 2^62.
 */
public final class PositionBucketsSql {
  private PositionBucketsSql() {}

  /** Shift by a column amount ({@code functions.shiftleft} only takes a constant). */
  private static Column shiftleft(Column x, Column bits) {
    return call_function("shiftleft", x, bits);
  }

  private static Column shiftright(Column x, Column bits) {
    return call_function("shiftright", x, bits);
  }

  /**
   * {@link PositionBuckets#bucket}: int bucket id of a bigint position m. The octave e = floor(log2 m)
   * is seeded by a double log2 and then corrected by exact integer comparisons (log2 of 2^k − 1
   * rounds up to k for large k); the sub-bucket is a shift, as in the Java formula.
   */
  public static Column bucket(Column m) {
    Column e0 = floor(log2(m.cast("double"))).cast("int");
    Column e = e0.plus(when(shiftleft(lit(1L), e0.plus(1)).leq(m), 1).otherwise(0))
        .minus(when(shiftleft(lit(1L), e0).gt(m), 1).otherwise(0));
    Column sub = shiftright(m.minus(shiftleft(lit(1L), e)), e.minus(PositionBuckets.PER_OCTAVE_BITS));
    return when(m.lt(PositionBuckets.EXACT), m.cast("int"))
        .otherwise(e.minus(PositionBuckets.FIRST_OCTAVE).multiply(PositionBuckets.PER_OCTAVE)
            .plus(PositionBuckets.EXACT).plus(sub).cast("int"));
  }

  /** {@link PositionBuckets#bucketStart}: bigint first position of an int bucket b (b + 1 gives the end). */
  public static Column bucketStart(Column b) {
    Column rel = b.minus(PositionBuckets.EXACT);
    Column e = floor(rel.divide(PositionBuckets.PER_OCTAVE)).cast("int").plus(PositionBuckets.FIRST_OCTAVE);
    Column sub = rel.mod(PositionBuckets.PER_OCTAVE).cast("long");
    return when(b.lt(PositionBuckets.EXACT), b.cast("long"))
        .otherwise(shiftleft(lit(1L), e).plus(shiftleft(sub, e.minus(PositionBuckets.PER_OCTAVE_BITS))));
  }
}
