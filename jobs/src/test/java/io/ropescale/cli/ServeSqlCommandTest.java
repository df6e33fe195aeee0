package io.ropescale.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.rope.RopeInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * serve-sql without Spark: the statement splitter of --execute, bad input, and --stop on real
 * processes (the Thrift server itself is tested end to end by dashboards/run-e2e-test.sh).
 */
class ServeSqlCommandTest {
  @TempDir
  Path dir;

  @Test
  void splitsStatementsAtLineEndSemicolonsAndDropsCommentLines() throws Exception {
    Path f = dir.resolve("q.sql");
    Files.writeString(f, "-- a comment; not a statement\nSELECT 1;\nSELECT a,\n  'x;y' AS b\nFROM t;\n\nSELECT 3\n");
    assertEquals(List.of("SELECT 1", "SELECT a,\n  'x;y' AS b\nFROM t", "SELECT 3"), ServeSqlCommand.statements(f));
    Files.writeString(f, "-- only a comment\n\n");
    assertThrows(RopeInputException.class, () -> ServeSqlCommand.statements(f));
  }

  @Test
  void badPortOrConfIsExitCode2BeforeAnySpark() {
    assertEquals(2, Main.run("serve-sql", "--warehouse", dir.toString(), "--port", "0"));
    assertEquals(2, Main.run("serve-sql", "--warehouse", dir.toString(), "--port", "70000"));
    assertEquals(2, Main.run("serve-sql", "--warehouse", dir.toString(), "--conf", "hive.x=1"));
    assertEquals(2, Main.run("serve-sql", "--warehouse", dir.toString(), "--execute", dir.resolve("missing.sql").toString()));
  }

  @Test
  void stopEndsTheProcessOfThePidFileAndRemovesIt() throws Exception {
    Process p = new ProcessBuilder("sleep", "300").start();
    Path pid = dir.resolve("_metastore/serve-sql.pid");
    Files.createDirectories(pid.getParent());
    Files.writeString(pid, p.pid() + "\n");
    // default pid file of a local warehouse: <warehouse>/_metastore/serve-sql.pid
    assertEquals(0, Main.run("serve-sql", "--stop", "--warehouse", dir.toString()));
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the process got SIGTERM");
    assertFalse(Files.exists(pid));
    // nothing running: still fine, says so
    assertEquals(0, Main.run("serve-sql", "--stop", "--warehouse", dir.toString()));
  }

  @Test
  void stopRemovesAStalePidFile() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path pid = dir.resolve("custom.pid");
    Files.writeString(pid, Long.toString(gone.pid()));
    assertEquals(0, Main.run("serve-sql", "--stop", "--pid-file", pid.toString()));
    assertFalse(Files.exists(pid));
    Files.writeString(pid, "not a pid");
    assertEquals(2, Main.run("serve-sql", "--stop", "--pid-file", pid.toString()));
  }
}
