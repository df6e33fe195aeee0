package io.ropescale.model;

import io.ropescale.rope.RopeInputException;

/**
 * The ggml tensor types the GGUF reader dequantizes, with ggml's numeric ids and block layouts
 * (ggml/src/ggml-common.h): a block of {@link #blockSize()} values takes {@link #blockBytes()}
 * bytes.
 */
public enum GgmlType {
  /** 32-bit IEEE float. */
  F32(0, 1, 4),
  /** 16-bit IEEE half. */
  F16(1, 1, 2),
  /** {@code block_q4_0}: fp16 scale d, 16 bytes of 4-bit quants; x = (q - 8) * d. */
  Q4_0(2, 32, 18),
  /** {@code block_q4_1}: fp16 scale d, fp16 minimum m, 16 bytes of 4-bit quants; x = q * d + m. */
  Q4_1(3, 32, 20),
  /** {@code block_q8_0}: fp16 scale d, 32 signed bytes; x = q * d. */
  Q8_0(8, 32, 34);

  private final int id;
  private final int blockSize;
  private final int blockBytes;

  GgmlType(int id, int blockSize, int blockBytes) {
    this.id = id;
    this.blockSize = blockSize;
    this.blockBytes = blockBytes;
  }

  public int id() {
    return id;
  }

  public int blockSize() {
    return blockSize;
  }

  public int blockBytes() {
    return blockBytes;
  }

  /** Bytes taken by {@code elements} values (a whole number of blocks). */
  public long bytesFor(long elements) {
    return elements / blockSize * blockBytes;
  }

  /** ggml's names of every type id, so an unsupported one is named in the error. */
  private static final String[] NAMES = {
    "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1", "Q2_K", "Q3_K",
    "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S",
    "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M", "BF16", "Q4_0_4_4", "Q4_0_4_8",
    "Q4_0_8_8", "TQ1_0", "TQ2_0"
  };

  /** ggml's name of a type id, e.g. 12 -> "Q4_K"; "type 99" when ggml has none. */
  public static String ggmlName(long id) {
    return id >= 0 && id < NAMES.length ? NAMES[(int) id] : "type " + id;
  }

  /** The supported type with this id; exit 2 naming the tensor and ggml's type name otherwise. */
  public static GgmlType of(long id, String tensor) {
    for (GgmlType t : values()) {
      if (t.id == id) {
        return t;
      }
    }
    throw new RopeInputException("gguf tensor " + tensor + " type", ggmlName(id) + " (ggml type " + id + ")",
        "unsupported tensor type; supported: F32, F16, Q8_0, Q4_0, Q4_1");
  }

  /** IEEE 754 binary16 to float (ggml's GGML_FP16_TO_FP32; exact, every half is a float). */
  public static float halfToFloat(int h) {
    int sign = (h >>> 15) & 1;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    float v;
    if (exp == 0) {
      v = mant * 0x1p-24f; // subnormal: mant * 2^-14 * 2^-10
    } else if (exp == 31) {
      v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    } else {
      v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
    }
    return sign == 0 ? v : -v;
  }

  /** float to binary16, round to nearest even (used by the GGUF writer for F16 tensors). */
  public static short floatToHalf(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (((bits >>> 23) & 0xff) == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    if (exp >= 31) {
      return (short) (sign | 0x7c00);
    }
    if (exp <= 0) {
      if (exp < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - exp;
      int half = mant >> shift;
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (exp << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
      half++; // may carry into the exponent, which is the correct rounding
    }
    return (short) (sign | half);
  }

  /**
   * Dequantizes {@code n} values (a whole number of blocks) starting at the buffer's position
   * into {@code out[outOff..]}, exactly as ggml's {@code dequantize_row_*} (fp32 arithmetic).
   */
  public void dequantize(java.nio.ByteBuffer src, int n, float[] out, int outOff) {
    java.nio.ByteBuffer b = src.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int p = b.position();
    switch (this) {
      case F32:
        for (int i = 0; i < n; i++) {
          out[outOff + i] = b.getFloat(p + 4 * i);
        }
        break;
      case F16:
        for (int i = 0; i < n; i++) {
          out[outOff + i] = halfToFloat(b.getShort(p + 2 * i) & 0xffff);
        }
        break;
      case Q4_0:
        for (int blk = 0; blk < n / 32; blk++, p += 18) {
          float d = halfToFloat(b.getShort(p) & 0xffff);
          int o = outOff + blk * 32;
          for (int j = 0; j < 16; j++) {
            int q = b.get(p + 2 + j) & 0xff;
            out[o + j] = ((q & 0x0f) - 8) * d;
            out[o + j + 16] = ((q >>> 4) - 8) * d;
          }
        }
        break;
      case Q4_1:
        for (int blk = 0; blk < n / 32; blk++, p += 20) {
          float d = halfToFloat(b.getShort(p) & 0xffff);
          float m = halfToFloat(b.getShort(p + 2) & 0xffff);
          int o = outOff + blk * 32;
          for (int j = 0; j < 16; j++) {
            int q = b.get(p + 4 + j) & 0xff;
            out[o + j] = (q & 0x0f) * d + m;
            out[o + j + 16] = (q >>> 4) * d + m;
          }
        }
        break;
      case Q8_0:
        for (int blk = 0; blk < n / 32; blk++, p += 34) {
          float d = halfToFloat(b.getShort(p) & 0xffff);
          int o = outOff + blk * 32;
          for (int j = 0; j < 32; j++) {
            out[o + j] = b.get(p + 2 + j) * d;
          }
        }
        break;
      default:
        throw new IllegalStateException(name());
    }
  }
}
