package io.ropescale.jobs;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampType;

/**
 * Rows built by column name against a schema, never by position: {@code rows.row().set("k", 3L)
 * .set("base", 1e4).build()}. Setting a column the schema does not have, a value of the wrong Java
 * type for the column's Spark type, null in a non-nullable column, the same column twice, or
 * leaving a column unset fails at once, naming the column. So a column moved or added in a schema
 * can never shift values into its neighbours. Serializable: executors build rows with it too.
 */
public final class TypedRows implements Serializable {
  private static final long serialVersionUID = 1L;
  private final StructType schema;
  private final Map<String, Integer> index = new HashMap<>();

  private TypedRows(StructType schema) {
    this.schema = schema;
    StructField[] fields = schema.fields();
    for (int i = 0; i < fields.length; i++) {
      if (index.put(fields[i].name(), i) != null) {
        throw new IllegalArgumentException("schema has two columns named " + fields[i].name());
      }
    }
  }

  public static TypedRows of(StructType schema) {
    return new TypedRows(schema);
  }

  public StructType schema() {
    return schema;
  }

  /** Rows built on the executors as a DataFrame of this schema. */
  public Dataset<Row> frame(SparkSession spark, org.apache.spark.api.java.JavaRDD<Row> rows) {
    return spark.createDataFrame(rows, schema);
  }

  /** A new row of this schema, every column still unset. */
  public Builder row() {
    return new Builder();
  }

  /** The rows as a DataFrame of this schema. */
  public Dataset<Row> frame(SparkSession spark, List<Row> rows) {
    return spark.createDataFrame(rows, schema);
  }

  /** One row under construction. */
  public final class Builder {
    private final Object[] values = new Object[schema.fields().length];
    private final boolean[] set = new boolean[values.length];

    private Builder() {}

    /** Sets a column by name; fails on an unknown column, a second set, or a value of the wrong type. */
    public Builder set(String column, Object value) {
      Integer i = index.get(column);
      if (i == null) {
        throw new IllegalArgumentException("no column " + column + " in " + schema.simpleString());
      }
      if (set[i]) {
        throw new IllegalArgumentException("column " + column + " set twice");
      }
      StructField f = schema.fields()[i];
      if (value == null) {
        if (!f.nullable()) {
          throw new IllegalArgumentException("column " + column + " (" + f.dataType().simpleString() + ") is not nullable");
        }
      } else if (!accepts(f.dataType(), value)) {
        throw new IllegalArgumentException("column " + column + " is " + f.dataType().simpleString()
            + ", not " + value.getClass().getSimpleName() + " (" + value + ")");
      }
      values[i] = value;
      set[i] = true;
      return this;
    }

    public Row build() {
      for (int i = 0; i < set.length; i++) {
        if (!set[i]) {
          throw new IllegalStateException("column " + schema.fields()[i].name() + " not set (set null explicitly)");
        }
      }
      return new GenericRowWithSchema(values.clone(), schema);
    }
  }

  /** Whether a Java value is what Spark's row converters take for a column of this type. */
  static boolean accepts(DataType type, Object v) {
    if (type instanceof StringType) {
      return v instanceof String;
    }
    if (type instanceof IntegerType) {
      return v instanceof Integer;
    }
    if (type instanceof LongType) {
      return v instanceof Long;
    }
    if (type instanceof DoubleType) {
      return v instanceof Double;
    }
    if (type instanceof BooleanType) {
      return v instanceof Boolean;
    }
    if (type instanceof TimestampType) {
      return v instanceof java.sql.Timestamp || v instanceof java.time.Instant;
    }
    if (type instanceof ArrayType a) {
      if (a.elementType() instanceof IntegerType && v instanceof int[]) {
        return true;
      }
      if (a.elementType() instanceof LongType && v instanceof long[]) {
        return true;
      }
      if (a.elementType() instanceof DoubleType && v instanceof double[]) {
        return true;
      }
      return v instanceof List<?> l && l.stream().allMatch(x -> x == null ? a.containsNull() : accepts(a.elementType(), x));
    }
    if (type instanceof MapType m) {
      return v instanceof Map<?, ?> map && map.entrySet().stream().allMatch(e -> e.getKey() != null
          && accepts(m.keyType(), e.getKey()) && (e.getValue() == null || accepts(m.valueType(), e.getValue())));
    }
    if (type instanceof StructType s) {
      return v instanceof Row r && r.schema() != null && r.schema().equals(s);
    }
    return false;
  }

  @Override
  public String toString() {
    return "TypedRows" + Arrays.toString(schema.fieldNames());
  }
}
