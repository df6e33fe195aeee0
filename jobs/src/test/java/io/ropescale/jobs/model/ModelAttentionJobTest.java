package io.ropescale.jobs.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.attention.PositionBuckets;
import io.ropescale.jobs.SparkTestBase;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.model.ControlWindows;
import io.ropescale.model.ForwardResult;
import io.ropescale.model.GgmlType;
import io.ropescale.model.GgufFile;
import io.ropescale.model.GgufValueType;
import io.ropescale.model.GgufWriter;
import io.ropescale.model.LlamaForward;
import io.ropescale.model.LlamaWeights;
import io.ropescale.model.LogitProfile;
import io.ropescale.model.InferenceVariant;
import io.ropescale.model.StatsRequest;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.ScalingLaws;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model-attention stage end to end through Spark on a tiny llama written as a GGUF file in the
 * test (2 layers, width 16, 4 query heads on 2 key/value heads, head dim 4, T_train 16, a 256-byte
 * vocabulary): every table against direct forward passes and hand aggregation, and the two
 * engines of model_logit_profile (SQL built-ins, JVM) against each other.
 */
class ModelAttentionJobTest extends SparkTestBase {
  static final int LAYERS = 2;
  static final int WIDTH = 16;
  static final int HEADS = 4;
  static final int KV = 2;
  static final int HD = 4;
  static final int FFN = 24;
  static final int T_TRAIN = 16;
  static final int VOCAB = 257; // the 256 byte tokens and one merge, "th"
  static Path dir;
  static Path gguf;

  @BeforeAll
  static void tinyModel() throws Exception {
    dir = Files.createTempDirectory("ropescale-model-test");
    gguf = dir.resolve("tiny.gguf");
    Random r = new Random(17);
    GgufWriter w = new GgufWriter()
        .put("general.architecture", GgufValueType.STRING, "llama")
        .put("llama.block_count", GgufValueType.UINT32, LAYERS)
        .put("llama.embedding_length", GgufValueType.UINT32, WIDTH)
        .put("llama.attention.head_count", GgufValueType.UINT32, HEADS)
        .put("llama.attention.head_count_kv", GgufValueType.UINT32, KV)
        .put("llama.feed_forward_length", GgufValueType.UINT32, FFN)
        .put("llama.attention.layer_norm_rms_epsilon", GgufValueType.FLOAT32, 1e-5)
        .put("llama.rope.freq_base", GgufValueType.FLOAT32, 100.0)
        .put("llama.context_length", GgufValueType.UINT32, T_TRAIN)
        .put("tokenizer.ggml.model", GgufValueType.STRING, "gpt2")
        .put("tokenizer.ggml.pre", GgufValueType.STRING, "gpt-2")
        .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, byteTokens())
        .putArray("tokenizer.ggml.merges", GgufValueType.STRING, List.of("t h"));
    w.f32("token_embd.weight", new long[] {WIDTH, VOCAB}, rand(r, WIDTH * VOCAB, 1.0));
    w.f32("output_norm.weight", new long[] {WIDTH}, ones(WIDTH));
    for (int l = 0; l < LAYERS; l++) {
      String p = "blk." + l + ".";
      w.f32(p + "attn_norm.weight", new long[] {WIDTH}, ones(WIDTH));
      w.f32(p + "attn_q.weight", new long[] {WIDTH, HEADS * HD}, rand(r, WIDTH * HEADS * HD, 0.6));
      w.f32(p + "attn_k.weight", new long[] {WIDTH, KV * HD}, rand(r, WIDTH * KV * HD, 0.6));
      w.f32(p + "attn_v.weight", new long[] {WIDTH, KV * HD}, rand(r, WIDTH * KV * HD, 0.5));
      w.f32(p + "attn_output.weight", new long[] {HEADS * HD, WIDTH}, rand(r, WIDTH * HEADS * HD, 0.3));
      w.f32(p + "ffn_norm.weight", new long[] {WIDTH}, ones(WIDTH));
      w.f32(p + "ffn_gate.weight", new long[] {WIDTH, FFN}, rand(r, WIDTH * FFN, 0.3));
      w.f32(p + "ffn_up.weight", new long[] {WIDTH, FFN}, rand(r, WIDTH * FFN, 0.3));
      w.f32(p + "ffn_down.weight", new long[] {FFN, WIDTH}, rand(r, WIDTH * FFN, 0.3));
    }
    w.write(gguf);
    Files.writeString(dir.resolve("a.txt"), "the quick brown fox jumps over the lazy dog; then it naps for a while.");
    Files.writeString(dir.resolve("b.txt"), "pack my box with five dozen liquor jugs, said the sphinx of black quartz!");
    Files.writeString(dir.resolve("c.txt"), "short");
  }

  /** GPT-2's byte-level alphabet (every byte one token, id = byte value) and the merge "t h" -> "th" (id 256). */
  static List<String> byteTokens() {
    List<String> out = new ArrayList<>();
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      out.add(String.valueOf((char) (printable ? b : 256 + extra++)));
    }
    out.add("th");
    return out;
  }

  static float[] rand(Random r, int n, double s) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (s * r.nextGaussian());
    }
    return x;
  }

  static float[] ones(int n) {
    float[] x = new float[n];
    java.util.Arrays.fill(x, 1f);
    return x;
  }

  static SweepSpec spec(String section) {
    return SweepSpec.parse("name: tiny\nmodels: [llama2-7b]\nbases: [10, 100, 1000]\nmodel_attention:\n" + section,
        "tiny", dir);
  }

  @Test
  void stageMatchesDirectPassesAndEnginesAgree() {
    ModelAttentionSettings s = ModelAttentionSettings.from(spec(String.join("\n",
        "  gguf: tiny.gguf",
        "  paths: [a.txt, b.txt, c.txt]",
        "  documents: 2",
        "  min_tokens: 40",
        "  max_tokens: 60",
        "  layers: [0, 1]",
        "  far_distance: 5",
        "  smoothing: 4",
        "  variants: [native, {base: 25}, {type: linear, factor: 2}]",
        "")), null);
    ModelAttentionJob.Result r = ModelAttentionJob.compute(spark, s);
    LlamaWeights w = LlamaWeights.load(GgufFile.open(gguf));
    io.ropescale.model.BpeTokenizer tok = io.ropescale.model.BpeTokenizer.fromGguf(GgufFile.open(gguf));
    Map<String, double[]> direct = new HashMap<>();
    Map<String, ForwardResult> full = new HashMap<>();
    try (LlamaForward f = new LlamaForward(w, 1)) {
      for (String doc : new String[] {"a.txt", "b.txt"}) {
        String text = readString(dir.resolve(doc));
        int[] ids = java.util.Arrays.copyOf(tok.encode(text), Math.min(60, tok.encode(text).length));
        for (InferenceVariant v : s.variants()) {
          io.ropescale.rope.RopeFrequencies fq = v.frequencies(HD, T_TRAIN, 100, ids.length);
          ForwardResult fr = f.forward(ids, fq.inverseFrequencies(), fq.attentionFactor(),
              new StatsRequest(new int[] {0, 1}, 5, false));
          full.put(doc + "/" + v.label(), fr);
        }
        // the control: native windows of T_TRAIN tokens, stride T_TRAIN/2
        Map<Integer, double[]> windows = new HashMap<>();
        for (int k = 1; k < ControlWindows.windows(ids.length, T_TRAIN); k++) {
          int a = ControlWindows.start(k, T_TRAIN);
          windows.put(k, f.forward(java.util.Arrays.copyOfRange(ids, a, ControlWindows.end(k, ids.length, T_TRAIN)),
              w.config.nativeInvFreq(), 1.0, StatsRequest.none()).nll());
        }
        direct.put(doc, ControlWindows.merge(full.get(doc + "/native").nll(), windows, T_TRAIN));
      }
    }
    // model_token_stats: every token of both documents (c.txt is too short) x 3 variants
    List<Row> tokens = r.tokens().collectAsList();
    assertEquals(2 * 60 * 3, tokens.size());
    for (Row t : tokens) {
      String doc = Path.of(t.<String>getAs("document")).getFileName().toString();
      int pos = (int) (long) t.<Long>getAs("position");
      ForwardResult fr = full.get(doc + "/" + t.getAs("variant"));
      if (pos == 0) {
        assertTrue(t.isNullAt(t.fieldIndex("nll")));
        continue;
      }
      assertEquals(fr.nll()[pos], t.<Double>getAs("nll"), 1e-9);
      assertEquals(direct.get(doc)[pos], t.<Double>getAs("control_nll"), 1e-9);
      assertEquals(fr.nll()[pos] - direct.get(doc)[pos], t.<Double>getAs("excess"), 1e-9);
      assertEquals(fr.entropy()[1][pos], t.<Double>getList(t.fieldIndex("entropy")).get(1), 1e-9);
      assertEquals(fr.farMass()[0][pos], t.<Double>getList(t.fieldIndex("far_mass")).get(0), 1e-9);
      if ("native".equals(t.getAs("variant")) && pos < T_TRAIN) {
        assertEquals(0.0, t.<Double>getAs("excess"), 0.0); // the control's first window is the native pass itself
      }
    }
    // model_position_profile: mean over the two documents of each document's bucket mean (exact buckets here)
    Row p = r.profile().where(col("variant").equalTo("b25").and(col("layer").equalTo(1)).and(col("bucket").equalTo(37)))
        .head();
    double ea = full.get("a.txt/b25").entropy()[1][37];
    double eb = full.get("b.txt/b25").entropy()[1][37];
    assertEquals((ea + eb) / 2, p.<Double>getAs("entropy_mean"), 1e-9);
    double sd = Math.abs(ea - eb) / Math.sqrt(2);
    assertEquals((ea + eb) / 2 + 12.706 * sd / Math.sqrt(2), p.<Double>getAs("entropy_upper"), 1e-9);
    assertEquals(2L, p.<Long>getAs("documents"));
    assertEquals(37L, p.<Long>getAs("position_start"));
    // model_measured_bounds: one row per variant with the laws' predictions for the same frequencies
    List<Row> bounds = r.bounds().orderBy("variant").collectAsList();
    assertEquals(List.of("b25", "linear-x2", "native"), bounds.stream().map(b -> b.<String>getAs("variant")).toList());
    Row nat = bounds.get(2);
    assertEquals(ScalingLaws.bounds(InferenceVariant.NATIVE.config(HD, HD, T_TRAIN, 100)).extrapolationBound(),
        nat.<Double>getAs("extrapolation_bound"), 1e-9);
    assertEquals(60L, nat.<Long>getAs("evaluated_length"));
    Row lin = bounds.get(1);
    assertEquals(32.0, lin.<Double>getAs("angle_coverage_bound"), 1e-9); // linear x2 at T_tune = T_train: 2 T_train
    // model_qk_correlation: C_i(m) of layer 0 against direct sums over both documents' native q/k
    List<Row> qk = r.qk().where(col("layer").equalTo(0).and(col("head").equalTo(3)).and(col("pair").equalTo(1))
        .and(col("bucket").equalTo(9))).collectAsList();
    assertEquals(1, qk.size());
    double re = 0;
    double im = 0;
    long pairs = 0;
    try (LlamaForward f = new LlamaForward(w, 1)) {
      for (String doc : new String[] {"a.txt", "b.txt"}) {
        int[] ids = java.util.Arrays.copyOf(tok.encode(readString(dir.resolve(doc))), 60);
        ForwardResult fr = f.forward(ids, w.config.nativeInvFreq(), 1.0, new StatsRequest(new int[] {0}, 5, true));
        float[][] q = fr.preRopeQ()[0];
        float[][] k = fr.preRopeK()[0];
        for (int t = 9; t < ids.length; t++) {
          double a = q[t][3 * HD + 2];
          double b = q[t][3 * HD + 3];
          double c = k[t - 9][1 * HD + 2];
          double d = k[t - 9][1 * HD + 3];
          re += a * c + b * d;
          im += b * c - a * d;
          pairs++;
        }
      }
    }
    assertEquals(pairs, qk.get(0).<Long>getAs("pairs"));
    assertEquals(re / pairs, qk.get(0).<Double>getAs("c_re"), 1e-6 * (1 + Math.abs(re / pairs)));
    assertEquals(im / pairs, qk.get(0).<Double>getAs("c_im"), 1e-6 * (1 + Math.abs(im / pairs)));
    // model_logit_profile: the SQL engine against the JVM computation on the same correlation
    List<Row> c = r.qk().orderBy("layer", "head", "bucket", "pair").collectAsList();
    Map<String, double[][]> perHead = new HashMap<>();
    for (Row x : c) {
      double[][] v = perHead.computeIfAbsent(x.getAs("layer") + "/" + x.getAs("head") + "/" + x.getAs("bucket"),
          k -> new double[2][HD / 2]);
      v[0][x.<Integer>getAs("pair")] = x.getAs("c_re");
      v[1][x.<Integer>getAs("pair")] = x.getAs("c_im");
    }
    List<Row> logits = r.logits().collectAsList();
    assertEquals(3 * LAYERS * HEADS * PositionBuckets.count(59), logits.size());
    for (Row x : logits) {
      double[][] v = perHead.get(x.getAs("layer") + "/" + x.getAs("head") + "/" + x.getAs("bucket"));
      double jvm = LogitProfile.logit(v[0], v[1], x.<Long>getAs("position_start"), x.<Double>getAs("base"), HD);
      assertEquals(jvm, x.<Double>getAs("logit"), 1e-12 * (1 + Math.abs(jvm)));
    }
  }

  static String readString(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void badSectionsNameTheField() {
    RopeInputException e = assertThrows(RopeInputException.class,
        () -> ModelAttentionSettings.from(spec("  gguf: tiny.gguf\n  paths: [a.txt]\n  max_token: 5\n"), null));
    assertTrue(e.getMessage().contains("model_attention.max_token"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> ModelAttentionSettings.from(
        spec("  paths: [a.txt]\n  variants: [{type: ntk}]\n"), null));
    assertTrue(e.getMessage().contains("variants[0].factor"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> ModelAttentionSettings.from(
        spec("  paths: [a.txt]\n  variants: [{base: 0.5}]\n"), null));
    assertTrue(e.getMessage().contains("base"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> ModelAttentionSettings.from(
        spec("  paths: [a.txt]\n  excess_threshold: -1\n"), null));
    assertTrue(e.getMessage().contains("excess_threshold"), e.getMessage());
    // types are bound with the spec (SpecDocument.ModelAttention): the path names the entry
    e = assertThrows(RopeInputException.class, () -> spec("  paths: [a.txt]\n  documents: '3'\n"));
    assertTrue(e.getMessage().contains("model_attention.documents"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> spec("  paths: [a.txt]\n  layers: [0, 1.5]\n"));
    assertTrue(e.getMessage().contains("model_attention.layers[1]"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> spec("  paths: [a.txt]\n  variants: [{base: 1e5, factr: 2}]\n"));
    assertTrue(e.getMessage().contains("model_attention.variants[0].factr"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> ModelAttentionSettings.from(
        spec("  paths: [a.txt]\n  variants: [nativ]\n"), null));
    assertTrue(e.getMessage().contains("model_attention.variants[0]") && e.getMessage().contains("nativ"), e.getMessage());
    e = assertThrows(RopeInputException.class, () -> ModelAttentionSettings.from(
        spec("  paths: [a.txt]\n  documents: 0\n"), null));
    assertTrue(e.getMessage().contains("model_attention.documents"), e.getMessage());
    ModelAttentionSettings ok = ModelAttentionSettings.from(spec("  paths: [a.txt]\n"), null);
    assertEquals(ModelAttentionSettings.defaultGguf().toString(), ok.gguf());
    assertEquals("smollm2-135m", ok.name());
    assertEquals(List.of(InferenceVariant.NATIVE), ok.variants());
    assertNull(ok.layers());
    assertEquals("yarn-x4-b400000", InferenceVariant.of(400000, RopeScaling.of("yarn", 4)).label());
  }
}
