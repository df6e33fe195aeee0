package io.ropescale.model;

/** GGUF metadata value types with their on-disk ids (gguf.md, "gguf_metadata_value_type"). */
public enum GgufValueType {
  UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

  static GgufValueType of(int id, String key) {
    if (id < 0 || id >= values().length) {
      throw new io.ropescale.rope.RopeInputException("gguf metadata " + key + " value type", id,
          "unknown GGUF value type (file corrupt or from a newer GGUF version)");
    }
    return values()[id];
  }
}
