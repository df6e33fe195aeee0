package io.ropescale.model;

import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF model file (llama.cpp's format, versions 2 and 3): metadata key/values of every GGUF
 * value type (arrays included), the tensor directory, and tensor data read through a memory map.
 *
 * <p>Layout (little endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count,
 * the metadata (string key, u32 value type, value), the tensor infos (string name, u32 n_dims,
 * u64 dims[n_dims] with dims[0] the contiguous one, u32 ggml type, u64 offset), padding to
 * {@code general.alignment} (default 32), then the data; offsets are relative to its start.
 *
 * <p>Metadata values map to Java as: u8, i8, u16, i16, i32 -> Integer; u32, u64, i64 -> Long;
 * f32 -> Float; f64 -> Double; bool -> Boolean; string -> String; array -> List of those.
 *
 * <p>Every tensor's type is checked at open: a type other than F32, F16, Q8_0, Q4_0 or Q4_1 is a
 * {@link RopeInputException} naming the tensor and ggml's type name (exit 2). The architecture
 * is checked by {@link LlamaConfig#fromGguf}. Hadoop URIs are read by the Spark layer and handed
 * over as a local file or a stream ({@link #open(InputStream)} copies it to a temporary file,
 * deleted on {@link #close()}).
 */
public final class GgufFile implements AutoCloseable {
  private static final int MAGIC = 0x46554747; // "GGUF" little endian

  /** One entry of the tensor directory. {@code dims[0]} is the contiguous (row) dimension. */
  public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
    public long elements() {
      long n = 1;
      for (long d : dims) {
        n *= d;
      }
      return n;
    }

    public long byteSize() {
      return type.bytesFor(elements());
    }
  }

  private final Path path;
  private final Path deleteOnClose;
  private final FileChannel channel;
  private final int version;
  private final Map<String, Object> metadata;
  private final Map<String, GgufValueType> metadataTypes;
  private final Map<String, TensorInfo> tensors;
  private final long dataStart;

  private GgufFile(Path path, Path deleteOnClose) throws IOException {
    this.path = path;
    this.deleteOnClose = deleteOnClose;
    this.channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      Reader r = new Reader(channel, path);
      int magic = r.i32();
      if (magic != MAGIC) {
        throw new RopeInputException("gguf", path, "not a GGUF file (magic 0x" + Integer.toHexString(magic) + ")");
      }
      version = r.i32();
      if (version < 2 || version > 3) {
        throw new RopeInputException("gguf version", version, "unsupported GGUF version in " + path + " (2 and 3 are)");
      }
      long nTensors = r.i64();
      long nKv = r.i64();
      if (nTensors < 0 || nTensors > 1_000_000 || nKv < 0 || nKv > 1_000_000) {
        throw new RopeInputException("gguf", path, "corrupt header (" + nTensors + " tensors, " + nKv + " metadata keys)");
      }
      Map<String, Object> md = new LinkedHashMap<>();
      Map<String, GgufValueType> mdTypes = new LinkedHashMap<>();
      for (long i = 0; i < nKv; i++) {
        String key = r.string();
        GgufValueType t = GgufValueType.of(r.i32(), key);
        md.put(key, r.value(t, key));
        mdTypes.put(key, t);
      }
      Map<String, TensorInfo> ts = new LinkedHashMap<>();
      List<Object[]> raw = new ArrayList<>();
      for (long i = 0; i < nTensors; i++) {
        String name = r.string();
        int nDims = r.i32();
        if (nDims < 1 || nDims > 4) {
          throw new RopeInputException("gguf tensor " + name + " n_dims", nDims, "must be 1 to 4");
        }
        long[] dims = new long[nDims];
        for (int d = 0; d < nDims; d++) {
          dims[d] = r.i64();
        }
        int type = r.i32();
        long offset = r.i64();
        raw.add(new Object[] {name, dims, type, offset});
      }
      for (Object[] t : raw) {
        String name = (String) t[0];
        GgmlType type = GgmlType.of((Integer) t[2], name);
        long[] dims = (long[]) t[1];
        if (dims[0] % type.blockSize() != 0) {
          throw new RopeInputException("gguf tensor " + name + " dims[0]", dims[0],
              "not a multiple of the " + type + " block size " + type.blockSize());
        }
        ts.put(name, new TensorInfo(name, dims, type, (Long) t[3]));
      }
      long alignment = 32;
      Object a = md.get("general.alignment");
      if (a instanceof Number) {
        alignment = ((Number) a).longValue();
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
          throw new RopeInputException("gguf general.alignment", alignment, "must be a power of two");
        }
      }
      long headerEnd = r.position();
      this.dataStart = (headerEnd + alignment - 1) / alignment * alignment;
      long size = channel.size();
      for (TensorInfo t : ts.values()) {
        if (t.offset() < 0 || dataStart + t.offset() + t.byteSize() > size) {
          throw new RopeInputException("gguf tensor " + t.name() + " offset", t.offset(),
              "data runs past the end of " + path + " (file truncated?)");
        }
      }
      this.metadata = Collections.unmodifiableMap(md);
      this.metadataTypes = Collections.unmodifiableMap(mdTypes);
      this.tensors = Collections.unmodifiableMap(ts);
    } catch (RuntimeException | IOException e) {
      channel.close();
      throw e;
    }
  }

  /** Opens a local GGUF file; the tensor data stays on disk behind memory maps. */
  public static GgufFile open(Path path) {
    if (!Files.isRegularFile(path)) {
      throw new RopeInputException("gguf", path, "no such file");
    }
    try {
      return new GgufFile(path, null);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + path, e);
    }
  }

  /**
   * Reads a GGUF from a stream (e.g. a Hadoop FileSystem stream opened by the Spark layer): the
   * bytes go to a temporary file, which is memory-mapped and deleted on {@link #close()}.
   */
  public static GgufFile open(InputStream in) {
    try {
      Path tmp = Files.createTempFile("ropescale-model-", ".gguf");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        return new GgufFile(tmp, tmp);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading a GGUF stream", e);
    }
  }

  public Path path() {
    return path;
  }

  public int version() {
    return version;
  }

  /** All metadata, in file order. */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /** The GGUF value type of a metadata key (for arrays: ARRAY), or null when absent. */
  public GgufValueType metadataType(String key) {
    return metadataTypes.get(key);
  }

  public boolean has(String key) {
    return metadata.containsKey(key);
  }

  /** A required string value; exit 2 naming the key when missing or not a string. */
  public String getString(String key) {
    Object v = require(key);
    if (!(v instanceof String)) {
      throw new RopeInputException("gguf metadata " + key, v, "expected a string");
    }
    return (String) v;
  }

  /** A required integer value of any GGUF integer type. */
  public long getLong(String key) {
    Object v = require(key);
    if (!(v instanceof Integer || v instanceof Long)) {
      throw new RopeInputException("gguf metadata " + key, v, "expected an integer");
    }
    return ((Number) v).longValue();
  }

  /** An integer value, or {@code dflt} when the key is absent. */
  public long getLong(String key, long dflt) {
    return has(key) ? getLong(key) : dflt;
  }

  /** A required number of any GGUF numeric type. */
  public double getDouble(String key) {
    Object v = require(key);
    if (!(v instanceof Number)) {
      throw new RopeInputException("gguf metadata " + key, v, "expected a number");
    }
    return ((Number) v).doubleValue();
  }

  public double getDouble(String key, double dflt) {
    return has(key) ? getDouble(key) : dflt;
  }

  /** A required array value. */
  public List<?> getArray(String key) {
    Object v = require(key);
    if (!(v instanceof List)) {
      throw new RopeInputException("gguf metadata " + key, abbreviate(v), "expected an array");
    }
    return (List<?>) v;
  }

  /** A required array of strings. */
  public String[] getStringArray(String key) {
    List<?> l = getArray(key);
    String[] out = new String[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(l.get(i) instanceof String)) {
        throw new RopeInputException("gguf metadata " + key + "[" + i + "]", l.get(i), "expected a string");
      }
      out[i] = (String) l.get(i);
    }
    return out;
  }

  /** {@code general.architecture}. */
  public String architecture() {
    return getString("general.architecture");
  }

  private Object require(String key) {
    Object v = metadata.get(key);
    if (v == null) {
      throw new RopeInputException("gguf metadata " + key, "(absent)", "required key missing from " + path);
    }
    return v;
  }

  private static String abbreviate(Object v) {
    String s = String.valueOf(v);
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  /** The tensor directory, in file order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** A tensor's info, or null when the file has none of that name. */
  public TensorInfo tensor(String name) {
    return tensors.get(name);
  }

  /** A read-only little-endian memory map of a tensor's raw (possibly quantized) bytes. */
  public ByteBuffer tensorData(String name) {
    TensorInfo t = requireTensor(name);
    if (t.byteSize() > Integer.MAX_VALUE) {
      throw new RopeInputException("gguf tensor " + name, t.byteSize() + " bytes", "larger than 2 GiB");
    }
    try {
      return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.offset(), t.byteSize())
          .order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException("mapping tensor " + name + " of " + path, e);
    }
  }

  /** A tensor dequantized to fp32, in ggml element order (dims[0] fastest). */
  public float[] dequantize(String name) {
    TensorInfo t = requireTensor(name);
    if (t.elements() > Integer.MAX_VALUE - 8) {
      throw new RopeInputException("gguf tensor " + name, t.elements() + " elements", "too large for one fp32 array");
    }
    float[] out = new float[(int) t.elements()];
    ByteBuffer data = tensorData(name);
    // row by row keeps every buffer index within int range and lets rows go in parallel later
    int row = (int) t.dims()[0];
    long rowBytes = t.type().bytesFor(row);
    int rows = out.length / row;
    for (int r = 0; r < rows; r++) {
      ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      b.position((int) (r * rowBytes));
      t.type().dequantize(b, row, out, r * row);
    }
    return out;
  }

  /** A tensor's info; exit 2 naming it when absent. */
  public TensorInfo requireTensor(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new RopeInputException("gguf tensor", name, "missing from " + path);
    }
    return t;
  }

  @Override
  public void close() {
    try {
      channel.close();
      if (deleteOnClose != null) {
        Files.deleteIfExists(deleteOnClose);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sequential little-endian reader over the header, refilling a 1 MiB window. */
  private static final class Reader {
    private final FileChannel ch;
    private final Path path;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private long bufStart;

    Reader(FileChannel ch, Path path) throws IOException {
      this.ch = ch;
      this.path = path;
      buf.limit(0);
      bufStart = 0;
    }

    long position() {
      return bufStart + buf.position();
    }

    private void need(int n) throws IOException {
      if (buf.remaining() >= n) {
        return;
      }
      long pos = position();
      buf.compact();
      bufStart = pos;
      while (buf.position() < n) {
        int got = ch.read(buf, bufStart + buf.position());
        if (got < 0) {
          throw new RopeInputException("gguf", path, "truncated header (file ends inside the metadata)");
        }
      }
      buf.flip();
    }

    int i32() throws IOException {
      need(4);
      return buf.getInt();
    }

    long i64() throws IOException {
      need(8);
      return buf.getLong();
    }

    String string() throws IOException {
      long len = i64();
      if (len < 0 || len > (1 << 20) - 16) {
        throw new RopeInputException("gguf", path, "corrupt string length " + len);
      }
      need((int) len);
      byte[] b = new byte[(int) len];
      buf.get(b);
      return new String(b, StandardCharsets.UTF_8);
    }

    Object value(GgufValueType t, String key) throws IOException {
      switch (t) {
        case UINT8: need(1); return buf.get() & 0xff;
        case INT8: need(1); return (int) buf.get();
        case UINT16: need(2); return buf.getShort() & 0xffff;
        case INT16: need(2); return (int) buf.getShort();
        case UINT32: need(4); return buf.getInt() & 0xffffffffL;
        case INT32: need(4); return buf.getInt();
        case FLOAT32: need(4); return buf.getFloat();
        case BOOL: need(1); return buf.get() != 0;
        case STRING: return string();
        case UINT64:
        case INT64: need(8); return buf.getLong();
        case FLOAT64: need(8); return buf.getDouble();
        case ARRAY: {
          GgufValueType et = GgufValueType.of(i32(), key + "[]");
          long n = i64();
          if (n < 0 || n > 100_000_000) {
            throw new RopeInputException("gguf metadata " + key, n + " elements", "corrupt array length");
          }
          List<Object> l = new ArrayList<>((int) n);
          for (long i = 0; i < n; i++) {
            l.add(value(et, key));
          }
          return Collections.unmodifiableList(l);
        }
        default:
          throw new IllegalStateException(t.name());
      }
    }
  }
}
