package io.ropescale.rope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Frequencies per RoPE type against values worked out by hand (small d, round bases). */
class RopeTypesTest {
  static final double EPS = 1e-12;

  static RopeConfig cfg(int d, double base, long train, long tune, RopeScaling s) {
    return new RopeConfig(d, d, train, base, tune, base, s);
  }

  @Test
  void defaultFrequencies() {
    assertArrayEquals(new double[] {1, 0.1}, RopeTypes.theta(cfg(4, 100, 10, 10, null)), EPS);
    assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001},
        RopeTypes.theta(cfg(8, 10000, 10, 10, null)), EPS);
  }

  @Test
  void linearDividesByFactor() {
    assertArrayEquals(new double[] {0.5, 0.05},
        RopeTypes.theta(cfg(4, 100, 10, 20, RopeScaling.of("linear", 2))), EPS);
  }

  @Test
  void ntkScalesTheBase() {
    // base 100 * 4^(4/2) = 1600; theta_1 = 1600^(-1/2) = 0.025
    assertArrayEquals(new double[] {1, 0.025},
        RopeTypes.theta(cfg(4, 100, 10, 40, RopeScaling.of("ntk", 4))), EPS);
  }

  @Test
  void dynamicAtTheTargetLength() {
    // L_max = 1000, factor 2, evaluated at L = 2000: base 100 * (2*2000/1000 - 1)^2 = 900
    RopeScaling s = RopeScaling.of("dynamic", 2).withOriginalMax(1000);
    RopeConfig c = cfg(4, 100, 1000, 1000, s);
    assertEquals(2000, c.evalLen());
    assertArrayEquals(new double[] {1, 1.0 / 30}, RopeTypes.theta(c), EPS);
    assertEquals(900, RopeTypes.effectiveBase(c), 1e-9);
  }

  @Test
  void yarnRampsBetweenCorrectionDims() {
    // d=8, base 1e4, L_orig 4096: correction dims 8 ln(4096/(2pi r)) / (2 ln 1e4)
    // r=32 -> 1.309 (floor 1), r=1 -> 2.814 (ceil 3); ramp over pairs 0..3 = 0, 0, 0.5, 1
    RopeScaling s = new RopeScaling("yarn", 4, 4096, Double.NaN, Double.NaN, 32, 1, null, null);
    double[] expected = {1, 0.1, 0.01 * (0.5 / 4 + 0.5), 0.001 / 4};
    assertArrayEquals(expected, RopeTypes.theta(cfg(8, 10000, 4096, 16384, s)), EPS);
    assertEquals(1.0 + 0.1 * Math.log(4), RopeTypes.attentionFactor(cfg(8, 10000, 4096, 16384, s)), EPS);
  }

  @Test
  void llama3KeepsHighBlendsMiddleDividesLow() {
    // d=8, base 1e6: theta = 1, 10^-1.5, 1e-3, 10^-4.5; wavelengths 6.28, 198.7, 6283.2, 198692
    // L_orig 8192, low 1 -> 8192, high 4 -> 2048: pairs 0,1 kept, pair 2 blended, pair 3 / 8
    RopeScaling s = new RopeScaling("llama3", 8, 8192, 1, 4, Double.NaN, Double.NaN, null, null);
    double smooth = (8192 / (2 * Math.PI / 1e-3) - 1) / 3; // 0.10126
    double[] expected = {1, Math.pow(10, -1.5), (1 - smooth) * 1e-3 / 8 + smooth * 1e-3, Math.pow(10, -4.5) / 8};
    assertArrayEquals(expected, RopeTypes.theta(cfg(8, 1e6, 8192, 131072, s)), EPS);
    assertEquals(0.10126, smooth, 1e-5);
  }

  @Test
  void longropePicksShortOrLongFactors() {
    RopeScaling s = new RopeScaling("longrope", 2, 4096, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        new double[] {1, 2}, new double[] {3, 4});
    assertArrayEquals(new double[] {1, 0.05}, RopeTypes.theta(cfg(4, 100, 4096, 4096, s)), EPS);
    assertArrayEquals(new double[] {1.0 / 3, 0.025}, RopeTypes.theta(cfg(4, 100, 4096, 8192, s)), EPS);
  }

  @Test
  void suIsLongrope() {
    RopeScaling s = new RopeScaling("su", 2, 4096, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        new double[] {1, 2}, new double[] {3, 4});
    assertEquals("longrope", s.type());
  }

  @Test
  void registryListsEveryType() {
    assertEquals(java.util.List.of("default", "linear", "ntk", "dynamic", "yarn", "llama3", "longrope"),
        RopeTypes.names());
  }

  @Test
  void badScalingParameters() {
    RopeInputException e = assertThrows(RopeInputException.class,
        () -> cfg(4, 100, 10, 20, RopeScaling.of("linear", 0.5)));
    assertEquals("rope_scaling.factor", e.field());
    e = assertThrows(RopeInputException.class, () -> cfg(4, 100, 10, 20,
        new RopeScaling("longrope", 2, 10, Double.NaN, Double.NaN, Double.NaN, Double.NaN, new double[] {1}, new double[] {1, 2})));
    assertEquals("rope_scaling.short_factor", e.field());
    e = assertThrows(RopeInputException.class, () -> RopeConfig.rotaryDimOf(128, 0.3));
    assertEquals("partial_rotary_factor", e.field());
    assertEquals(32, RopeConfig.rotaryDimOf(128, 0.25));
  }

  @Test
  void aKeyTheTypeDoesNotReadIsAnError() {
    RopeScaling s = new RopeScaling("linear", 2, 0, Double.NaN, Double.NaN, 32, Double.NaN, null, null);
    RopeInputException e = assertThrows(RopeInputException.class, () -> cfg(4, 100, 10, 20, s));
    assertEquals("rope_scaling.beta_fast", e.field());
    assertEquals("32", e.value());
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("does not apply to rope_type linear"),
        e.getMessage());
    e = assertThrows(RopeInputException.class, () -> cfg(4, 100, 10, 20, RopeScaling.of("default", 2)));
    assertEquals("rope_scaling.factor", e.field());
    e = assertThrows(RopeInputException.class,
        () -> cfg(4, 100, 10, 20, RopeScaling.of("ntk", 2).withOriginalMax(10)));
    assertEquals("rope_scaling.original_max_position_embeddings", e.field());
    // every key a type declares is accepted by it
    for (String name : RopeTypes.names()) {
      org.junit.jupiter.api.Assertions.assertEquals(name, RopeTypes.of(name).name());
    }
  }

  @Test
  void attentionFactors() {
    // yarn: explicit attention_factor wins, then DeepSeek's mscale ratio, then 0.1 ln f + 1
    RopeScaling y = new RopeScaling("yarn", 40, 4096, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null,
        Double.NaN, 0.707, 0.707, null);
    assertEquals(1.0, RopeTypes.attentionFactor(cfg(8, 10000, 4096, 16384, y)), EPS);
    y = new RopeScaling("yarn", 40, 4096, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null, null,
        1.25, 0.707, 0.707, null);
    assertEquals(1.25, RopeTypes.attentionFactor(cfg(8, 10000, 4096, 16384, y)), EPS);
    assertEquals(1.0, RopeTypes.attentionFactor(cfg(4, 100, 10, 20, RopeScaling.of("linear", 2))), EPS);
    RopeScaling l = new RopeScaling("longrope", 32, 4096, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        new double[] {1, 2}, new double[] {3, 4});
    RopeFrequencies f = RopeTypes.frequencies(new RopeVariant(l, 4, 100, 4096), 8192);
    assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), f.attentionFactor(), EPS);
    assertArrayEquals(new double[] {1.0 / 3, 0.025}, f.inverseFrequencies(), EPS);
    assertEquals(100, f.effectiveBase(), 0);
  }

  @Test
  void hfConfigRejectsKeysTheTypeDoesNotRead() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        "{\"head_dim\": 128, \"max_position_embeddings\": 16384, \"rope_theta\": 10000,"
            + " \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0, \"beta_fast\": 32}}");
    RopeInputException e = assertThrows(RopeInputException.class, () -> HfConfigs.parse(json, "t"));
    assertEquals("rope_scaling.beta_fast", e.field());
    var deepseek = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        "{\"head_dim\": 64, \"max_position_embeddings\": 163840, \"rope_theta\": 10000,"
            + " \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 40, \"beta_fast\": 32, \"beta_slow\": 1,"
            + " \"mscale\": 1.0, \"mscale_all_dim\": 1.0, \"original_max_position_embeddings\": 4096,"
            + " \"truncate\": false}}");
    RopeModel m = HfConfigs.parse(deepseek, "t");
    assertEquals(Boolean.FALSE, m.scaling().truncate());
    assertEquals(1.0, RopeTypes.attentionFactor(m.config()), EPS);
    assertEquals(4096, m.trainLen());
  }
}
