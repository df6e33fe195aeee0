package io.ropescale.jobs;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * The one reader of sweep specs: YAML bound to the records of {@link SpecDocument}. Unknown keys
 * are errors; so are strings where numbers belong and fractions where whole numbers belong. Every
 * error names the key by its path in the spec ({@code spec.corpus.colour}), its line and column,
 * and the value, as a {@link RopeInputException} (CLI exit 2).
 *
 * <p>Hostile YAML is refused before it costs anything: a spec is at most {@value #MAX_CHARS}
 * characters (checked before parsing: SnakeYAML's own code-point limit only trips after scanning,
 * which takes seconds for megabytes of one scalar) and nests at most {@value #MAX_DEPTH} levels
 * (checked by a streaming pass, before any tree is built). Jackson's YAML parser never expands an
 * alias (it reads as its anchor's name), so a "billion laughs" alias bomb is a few short strings
 * that fail binding.
 */
final class SpecYaml {
  static final int MAX_CHARS = 64 * 1024;
  static final int MAX_DEPTH = 50;

  private static final ObjectMapper MAPPER = mapper();

  private SpecYaml() {}

  private static ObjectMapper mapper() {
    LoaderOptions limits = new LoaderOptions();
    // second line of defence: read() checks the length and the depth itself, before SnakeYAML scans
    limits.setCodePointLimit(MAX_CHARS + 1);
    limits.setNestingDepthLimit(MAX_DEPTH);
    YAMLFactory yaml = YAMLFactory.builder().loaderOptions(limits)
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build();
    SimpleModule whole = new SimpleModule("whole-numbers")
        .addDeserializer(Long.class, new Whole<>(Long.class, Long.MIN_VALUE, Long.MAX_VALUE, x -> x))
        .addDeserializer(Integer.class, new Whole<>(Integer.class, Integer.MIN_VALUE, Integer.MAX_VALUE, Math::toIntExact));
    return JsonMapper.builder(yaml)
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS) // "10000" is not a number
        .addModule(whole)
        .build();
  }

  /** The document's tree (for its text and presence checks) and its typed binding. */
  record Parsed<T>(JsonNode tree, T value) {}

  /**
   * Reads {@code text} as a {@code type}. {@code origin} names the document in errors about the
   * whole of it (not YAML, not a mapping).
   */
  static <T> Parsed<T> read(String text, Class<T> type, String origin) {
    if (text.length() > MAX_CHARS) {
      throw new RopeInputException("spec", origin, "is " + text.length() + " characters long; a spec holds at most "
          + MAX_CHARS);
    }
    JsonNode tree;
    try {
      checkDepth(text, origin);
      tree = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new RopeInputException("spec", origin, "is not valid YAML: " + firstLine(e.getOriginalMessage())
          + at(e.getLocation()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // a String has no I/O
    }
    if (tree == null || !tree.isObject()) {
      throw new RopeInputException("spec", origin, "must be a YAML mapping with at least 'models'");
    }
    try {
      return new Parsed<>(tree, MAPPER.readValue(text, type));
    } catch (JsonMappingException e) {
      RopeInputException inner = cause(e);
      if (inner != null) {
        throw inner;
      }
      throw translate(e, text, tree);
    } catch (JsonProcessingException e) {
      throw new RopeInputException("spec", origin, "is not valid YAML: " + firstLine(e.getOriginalMessage()));
    }
  }

  /** Refuses nesting deeper than {@link #MAX_DEPTH} in one streaming pass (no tree, no recursion). */
  private static void checkDepth(String text, String origin) throws IOException {
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      int depth = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t.isStructStart() && ++depth > MAX_DEPTH) {
          throw new RopeInputException("spec", origin, "nests deeper than " + MAX_DEPTH + " levels"
              + at(p.currentTokenLocation()));
        } else if (t.isStructEnd()) {
          depth--;
        }
      }
    }
  }

  private static RopeInputException cause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RopeInputException r) {
        return r;
      }
    }
    return null;
  }

  /** A binding error as one line: the key's path, its value, what is wrong, and where it is. */
  static RopeInputException translate(JsonMappingException e, String text, JsonNode tree) {
    List<JsonMappingException.Reference> path = e.getPath();
    StringBuilder field = new StringBuilder("spec");
    StringBuilder pointer = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        field.append('.').append(r.getFieldName());
        pointer.append('/').append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else if (r.getIndex() >= 0) {
        field.append('[').append(r.getIndex()).append(']');
        pointer.append('/').append(r.getIndex());
      }
    }
    JsonNode node = tree.at(JsonPointer.compile(pointer.toString()));
    String value = node.isMissingNode() ? "missing" : shorten(node.toString());
    String where = at(locate(text, pointer.toString()));
    if (e instanceof UnrecognizedPropertyException u) {
      return new RopeInputException(field.toString(), value,
          "unknown key" + where + "; expected one of " + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList());
    }
    String problem = e instanceof MismatchedInputException m && m.getTargetType() != null
        ? expected(m.getTargetType(), e.getOriginalMessage()) : firstLine(e.getOriginalMessage());
    return new RopeInputException(field.toString(), value, problem + where);
  }

  private static String expected(Class<?> target, String original) {
    if (original != null && (original.startsWith("must ") || original.startsWith("is "))) {
      return original; // our own deserializers say what they expect
    }
    if (target == Long.class || target == Integer.class || target == long.class || target == int.class) {
      return "must be a whole number";
    }
    if (target == Double.class || target == double.class) {
      return "must be a number";
    }
    if (target == String.class) {
      return "must be a string";
    }
    if (List.class.isAssignableFrom(target)) {
      return "must be a list";
    }
    if (target.isRecord() || Map.class.isAssignableFrom(target)) {
      return "must be a mapping";
    }
    return firstLine(original);
  }

  /** Where the node at a JSON pointer starts in the YAML text (its key, for a mapping entry), or null. */
  static JsonLocation locate(String text, String pointer) {
    if (pointer.isEmpty()) {
      return null;
    }
    try (JsonParser p = MAPPER.getFactory().createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        JsonPointer here = p.getParsingContext().pathAsPointer();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
          here = p.getParsingContext().getParent() == null ? JsonPointer.empty()
              : p.getParsingContext().getParent().pathAsPointer();
        }
        if (here.toString().equals(pointer)) {
          return p.currentTokenLocation();
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }

  /** A value as the error shows it: at most 120 characters (it may be a whole mapping). */
  private static String shorten(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  private static String at(JsonLocation loc) {
    return loc == null || loc.getLineNr() < 1 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.split("\n")[0];
  }

  /**
   * Whole numbers: integers, or floats with no fraction ({@code 1.6e4} tokens is a length,
   * {@code 4096.5} is not). Jackson's own would truncate fractions silently.
   */
  private static final class Whole<T> extends StdScalarDeserializer<T> {
    private final long min;
    private final long max;
    private final java.util.function.LongFunction<T> box;

    Whole(Class<T> type, long min, long max, java.util.function.LongFunction<T> box) {
      super(type);
      this.min = min;
      this.max = max;
      this.box = box;
    }

    @Override
    public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      double x;
      if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
        x = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? Double.POSITIVE_INFINITY : p.getLongValue();
      } else if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        x = p.getDoubleValue();
      } else {
        return (T) ctxt.reportInputMismatch(this, "must be a whole number");
      }
      if (x != Math.rint(x)) {
        return (T) ctxt.reportInputMismatch(this, "must be a whole number");
      }
      if (!(x >= min && x <= max) || Math.abs(x) >= 0x1p62) {
        return (T) ctxt.reportInputMismatch(this, "is out of range for a whole number here (at most " + max + ")");
      }
      return box.apply(p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG
          ? p.getLongValue() : (long) x);
    }
  }
}
