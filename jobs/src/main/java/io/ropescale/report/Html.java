package io.ropescale.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** Escaping for the two contexts the report writes data into: HTML text/attributes and {@code <script>}. */
public final class Html {
  static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

  private Html() {}

  /** Escapes text for an HTML element body or a quoted attribute value. */
  public static String escape(Object value) {
    String s = String.valueOf(value);
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * JSON that is safe inside a {@code <script>} element: {@code <}, {@code >}, {@code &} and the
   * JavaScript line terminators U+2028/U+2029 are written as {@code \\u003c}-style escapes. They can only
   * occur inside JSON strings, where the escape denotes the same character, so the value is unchanged
   * while no {@code </script>} or {@code <!--} can appear in the page.
   */
  public static String scriptJson(Object value) {
    String json;
    try {
      json = JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    StringBuilder b = new StringBuilder(json.length() + 64);
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      switch (c) {
        case '<' -> b.append("\\u003c");
        case '>' -> b.append("\\u003e");
        case '&' -> b.append("\\u0026");
        case '\u2028' -> b.append("\\u2028");
        case '\u2029' -> b.append("\\u2029");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
