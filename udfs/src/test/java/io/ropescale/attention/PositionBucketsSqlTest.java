package io.ropescale.attention;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * PositionBucketsSql against PositionBuckets, pairwise: bucket id, first position and end of the
 * bucket at every 2^k − 1, 2^k, 2^k + 1 up to 2^61 (octave edges, where a double log2 and the
 * integer formula can part), plus the exact range's edge; one DataFrame, one Spark job.
 */
class PositionBucketsSqlTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[1]").appName("position-buckets-sql-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<Long> positions() {
    TreeSet<Long> m = new TreeSet<>();
    for (int k = 0; k <= 61; k++) {
      long p = 1L << k;
      m.add(p - 1);
      m.add(p);
      m.add(p + 1);
    }
    m.add(PositionBuckets.EXACT - 2);
    m.add((1L << 62) - 1); // the last representable position
    return new ArrayList<>(m);
  }

  @Test
  void sqlBucketsEqualTheJavaFormulaAtEveryOctaveEdge() {
    List<Long> ms = positions();
    assertEquals(185, ms.size(), "186 edge values for k = 0..61 less 3 shared (1, 2, 3), plus two");
    assertTrue(ms.contains((1L << 61) + 1));
    // the Java ids ride along, so the bounds are checked on the same ids without nesting one
    // expression tree inside the other (bucket ids are compared as well)
    List<Tuple2<Long, Integer>> input = new ArrayList<>();
    for (long m : ms) {
      input.add(new Tuple2<>(m, PositionBuckets.bucket(m)));
    }
    List<Row> rows = spark.createDataset(input, Encoders.tuple(Encoders.LONG(), Encoders.INT())).toDF("m", "java_bucket")
        .select(col("m"), PositionBucketsSql.bucket(col("m")).as("bucket"),
            PositionBucketsSql.bucketStart(col("java_bucket")).as("start"),
            PositionBucketsSql.bucketStart(col("java_bucket").plus(1)).as("end"))
        .collectAsList();
    assertEquals(ms.size(), rows.size());
    for (Row r : rows) {
      long m = r.getLong(0);
      int bucket = PositionBuckets.bucket(m);
      assertEquals(bucket, r.getInt(1), "bucket of " + m);
      assertEquals(PositionBuckets.bucketStart(bucket), r.getLong(2), "start of the bucket of " + m);
      assertEquals(PositionBuckets.bucketEnd(bucket), r.getLong(3), "end of the bucket of " + m);
      assertTrue(r.getLong(2) <= m && m < r.getLong(3), m + " within its bucket's bounds");
    }
  }

  @Test
  void theExpressionsAreTypedAsTheJavaMethods() {
    var schema = spark.range(1).toDF("m")
        .select(PositionBucketsSql.bucket(col("m")).as("b"), PositionBucketsSql.bucketStart(col("m").cast("int")).as("s"))
        .schema();
    assertEquals(DataTypes.IntegerType, schema.apply("b").dataType());
    assertEquals(DataTypes.LongType, schema.apply("s").dataType());
  }
}
