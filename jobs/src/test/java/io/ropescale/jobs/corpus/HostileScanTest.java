package io.ropescale.jobs.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The executor-side limits without Spark: {@link CorpusScan#MAX_RUN} counted across tokenization
 * windows (exactly at the limit, one below, runs split by a break) and {@link InflationGuard} on
 * its own and on gzip files (docs/reliability.md).
 */
class HostileScanTest {
  static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

  /** doc key -> token count, or "Q:" + reason for quarantined documents. */
  static Map<String, String> scan(Map<String, String> docs, int window) {
    List<String[]> in = new ArrayList<>();
    docs.forEach((k, v) -> in.add(new String[] {k, k, v}));
    CorpusConfigs cc = new CorpusConfigs(List.of(CorpusStatsTest.llama(4096, 1e6)));
    CorpusScan.Options o = new CorpusScan.Options(TokenEncoder.jtokkit("cl100k_base"), cc, true, false, 0, "text",
        new HashMap<>(), window);
    return collect(CorpusScan.scanTexts(in.iterator(), o));
  }

  static Map<String, String> collect(Iterator<Row> rows) {
    Map<String, String> out = new HashMap<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      if (r.getAs("doc") != null) {
        Row d = r.getAs("doc");
        out.put(d.getAs("doc_key"), Long.toString(d.<Long>getAs("tokens")));
      } else if (r.getAs("quarantined") != null) {
        Row q = r.getAs("quarantined");
        out.put(q.getAs("doc_key"), "Q:" + q.getAs("reason"));
      }
    }
    return out;
  }

  @Test
  void runsWithoutWhitespaceAreCountedAcrossWindows() {
    int max = CorpusScan.MAX_RUN;
    String below = "start " + "a".repeat(max - 1) + " end";
    String split = "hello world ".repeat(500) + "b".repeat(max - 1) + "\n" + "c".repeat(max - 1) + " tail";
    String at = "intro text\n" + "d".repeat(max) + " never reached";
    String quarantined = "Q:pathological text: " + max + " characters without whitespace, ending at character "
        + ("intro text\n".length() + max) + " (limit " + max + ")";
    // windows of 4096 characters: every run spans many windows, the count carries across them
    Map<String, String> small = scan(Map.of("below", below, "split", split, "at", at), 4096);
    assertTrue(!small.get("below").startsWith("Q:") && !small.get("split").startsWith("Q:"), small.toString());
    assertEquals(quarantined, small.get("at"));
    // the real window (1M characters, over twice MAX_RUN, so a window always has a safe cut before a
    // run): counts equal jtokkit's tokens of the whole document
    assertTrue(CorpusScan.WINDOW >= 2 * max);
    Map<String, String> real = scan(Map.of("below", below, "split", split, "at", at), CorpusScan.WINDOW);
    assertEquals(Integer.toString(CL100K.countTokensOrdinary(below)), real.get("below"));
    assertEquals(Integer.toString(CL100K.countTokensOrdinary(split)), real.get("split"));
    assertEquals(quarantined, real.get("at"));
  }

  @Test
  void inflationGuardStopsAtTheRatioAndTheSize() throws IOException {
    byte[] chunk = new byte[1 << 20];
    long[] compressed = {1 << 16};
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        return 'x';
      }

      @Override
      public int read(byte[] b, int off, int len) {
        int n = Math.min(len, chunk.length);
        java.util.Arrays.fill(b, off, off + n, (byte) 'x');
        return n;
      }
    };
    // 64 KiB compressed: ratio limit 100 -> 6.25 MiB, but the first 16 MiB are always allowed
    InflationGuard g = new InflationGuard(endless, () -> compressed[0]);
    long read = 0;
    InflationGuard.LimitExceeded e = null;
    try {
      while (true) {
        read += g.read(chunk, 0, chunk.length);
      }
    } catch (InflationGuard.LimitExceeded x) {
      e = x;
    }
    assertEquals(InflationGuard.RATIO_SLACK_BYTES, read, "stops on the first read past the slack");
    assertTrue(e.getMessage().startsWith("zip bomb: " + (InflationGuard.RATIO_SLACK_BYTES + chunk.length)
        + " bytes inflated from 65536 compressed (ratio 272, limit 100"), e.getMessage());
    // plenty of compressed input (ratio 1): only the size limit applies
    compressed[0] = Long.MAX_VALUE / 200;
    InflationGuard big = new InflationGuard(endless, () -> compressed[0]);
    assertThrows(InflationGuard.LimitExceeded.class, () -> {
      for (long total = 0; total <= InflationGuard.MAX_INFLATED_BYTES; ) {
        total += big.read(chunk, 0, chunk.length);
      }
    });
    // ordinary text passes untouched
    byte[] text = "plain text\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    assertEquals(text.length, new InflationGuard(new ByteArrayInputStream(text), () -> 10).readAllBytes().length);
  }

  @Test
  void gzipBombIsQuarantinedAndAnOrdinaryGzipIsRead() throws IOException {
    Path dir = Files.createTempDirectory("gz");
    Path bomb = dir.resolve("bomb.txt.gz");
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(bomb))) {
      byte[] line = "all work and no play makes jack a dull boy\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
      for (long w = 0; w < (64L << 20); w += line.length) {
        o.write(line);
      }
    }
    Path fine = dir.resolve("fine.txt.gz");
    String text = "An ordinary compressed document.\n".repeat(200);
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(fine))) {
      o.write(text.getBytes(StandardCharsets.UTF_8));
    }
    List<CorpusInputs.Item> items = List.of(
        new CorpusInputs.Item(bomb.toUri().toString(), null, "text", true, Files.size(bomb)),
        new CorpusInputs.Item(fine.toUri().toString(), null, "text", true, Files.size(fine)));
    CorpusConfigs cc = new CorpusConfigs(List.of(CorpusStatsTest.llama(4096, 1e6)));
    Map<String, String> r = collect(CorpusScan.scan(items.iterator(), new CorpusScan.Options(
        TokenEncoder.jtokkit("cl100k_base"), cc, true, false, 0, "text", new HashMap<>(), 1 << 20)));
    assertTrue(r.get(bomb.toUri().toString()).startsWith("Q:zip bomb: "), r.toString());
    assertEquals(Integer.toString(CL100K.countTokensOrdinary(text)), r.get(fine.toUri().toString()));
  }
}
