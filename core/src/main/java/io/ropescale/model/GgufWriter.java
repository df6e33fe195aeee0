package io.ropescale.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF version 3 files (the layout {@link GgufFile} reads): for tests and for small models
 * built in code. Metadata values are written with an explicit {@link GgufValueType}; array values
 * are Lists. Tensor data is given as raw bytes of its ggml type ({@link #tensor}) or as fp32
 * values ({@link #f32}). Alignment is 32 bytes.
 */
public final class GgufWriter {
  private static final int ALIGNMENT = 32;

  private record Kv(String key, GgufValueType type, GgufValueType elementType, Object value) {}

  private record Tensor(String name, long[] dims, GgmlType type, byte[] data) {}

  private final List<Kv> kvs = new ArrayList<>();
  private final List<Tensor> tensors = new ArrayList<>();

  /** A scalar or string value. */
  public GgufWriter put(String key, GgufValueType type, Object value) {
    if (type == GgufValueType.ARRAY) {
      throw new IllegalArgumentException("use putArray for arrays");
    }
    kvs.add(new Kv(key, type, null, value));
    return this;
  }

  /** An array value with elements of {@code elementType}. */
  public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
    kvs.add(new Kv(key, GgufValueType.ARRAY, elementType, values));
    return this;
  }

  /** A tensor of raw ggml-type bytes; {@code dims[0]} is the contiguous dimension. */
  public GgufWriter tensor(String name, long[] dims, GgmlType type, byte[] data) {
    tensors.add(new Tensor(name, dims.clone(), type, data.clone()));
    return this;
  }

  /** An F32 tensor. */
  public GgufWriter f32(String name, long[] dims, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return tensor(name, dims, GgmlType.F32, b.array());
  }

  /** Writes the file (the same bytes as {@link #toBytes()}). */
  public void write(Path path) {
    try {
      Files.write(path, toBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The whole file. */
  public byte[] toBytes() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Le o = new Le(out);
      o.u32(0x46554747);
      o.u32(3);
      o.u64(tensors.size());
      o.u64(kvs.size());
      for (Kv kv : kvs) {
        o.string(kv.key());
        o.u32(kv.type().ordinal());
        if (kv.type() == GgufValueType.ARRAY) {
          List<?> l = (List<?>) kv.value();
          o.u32(kv.elementType().ordinal());
          o.u64(l.size());
          for (Object v : l) {
            o.value(kv.elementType(), v);
          }
        } else {
          o.value(kv.type(), kv.value());
        }
      }
      long offset = 0;
      List<Long> offsets = new ArrayList<>();
      for (Tensor t : tensors) {
        o.string(t.name());
        o.u32(t.dims().length);
        for (long d : t.dims()) {
          o.u64(d);
        }
        o.u32(t.type().id());
        o.u64(offset);
        offsets.add(offset);
        offset = align(offset + t.data().length);
      }
      pad(out);
      for (Tensor t : tensors) {
        out.write(t.data());
        pad(out);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long align(long x) {
    return (x + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  private static void pad(ByteArrayOutputStream out) {
    while (out.size() % ALIGNMENT != 0) {
      out.write(0);
    }
  }

  /** Little-endian primitive writer. */
  private static final class Le {
    private final OutputStream out;

    Le(OutputStream out) {
      this.out = out;
    }

    void u32(long v) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v);
      out.write(b.array());
    }

    void u64(long v) throws IOException {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    void string(String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u64(b.length);
      out.write(b);
    }

    void value(GgufValueType t, Object v) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      switch (t) {
        case UINT8:
        case INT8:
          out.write(((Number) v).intValue());
          return;
        case BOOL:
          out.write(((Boolean) v) ? 1 : 0);
          return;
        case UINT16:
        case INT16:
          out.write(b.putShort(((Number) v).shortValue()).array(), 0, 2);
          return;
        case UINT32:
        case INT32:
          out.write(b.putInt(((Number) v).intValue()).array(), 0, 4);
          return;
        case FLOAT32:
          out.write(b.putFloat(((Number) v).floatValue()).array(), 0, 4);
          return;
        case UINT64:
        case INT64:
          out.write(b.putLong(((Number) v).longValue()).array(), 0, 8);
          return;
        case FLOAT64:
          out.write(b.putDouble(((Number) v).doubleValue()).array(), 0, 8);
          return;
        case STRING:
          string((String) v);
          return;
        default:
          throw new IllegalArgumentException("nested arrays are not written: " + t);
      }
    }
  }
}
