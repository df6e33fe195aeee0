package io.ropescale.jobs.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingType;
import io.ropescale.attention.AngleCoverage;
import io.ropescale.attention.MarginKernel;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** The statistics layer without Spark: token ids in, exact counts out. */
class CorpusStatsTest {
  static final Path HOME = Path.of(System.getProperty("ropescale.home", ".."));

  static SweepSpec.Configuration llama(long tune, double base) {
    RopeConfig c = RopeConfig.baseChange(128, 4096, 10000, tune, base);
    return new SweepSpec.Configuration("llama2-7b", SweepSpec.configId("llama2-7b", c), c);
  }

  static SweepSpec.Configuration tiny(long tune, double base) {
    RopeConfig c = RopeConfig.baseChange(32, 64, 10000, tune, base);
    return new SweepSpec.Configuration("tiny", SweepSpec.configId("tiny", c), c);
  }

  @Test
  void repeatDistancesOfAHandBuiltSequence() {
    // positions:        0  1  2  3  4  5
    int[] x = {5, 6, 5, 5, 7, 6};
    RepeatStats s = new RepeatStats();
    s.accept(x, x.length);
    assertEquals(6, s.tokens());
    // r(2) = 2, r(3) = 1, r(5) = 4
    assertEquals(3, s.repeats());
    assertEquals(4L, s.maxDistance());
    // sorted distances [1, 2, 4]: nearest rank ceil(0.5*3) = 2 -> 2; ceil(0.9*3) = 3 -> 4
    assertEquals(2L, s.percentile(50));
    assertEquals(4L, s.percentile(90));
    assertEquals(4L, s.percentile(99));
    assertEquals(2, s.repeatsFrom(2)); // distances 2 and 4
    assertEquals(1, s.repeatsFrom(3));
    BitSet neg = new BitSet();
    neg.set(1);
    neg.set(4);
    assertEquals(2, s.repeatsWith(neg));
    assertEquals(0, s.ngramRepeats());
    s.reset();
    assertEquals(0, s.tokens());
    assertNull(s.percentile(50));
    assertNull(s.maxDistance());
  }

  @Test
  void ngramRepeatsAndWindowSplitsAgree() {
    int[] x = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
    RepeatStats whole = new RepeatStats();
    whole.accept(x, x.length);
    // every token from t = 4 repeats at distance 4; 4-grams ending at t = 7..11 repeat at distance 4
    assertEquals(8, whole.repeats());
    assertEquals(5, whole.ngramRepeats());
    BitSet four = new BitSet();
    four.set(4);
    assertEquals(5, whole.ngramRepeatsWith(four));
    RepeatStats split = new RepeatStats();
    split.accept(new int[] {1, 2, 3, 4, 1}, 5);
    split.accept(new int[] {2, 3}, 2);
    split.accept(new int[] {4, 1, 2, 3, 4}, 5);
    assertEquals(whole.repeats(), split.repeats());
    assertEquals(whole.ngramRepeats(), split.ngramRepeats());
    assertEquals(whole.percentile(50), split.percentile(50));
    // the same 3 leading ids but a different last id is a different 4-gram
    RepeatStats other = new RepeatStats();
    other.accept(new int[] {9, 9, 9, 1, 9, 9, 9, 2, 9, 9, 9, 1}, 12);
    assertEquals(1, other.ngramRepeats()); // (9,9,9,1) at t=11 after t=3; (9,9,9,2) once
  }

  @Test
  void randomSequencesMatchTheReference() {
    java.util.Random rnd = new java.util.Random(7);
    CorpusConfigs cc = new CorpusConfigs(List.of(tiny(64, 500), tiny(256, 1e6), tiny(64, 10000)));
    for (int trial = 0; trial < 5; trial++) {
      int[] x = new int[3000 + rnd.nextInt(3000)];
      for (int i = 0; i < x.length; i++) {
        x[i] = rnd.nextInt(trial < 2 ? 6 : 300); // small alphabets repeat 4-grams often
      }
      RepeatStats s = new RepeatStats();
      for (int at = 0; at < x.length; at += 777) {
        int len = Math.min(777, x.length - at);
        s.accept(java.util.Arrays.copyOfRange(x, at, at + len), len);
      }
      for (int i = 0; i < cc.configs.size(); i++) {
        CorpusConfigs.Config c = cc.configs.get(i);
        Reference r = Reference.of(x, List.of(tiny(64, 500), tiny(256, 1e6), tiny(64, 10000)).get(i));
        BitSet neg = Margins.negative(c, s.maxAnyDistance());
        assertEquals(r.repeats, s.repeats());
        assertEquals(r.ngramRepeats, s.ngramRepeats());
        assertEquals(r.repeatsBeyond, s.repeatsFrom(c.extraCeil));
        assertEquals(r.undiscriminated, s.repeatsWith(neg));
        assertEquals(r.ngramUndiscriminated, s.ngramRepeatsWith(neg));
        assertEquals(r.p50, s.percentile(50));
        assertEquals(r.p90, s.percentile(90));
        assertEquals(r.p99, s.percentile(99));
        assertEquals(r.max, s.maxDistance());
        assertEquals(r.beyondExtra, Math.max(0, x.length - c.extraCeil));
        assertEquals(r.withOod, Math.max(0, x.length - c.firstOod));
      }
    }
  }

  @Test
  void thresholdsMatchTheCore() {
    CorpusConfigs cc = new CorpusConfigs(List.of(llama(4096, 1e6), llama(16384, 500), llama(4096, 10000)));
    CorpusConfigs.Config b1e6 = cc.configs.get(0);
    assertEquals(129026.8, b1e6.extrapolationBound, 0.1); // docs/theory.md s.2
    assertEquals(129027, b1e6.extraCeil);
    assertEquals(4096, b1e6.tuneLen);
    for (int i = 0; i < cc.configs.size(); i++) {
      CorpusConfigs.Config c = cc.configs.get(i);
      RopeConfig rc = List.of(llama(4096, 1e6), llama(16384, 500), llama(4096, 10000)).get(i).config();
      double[] theta = RopeTypes.theta(rc);
      AngleCoverage cov = new AngleCoverage(theta,
          ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(rc), theta, rc.trainLen(), rc.tuneLen()));
      assertEquals(cov.firstOod() < 0 ? Long.MAX_VALUE : cov.firstOod(), c.firstOod);
      for (long t : new long[] {0, 1, 4095, 4096, 4097, 60000, 129026, 129027, 1 << 20, 1L << 30}) {
        assertEquals(cov.oodPairs(t), c.oodPairs(t), "t=" + t);
      }
    }
    // base 500 is below b_3 = 651.9 for T_tune = 4096, but tuned at 16384: every pair full
    assertEquals(Long.MAX_VALUE, cc.configs.get(1).firstOod);
  }

  @Test
  void marginTablesMatchTheDirectSum() {
    double[] theta = RopeTypes.theta(llama(4096, 10000).config());
    long[] d = {1, 2, 255, 256, 257, 4095, 4096, 50000, 129027, 1_000_003};
    double[] b = Margins.values(theta, d);
    for (int i = 0; i < d.length; i++) {
      assertEquals(MarginKernel.direct(theta, d[i]), b[i], 1e-9, "m=" + d[i]);
    }
    CorpusConfigs.Config c = new CorpusConfigs(List.of(llama(4096, 10000))).configs.get(0);
    BitSet neg = Margins.negative(c, 200_000);
    long[] all = new long[200_001];
    for (int m = 0; m <= 200_000; m++) {
      all[m] = m;
    }
    double[] v = Margins.values(c.theta, all);
    for (int m = 0; m <= 200_000; m++) {
      assertEquals(v[m] < 0, neg.get(m), "m=" + m);
    }
    assertTrue(neg.cardinality() > 0);
  }

  /** Windows cut at safe points give jtokkit's own tokens of the whole document, on real documents. */
  @Test
  void windowedTokenizationEqualsWholeDocument() throws Exception {
    Path corpus = HOME.resolve("datasets/corpus");
    List<CorpusInputs.Item> items = new ArrayList<>();
    for (String f : List.of("python-3.11-pydoc-topics.py.gz", "openjdk-17-Arrays.java.gz", "gnu-gpl-3.0.txt")) {
      Path p = corpus.resolve(f);
      items.add(new CorpusInputs.Item(p.toUri().toString(), null, "text", f.endsWith(".gz"), Files.size(p)));
    }
    CorpusConfigs cc = new CorpusConfigs(List.of(llama(4096, 1e6)));
    var enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    for (int window : new int[] {4096, 65536}) {
      CorpusScan.Options o = new CorpusScan.Options(TokenEncoder.jtokkit("cl100k_base"), cc, true, true, 0, "text",
          new HashMap<>(), window);
      Iterator<Row> rows = CorpusScan.scan(items.iterator(), o);
      HashMap<String, List<Integer>> tokens = new HashMap<>();
      HashMap<String, Long> counted = new HashMap<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        assertNull(r.getAs("quarantined"));
        if (r.getAs("chunk") != null) {
          Row c = r.getAs("chunk");
          List<Integer> t = tokens.computeIfAbsent(c.getAs("doc_key"), k -> new ArrayList<>());
          assertEquals(t.size(), c.<Long>getAs("chunk_start"), "chunks arrive in order");
          for (int id : (int[]) c.getAs("token_ids")) {
            t.add(id);
          }
        } else if (r.getAs("doc") != null) {
          Row d = r.getAs("doc");
          counted.put(d.getAs("doc_key"), d.getAs("tokens"));
        }
      }
      assertEquals(3, counted.size());
      for (CorpusInputs.Item it : items) {
        String text;
        try (InputStream in = it.gzip() ? new GZIPInputStream(Files.newInputStream(Path.of(java.net.URI.create(it.path()))))
            : Files.newInputStream(Path.of(java.net.URI.create(it.path())))) {
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        int[] whole = enc.encodeOrdinary(text).toArray();
        assertEquals(enc.countTokensOrdinary(text), counted.get(it.path()).intValue(), it.path());
        assertArrayEquals(whole, tokens.get(it.path()).stream().mapToInt(Integer::intValue).toArray(),
            it.path() + " window " + window);
      }
    }
  }
}
