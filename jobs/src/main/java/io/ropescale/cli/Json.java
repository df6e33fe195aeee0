package io.ropescale.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Locale;
import java.util.Map;

/** JSON and aligned-text rendering of command results. */
final class Json {
  private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Json() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "key   value" lines, numbers with up to 7 significant digits. */
  static String table(Map<String, Object> fields) {
    int w = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Object> e : fields.entrySet()) {
      sb.append(String.format(Locale.ROOT, "%-" + w + "s  %s%n", e.getKey(), human(e.getValue())));
    }
    return sb.toString();
  }

  static String human(Object v) {
    if (v == null) {
      return "unbounded";
    }
    if (v instanceof Double d) {
      if (d == Math.rint(d) && Math.abs(d) < 1e15) {
        return Long.toString(d.longValue());
      }
      return String.format(Locale.ROOT, Math.abs(d) >= 1e7 ? "%.4e" : "%.2f", d);
    }
    return String.valueOf(v);
  }
}
