package io.ropescale.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.apache.spark.sql.types.DataType;
import org.junit.jupiter.api.Test;

/** docs/tables.md never drifts from TableDocs, and every documented type is a real Spark type. */
class TableDocsTest {
  static final Path HOME = Path.of(System.getProperty("ropescale.home", ".."));

  @Test
  void docsTablesMdIsTheGeneratedText() throws Exception {
    String onDisk = Files.readString(HOME.resolve("docs/tables.md"));
    assertEquals(TableDocs.markdown(), onDisk,
        "docs/tables.md is stale: regenerate it with `ropescale table-docs > docs/tables.md`");
  }

  @Test
  void everyColumnHasAParseableTypeAndUnitsAreKnown() {
    Set<String> units = Set.of("", "tokens", "dims", "pairs", "code points", "UTC timestamp", "nats");
    for (TableDocs.TableDef t : TableDocs.all()) {
      assertTrue(t.partitionedBy().contains("run_id"), t.name());
      assertEquals("run_id", t.columns().get(0).name(), t.name());
      for (TableDocs.ColumnDef c : t.columns()) {
        String where = t.name() + "." + c.name();
        assertEquals(c.type(), DataType.fromDDL(c.type()).simpleString(), where);
        assertTrue(units.contains(c.unit()), where + " unit " + c.unit());
        assertFalse(c.meaning().isBlank(), where);
      }
    }
  }
}
