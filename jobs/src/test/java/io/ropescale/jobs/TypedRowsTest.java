package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Rows by name: every mistake a positional row would silently absorb fails, naming the column. */
class TypedRowsTest {
  static final TypedRows ROWS = TypedRows.of(new StructType()
      .add("k", DataTypes.LongType, true)
      .add("base", DataTypes.DoubleType, false)
      .add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("tables", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), true));

  static String fails(Runnable r) {
    return assertThrows(RuntimeException.class, r::run).getMessage();
  }

  @Test
  void buildsByNameInSchemaOrder() {
    Row r = ROWS.row().set("base", 1e4).set("tables", Map.of("runs", 1L)).set("k", null).set("ids", new int[] {3})
        .build();
    assertNull(r.get(0));
    assertEquals(1e4, r.getDouble(1));
    assertEquals(3, ((int[]) r.get(2))[0]);
    assertEquals(ROWS.schema(), r.schema());
  }

  @Test
  void rejectsUnknownColumnsWrongTypesNullsTwiceAndUnset() {
    assertTrue(fails(() -> ROWS.row().set("kk", 1L)).contains("no column kk"));
    assertTrue(fails(() -> ROWS.row().set("k", 1)).contains("column k is bigint, not Integer"));
    assertTrue(fails(() -> ROWS.row().set("base", 1f)).contains("column base is double"));
    assertTrue(fails(() -> ROWS.row().set("ids", new long[] {1})).contains("column ids"));
    assertTrue(fails(() -> ROWS.row().set("tables", Map.of("runs", 1))).contains("column tables"));
    assertTrue(fails(() -> ROWS.row().set("base", null)).contains("base (double) is not nullable"));
    assertTrue(fails(() -> ROWS.row().set("k", 1L).set("k", 2L)).contains("column k set twice"));
    assertTrue(fails(() -> ROWS.row().set("k", 1L).set("base", 2.0).set("tables", null).build())
        .contains("column ids not set"));
  }

  @Test
  void tableRowsTakeTheRegisteredTypes() {
    TypedRows bounds = TableDocs.BASE_LOWER_BOUNDS.rows();
    assertEquals(TableDocs.BASE_LOWER_BOUNDS.columns().size() - 2, bounds.schema().size(), "all but run_id, computed_at");
    assertEquals(DataTypes.LongType, bounds.schema().apply("k").dataType());
    assertTrue(fails(() -> bounds.row().set("rotary_dim", 128L)).contains("column rotary_dim is int"));
    StructType full = TableDocs.RUNS.schema();
    assertEquals(TableDocs.RUNS.columns().get(1).comment(), full.apply("command").getComment().get());
  }
}
