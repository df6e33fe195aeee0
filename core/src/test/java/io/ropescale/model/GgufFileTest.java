package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.rope.RopeInputException;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF reader against hand-made files: every supported tensor type holds blocks built byte by
 * byte from ggml's block layouts (ggml-common.h), and the expected values are the block formulas
 * evaluated by hand here.
 */
class GgufFileTest {
  @TempDir Path dir;

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** F16 bit patterns with their exact values. */
  private static final int[] HALF_BITS = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8400, 0x3555, 0x0000};
  private static final float[] HALF_VALUES = {1f, -2f, 0.5f, 65504f, 0x1p-24f, -0x1p-14f, 0.333251953125f, 0f};

  @Test
  void halfConversionIsExact() {
    for (int i = 0; i < HALF_BITS.length; i++) {
      assertEquals(HALF_VALUES[i], GgmlType.halfToFloat(HALF_BITS[i]), "bits 0x" + Integer.toHexString(HALF_BITS[i]));
      assertEquals((short) HALF_BITS[i], GgmlType.floatToHalf(HALF_VALUES[i]));
    }
    assertEquals(Float.POSITIVE_INFINITY, GgmlType.halfToFloat(0x7C00));
    assertTrue(Float.isNaN(GgmlType.halfToFloat(0x7E00)));
  }

  @Test
  void everySupportedTensorTypeDequantizesLikeGgml() {
    // F32: 4 values
    float[] f32 = {1.5f, -2.25f, 3e-8f, 1e30f};
    // F16: the bit patterns above
    ByteBuffer f16 = le(2 * HALF_BITS.length);
    for (int h : HALF_BITS) {
      f16.putShort((short) h);
    }
    // Q8_0, two blocks: d = 0.5 (0x3800), q = j - 16 ; d = -0.25 (0xB400), q = 127 - 8j
    ByteBuffer q8 = le(68);
    float[] q8Want = new float[64];
    q8.putShort((short) 0x3800);
    for (int j = 0; j < 32; j++) {
      q8.put((byte) (j - 16));
      q8Want[j] = (j - 16) * 0.5f;
    }
    q8.putShort((short) 0xB400);
    for (int j = 0; j < 32; j++) {
      q8.put((byte) (127 - 8 * j));
      q8Want[32 + j] = (byte) (127 - 8 * j) * -0.25f;
    }
    // Q4_0, one block: d = 0.25 (0x3400); byte j holds quant j (low nibble) and quant j+16 (high)
    ByteBuffer q40 = le(18);
    float[] q40Want = new float[32];
    q40.putShort((short) 0x3400);
    for (int j = 0; j < 16; j++) {
      int lo = j;
      int hi = 15 - j;
      q40.put((byte) (lo | (hi << 4)));
      q40Want[j] = (lo - 8) * 0.25f;
      q40Want[j + 16] = (hi - 8) * 0.25f;
    }
    // Q4_1, one block: d = 0.5 (0x3800), m = -1 (0xBC00); x = q d + m
    ByteBuffer q41 = le(20);
    float[] q41Want = new float[32];
    q41.putShort((short) 0x3800);
    q41.putShort((short) 0xBC00);
    for (int j = 0; j < 16; j++) {
      int lo = (3 * j) % 16;
      int hi = (5 * j + 7) % 16;
      q41.put((byte) (lo | (hi << 4)));
      q41Want[j] = lo * 0.5f - 1f;
      q41Want[j + 16] = hi * 0.5f - 1f;
    }
    Path p = dir.resolve("types.gguf");
    new GgufWriter()
        .put("general.architecture", GgufValueType.STRING, "llama")
        .f32("t.f32", new long[] {2, 2}, f32)
        .tensor("t.f16", new long[] {HALF_BITS.length}, GgmlType.F16, f16.array())
        .tensor("t.q8_0", new long[] {32, 2}, GgmlType.Q8_0, q8.array())
        .tensor("t.q4_0", new long[] {32}, GgmlType.Q4_0, q40.array())
        .tensor("t.q4_1", new long[] {32}, GgmlType.Q4_1, q41.array())
        .write(p);
    try (GgufFile f = GgufFile.open(p)) {
      assertEquals(3, f.version());
      assertArrayEquals(f32, f.dequantize("t.f32"));
      assertArrayEquals(HALF_VALUES, f.dequantize("t.f16"));
      assertArrayEquals(q8Want, f.dequantize("t.q8_0"));
      assertArrayEquals(q40Want, f.dequantize("t.q4_0"));
      assertArrayEquals(q41Want, f.dequantize("t.q4_1"));
      assertEquals(GgmlType.Q8_0, f.tensor("t.q8_0").type());
      assertArrayEquals(new long[] {32, 2}, f.tensor("t.q8_0").dims());
      assertEquals(68, f.tensor("t.q8_0").byteSize());
      assertEquals(20, f.tensorData("t.q4_1").remaining());
      assertNull(f.tensor("absent"));
    }
  }

  @Test
  void metadataOfEveryValueTypeRoundTrips() throws Exception {
    GgufWriter w = new GgufWriter()
        .put("u8", GgufValueType.UINT8, 200)
        .put("i8", GgufValueType.INT8, -5)
        .put("u16", GgufValueType.UINT16, 60000)
        .put("i16", GgufValueType.INT16, -30000)
        .put("u32", GgufValueType.UINT32, 4_000_000_000L)
        .put("i32", GgufValueType.INT32, -7)
        .put("f32", GgufValueType.FLOAT32, 1e-5f)
        .put("bool", GgufValueType.BOOL, true)
        .put("str", GgufValueType.STRING, "Grüße 😀")
        .put("u64", GgufValueType.UINT64, 1L << 40)
        .put("i64", GgufValueType.INT64, -(1L << 40))
        .put("f64", GgufValueType.FLOAT64, Math.PI)
        .putArray("strs", GgufValueType.STRING, List.of("a", "Ġb", ""))
        .putArray("ints", GgufValueType.INT32, List.of(1, -2, 3))
        .putArray("floats", GgufValueType.FLOAT32, List.of(0.5f, -1f));
    byte[] bytes = w.toBytes();
    try (GgufFile f = GgufFile.open(new ByteArrayInputStream(bytes))) {
      Map<String, Object> m = f.metadata();
      assertEquals(200, m.get("u8"));
      assertEquals(-5, m.get("i8"));
      assertEquals(60000, m.get("u16"));
      assertEquals(-30000, m.get("i16"));
      assertEquals(4_000_000_000L, m.get("u32"));
      assertEquals(-7, m.get("i32"));
      assertEquals(1e-5f, m.get("f32"));
      assertEquals(true, m.get("bool"));
      assertEquals("Grüße 😀", f.getString("str"));
      assertEquals(1L << 40, f.getLong("u64"));
      assertEquals(-(1L << 40), f.getLong("i64"));
      assertEquals(Math.PI, f.getDouble("f64"));
      assertArrayEquals(new String[] {"a", "Ġb", ""}, f.getStringArray("strs"));
      assertEquals(List.of(1, -2, 3), f.getArray("ints"));
      assertEquals(List.of(0.5f, -1f), f.getArray("floats"));
      assertEquals(GgufValueType.UINT32, f.metadataType("u32"));
      assertEquals(GgufValueType.ARRAY, f.metadataType("strs"));
      assertEquals(7L, f.getLong("absent", 7));
      Path tmp = f.path();
      assertTrue(Files.exists(tmp));
      f.close();
      assertTrue(Files.notExists(tmp), "the stream's temporary copy is deleted on close");
    }
  }

  @Test
  void unknownTensorTypeIsAnInputErrorNamingIt() {
    Path p = dir.resolve("q4k.gguf");
    new GgufWriter().put("general.architecture", GgufValueType.STRING, "llama")
        .f32("ok", new long[] {1}, new float[] {1})
        .write(p);
    // patch the tensor's type id (F32 = 0) to 12 = Q4_K: the u32 right after its dims
    byte[] b = new GgufWriter().put("general.architecture", GgufValueType.STRING, "llama")
        .tensor("blk.0.attn_q.weight", new long[] {256}, GgmlType.F32, new byte[1024]).toBytes();
    int at = indexOf(b, "blk.0.attn_q.weight".getBytes()) + "blk.0.attn_q.weight".length() + 4 + 8;
    assertEquals(0, b[at]);
    b[at] = 12;
    RopeInputException e = assertThrows(RopeInputException.class, () -> GgufFile.open(new ByteArrayInputStream(b)));
    assertTrue(e.getMessage().contains("Q4_K") && e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
    b[at] = 99;
    e = assertThrows(RopeInputException.class, () -> GgufFile.open(new ByteArrayInputStream(b)));
    assertTrue(e.getMessage().contains("ggml type 99"), e.getMessage());
  }

  @Test
  void architectureOtherThanLlamaIsAnInputErrorNamingIt() {
    Path p = dir.resolve("gpt2.gguf");
    new GgufWriter().put("general.architecture", GgufValueType.STRING, "gpt2").write(p);
    try (GgufFile f = GgufFile.open(p)) {
      RopeInputException e = assertThrows(RopeInputException.class, () -> LlamaConfig.fromGguf(f));
      assertTrue(e.getMessage().contains("gpt2") && e.getMessage().contains("general.architecture"), e.getMessage());
      assertThrows(RopeInputException.class, () -> LlamaWeights.load(f));
    }
  }

  @Test
  void notAGgufFileIsAnInputError() throws Exception {
    Path p = dir.resolve("x.gguf");
    Files.writeString(p, "not a gguf file at all, just text");
    assertThrows(RopeInputException.class, () -> GgufFile.open(p));
    assertThrows(RopeInputException.class, () -> GgufFile.open(dir.resolve("missing.gguf")));
  }

  @Test
  void truncatedTensorDataIsAnInputError() {
    byte[] full = new GgufWriter().put("general.architecture", GgufValueType.STRING, "llama")
        .f32("t", new long[] {64}, new float[64]).toBytes();
    byte[] cut = java.util.Arrays.copyOf(full, full.length - 100);
    RopeInputException e = assertThrows(RopeInputException.class, () -> GgufFile.open(new ByteArrayInputStream(cut)));
    assertTrue(e.getMessage().contains("gguf tensor t"), e.getMessage());
  }

  /** The real model file: the facts the issue states, read from the GGUF. */
  @Test
  void smolLm2FileHasTheStatedShapeAndTypes() {
    try (GgufFile f = GgufFile.open(TestModel.path())) {
      LlamaConfig c = LlamaConfig.fromGguf(f);
      assertEquals(new LlamaConfig(30, 576, 9, 3, 64, 1536, f.getDouble("llama.attention.layer_norm_rms_epsilon"),
          100000, 8192, 49152, 64), c);
      assertEquals(1e-5, c.normEps(), 1e-12);
      assertEquals(GgmlType.Q8_0, f.tensor("token_embd.weight").type());
      assertEquals(GgmlType.Q4_1, f.tensor("blk.0.attn_q.weight").type());
      assertEquals(GgmlType.Q4_1, f.tensor("blk.29.ffn_down.weight").type());
      assertEquals(GgmlType.F32, f.tensor("blk.0.attn_norm.weight").type());
      assertNull(f.tensor("output.weight"), "the head is tied to the embedding");
      assertEquals("smollm", f.getString("tokenizer.ggml.pre"));
      assertEquals(49152, f.getStringArray("tokenizer.ggml.tokens").length);
    }
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
