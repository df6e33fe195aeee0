package io.ropescale.rope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inverse frequencies and attention factors at d = 128 against golden files computed from
 * Hugging Face's published formulas by an independent numpy script
 * (src/test/resources/golden/make_rope_golden.py; each file records its source and parameters).
 */
class GoldenFrequenciesTest {
  static final double REL = 1e-12;

  @ParameterizedTest
  @ValueSource(strings = {"yarn_llama2_x4", "yarn_untruncated_mscale", "llama3_31", "longrope_short",
      "longrope_long", "dynamic_x4_at_16k", "dynamic_x4_within"})
  void matchesHuggingFaceFormulas(String name) throws IOException {
    Map<String, String> f = read(name);
    Map<String, String> p = new HashMap<>();
    for (String kv : f.get("params").split(" ")) {
      String[] a = kv.split("=", 2);
      p.put(a[0], a[1]);
    }
    RopeScaling s = new RopeScaling(p.get("rope_type"), num(p, "factor"),
        Long.parseLong(p.get("original_max_position_embeddings")), num(p, "low_freq_factor"),
        num(p, "high_freq_factor"), num(p, "beta_fast"), num(p, "beta_slow"), doubles(f.get("short_factor")),
        doubles(f.get("long_factor")), num(p, "attention_factor"), num(p, "mscale"), num(p, "mscale_all_dim"),
        p.containsKey("truncate") ? Boolean.valueOf(p.get("truncate")) : null);
    int d = Integer.parseInt(p.get("rotary_dim"));
    RopeVariant v = new RopeVariant(s, d, Double.parseDouble(p.get("base")), s.originalMaxPositionEmbeddings());
    RopeFrequencies got = RopeTypes.frequencies(v, Long.parseLong(p.get("seq_len")));
    double[] expected = doubles(f.get("inv_freq"));
    assertEquals(d / 2, expected.length);
    assertEquals(expected.length, got.inverseFrequencies().length);
    for (int n = 0; n < expected.length; n++) {
      assertEquals(expected[n], got.inverseFrequencies()[n], REL * expected[n], name + " pair " + n);
    }
    double att = Double.parseDouble(f.get("attention_factor"));
    assertEquals(att, got.attentionFactor(), REL * att, name + " attention factor");
    // the fixture is not trivially the default RoPE (except where the type says it must be)
    double[] plain = RopeTypes.defaultTheta(d, v.base());
    boolean isDefault = true;
    for (int n = 0; n < d / 2; n++) {
      isDefault &= Math.abs(expected[n] - plain[n]) <= REL * plain[n];
    }
    assertEquals(name.equals("dynamic_x4_within"), isDefault, name);
    assertTrue(f.get("#source").contains("modeling_rope_utils.py"), name);
  }

  private static double num(Map<String, String> p, String key) {
    return p.containsKey(key) ? Double.parseDouble(p.get(key)) : Double.NaN;
  }

  private static double[] doubles(String s) {
    return s == null ? null : Arrays.stream(s.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
  }

  /** Lines "key rest"; comment lines "# key: rest" kept as "#key". */
  private static Map<String, String> read(String name) throws IOException {
    try (InputStream in = GoldenFrequenciesTest.class.getResourceAsStream("/golden/" + name + ".golden")) {
      Map<String, String> m = new HashMap<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.startsWith("# ") && line.indexOf(':') > 2) {
          m.put("#" + line.substring(2, line.indexOf(':')), line.substring(line.indexOf(':') + 1).trim());
        } else if (!line.isBlank()) {
          int sp = line.indexOf(' ');
          m.put(line.substring(0, sp), line.substring(sp + 1));
        }
      }
      return m;
    }
  }
}
