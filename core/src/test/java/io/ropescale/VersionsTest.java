package io.ropescale;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The versions in the jar are the root pom.xml's, read here straight from the file. */
class VersionsTest {

  static String pomValue(String pom, String regex) {
    Matcher m = Pattern.compile(regex).matcher(pom);
    if (!m.find()) {
      throw new AssertionError("pom.xml has no " + regex);
    }
    return m.group(1).trim();
  }

  @Test
  void matchTheRootPom() throws Exception {
    String pom = Files.readString(Path.of("..", "pom.xml"));
    assertEquals(pomValue(pom, "<artifactId>ropescale-parent</artifactId>\\s*<version>([^<]+)</version>"),
        Versions.project());
    assertEquals(pomValue(pom, "<spark.version>([^<]+)</spark.version>"), Versions.spark());
    assertEquals(pomValue(pom, "<delta.version>([^<]+)</delta.version>"), Versions.delta());
    assertEquals(pomValue(pom, "<rapids.version>([^<]+)</rapids.version>"), Versions.rapids());
    assertEquals("rapids-4-spark_" + pomValue(pom, "<scala.binary.version>([^<]+)</scala.binary.version>") + "-"
        + Versions.rapids() + ".jar", Versions.rapidsJar());
  }
}
