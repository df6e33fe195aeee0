package io.ropescale.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ropescale.rope.HfConfigs;
import io.ropescale.rope.ModelCatalog;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeModel;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.RopeTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A YAML sweep spec: models x RoPE types x tuning lengths x bases, plus per-stage sections
 * ({@code attention}, {@code base_search}, {@code corpus}, ...) that each stage validates itself.
 * Every error names the spec field and its value.
 */
public final class SweepSpec {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final Set<String> TOP_LEVEL = Set.of(
      "name", "models", "bases", "tune_lengths", "rope_types", "attention", "base_search", "corpus", "fit", "report",
      "model_attention");

  public final String name;
  public final String text;
  public final List<RopeModel> models;
  public final List<Double> bases; // empty: each model's own rope_theta
  public final List<Long> tuneLengths; // empty: each model's training length
  public final List<JsonNode> ropeTypes;
  private final JsonNode root;
  private final Path dir;

  private SweepSpec(String name, String text, JsonNode root, Path dir) {
    this.text = text;
    this.root = root;
    this.dir = dir;
    Iterator<String> keys = root.fieldNames();
    while (keys.hasNext()) {
      String k = keys.next();
      if (!TOP_LEVEL.contains(k)) {
        throw new RopeInputException("spec." + k, root.get(k), "unknown key; expected one of " + TOP_LEVEL);
      }
    }
    this.name = root.hasNonNull("name") ? root.get("name").asText() : name;
    this.models = parseModels(root.get("models"));
    this.bases = parseBases(root.get("bases"));
    this.tuneLengths = parseLengths(root.get("tune_lengths"), "spec.tune_lengths");
    this.ropeTypes = new ArrayList<>();
    JsonNode rt = root.get("rope_types");
    if (rt == null || rt.isNull()) {
      ropeTypes.add(YAML.getNodeFactory().textNode("default"));
    } else if (!rt.isArray() || rt.isEmpty()) {
      throw new RopeInputException("spec.rope_types", rt, "must be a non-empty list");
    } else {
      rt.forEach(ropeTypes::add);
    }
    configurations(); // validate every combination now, before any Spark work
  }

  public static SweepSpec load(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (IOException e) {
      throw new RopeInputException("spec", path, "cannot be read: " + e.getMessage());
    }
    String base = path.getFileName().toString().replaceFirst("\\.ya?ml$", "");
    return parse(text, base, path.toAbsolutePath().getParent());
  }

  public static SweepSpec parse(String text, String defaultName, Path dir) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (IOException e) {
      throw new RopeInputException("spec", defaultName, "is not valid YAML: " + e.getMessage().split("\n")[0]);
    }
    if (root == null || !root.isObject()) {
      throw new RopeInputException("spec", defaultName, "must be a YAML mapping with at least 'models'");
    }
    return new SweepSpec(defaultName, text, root, dir);
  }

  /** A stage's own section, or a missing node. */
  public JsonNode section(String key) {
    JsonNode n = root.get(key);
    return n == null || n.isNull() ? MissingNode.getInstance() : n;
  }

  public Path resolve(String path) {
    Path p = Path.of(path);
    return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
  }

  private List<RopeModel> parseModels(JsonNode node) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new RopeInputException("spec.models", node, "must be a non-empty list of model names, numbers or config paths");
    }
    List<RopeModel> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      JsonNode m = node.get(i);
      String field = "spec.models[" + i + "]";
      if (m.isTextual()) {
        out.add(ModelCatalog.bundled().get(m.asText()));
      } else if (m.isObject() && m.hasNonNull("hf_config")) {
        out.add(HfConfigs.read(resolve(m.get("hf_config").asText())));
      } else if (m.isObject()) {
        out.add(explicitModel(m, field));
      } else {
        throw new RopeInputException(field, m, "must be a model name, {hf_config: path} or explicit numbers");
      }
    }
    return out;
  }

  private static RopeModel explicitModel(JsonNode m, String field) {
    int headDim = (int) number(m, "head_dim", field);
    int rotaryDim = m.hasNonNull("rotary_dim") ? (int) number(m, "rotary_dim", field)
        : m.hasNonNull("partial_rotary_factor")
            ? RopeConfig.rotaryDimOf(headDim, number(m, "partial_rotary_factor", field)) : headDim;
    double theta = m.hasNonNull("rope_theta") ? number(m, "rope_theta", field) : 10000;
    long train = (long) number(m, "train_len", field);
    long maxPos = m.hasNonNull("max_position_embeddings") ? (long) number(m, "max_position_embeddings", field) : train;
    String name = m.hasNonNull("name") ? m.get("name").asText() : "d" + rotaryDim + "-T" + train + "-b" + theta;
    RopeModel model = new RopeModel(name, headDim, rotaryDim, theta, train, maxPos, RopeScaling.DEFAULT, "spec");
    model.config();
    return model;
  }

  private static double number(JsonNode n, String key, String field) {
    JsonNode v = n.get(key);
    if (v == null || !v.isNumber()) {
      throw new RopeInputException(field + "." + key, v == null ? "missing" : v, "must be a number");
    }
    return v.asDouble();
  }

  private static List<Double> parseBases(JsonNode node) {
    return parseBases(node, "spec.bases");
  }

  /** A list of bases or a log range {from, to, per_decade}; errors name {@code field}. */
  public static List<Double> parseBases(JsonNode node, String field) {
    List<Double> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isObject()) {
      // a log range: {from, to, per_decade}
      double from = RopeInputException.requireBase(field + ".from", number(node, "from", field));
      double to = RopeInputException.requireBase(field + ".to", number(node, "to", field));
      double perDecade = number(node, "per_decade", field);
      if (!(to >= from)) {
        throw new RopeInputException(field + ".to", to, "must be >= from " + from);
      }
      if (!(perDecade >= 1 && perDecade <= 10000)) {
        throw new RopeInputException(field + ".per_decade", perDecade, "must be in [1, 10000]");
      }
      long k0 = (long) Math.ceil(Math.log10(from) * perDecade - 1e-9);
      long k1 = (long) Math.floor(Math.log10(to) * perDecade + 1e-9);
      if (k1 - k0 > 100000) {
        throw new RopeInputException(field, node, "range has " + (k1 - k0 + 1) + " bases; at most 100000");
      }
      for (long k = k0; k <= k1; k++) {
        out.add(Math.pow(10, k / perDecade));
      }
      if (out.isEmpty()) {
        throw new RopeInputException(field, node, "range holds no grid point");
      }
      return out;
    }
    if (!node.isArray() || node.isEmpty()) {
      throw new RopeInputException(field, node, "must be a non-empty list or {from, to, per_decade}");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode b = node.get(i);
      if (!b.isNumber()) {
        throw new RopeInputException(field + "[" + i + "]", b, "must be a number");
      }
      out.add(RopeInputException.requireBase(field + "[" + i + "]", b.asDouble()));
    }
    return out;
  }

  static List<Long> parseLengths(JsonNode node, String field) {
    List<Long> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray() || node.isEmpty()) {
      throw new RopeInputException(field, node, "must be a non-empty list of token counts");
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode t = node.get(i);
      if (!t.isIntegralNumber() && !(t.isNumber() && t.asDouble() == Math.rint(t.asDouble()))) {
        throw new RopeInputException(field + "[" + i + "]", t, "must be a whole number of tokens");
      }
      out.add(RopeInputException.requireLength(field + "[" + i + "]", t.asLong()));
    }
    return out;
  }

  /** The scaling for a rope_types entry applied to a model. */
  private static RopeScaling scaling(JsonNode entry, RopeModel model, String field) {
    if (entry.isTextual()) {
      String t = entry.asText().toLowerCase(Locale.ROOT);
      if (t.equals("model")) {
        return model.scaling();
      }
      if (!t.equals("default")) {
        throw new RopeInputException(field, t,
            "a bare name must be 'default' or 'model'; scaled types need {type, factor, ...}");
      }
      return RopeScaling.DEFAULT;
    }
    if (!entry.isObject() || !entry.hasNonNull("type")) {
      throw new RopeInputException(field, entry, "must be 'default', 'model' or {type: " + RopeTypes.names() + ", factor: ...}");
    }
    return new RopeScaling(
        entry.get("type").asText(),
        opt(entry, "factor", field),
        entry.hasNonNull("original_max_position_embeddings")
            ? (long) number(entry, "original_max_position_embeddings", field) : 0,
        opt(entry, "low_freq_factor", field),
        opt(entry, "high_freq_factor", field),
        opt(entry, "beta_fast", field),
        opt(entry, "beta_slow", field),
        null, null);
  }

  private static double opt(JsonNode n, String key, String field) {
    return n.hasNonNull(key) ? number(n, key, field) : Double.NaN;
  }

  /** One configuration of the sweep, with the stable id every table joins on. */
  public record Configuration(String model, String configId, RopeConfig config) {}

  /** Every combination, in spec order; duplicates (same id) appear once. */
  public List<Configuration> configurations() {
    List<Configuration> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (RopeModel m : models) {
      for (int r = 0; r < ropeTypes.size(); r++) {
        RopeScaling s = scaling(ropeTypes.get(r), m, "spec.rope_types[" + r + "]");
        List<Long> tunes = tuneLengths.isEmpty() ? List.of(m.trainLen()) : tuneLengths;
        List<Double> bs = bases.isEmpty() ? List.of(m.ropeTheta()) : bases;
        for (long tune : tunes) {
          if (tune < m.trainLen()) {
            throw new RopeInputException("spec.tune_lengths", tune,
                "is shorter than model " + m.name() + "'s training length " + m.trainLen());
          }
          for (double b : bs) {
            RopeConfig c = m.config().withTuning(tune, b, s);
            String id = configId(m.name(), c);
            if (seen.add(id)) {
              out.add(new Configuration(m.name(), id, c));
            }
          }
        }
      }
    }
    return out;
  }

  /** A readable, stable key: model/type[xfactor]/T{tune}/b{base}. */
  public static String configId(String model, RopeConfig c) {
    RopeScaling s = c.scaling();
    String type = s.isDefault() ? "default"
        : Double.isNaN(s.factor()) ? s.type() : s.type() + "x" + trim(s.factor());
    return model + "/" + type + "/T" + c.tuneLen() + "/b" + trim(c.base());
  }

  static String trim(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) {
      return Long.toString((long) x);
    }
    return String.format(Locale.ROOT, "%.6g", x).replaceFirst("\\.?0+(e|$)", "$1");
  }
}
