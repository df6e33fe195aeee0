package io.ropescale.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ropescale.rope.ModelCatalog;
import io.ropescale.rope.ModelInputs;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeModel;
import io.ropescale.rope.RopeScaling;
import io.ropescale.rope.RopeTypes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A YAML sweep spec: models x RoPE types x tuning lengths x bases, plus per-stage sections
 * ({@code attention}, {@code base_search}, {@code corpus}) that ask for the stages of
 * {@link StagePlan}. The keys and their types are {@link SpecDocument} (unknown keys are errors,
 * {@link SpecYaml}); this class checks the values. Every error names the spec field and its value.
 */
public final class SweepSpec {
  public final String name;
  public final String text;
  /** The file it was loaded from; null when parsed from text. */
  public final Path path;
  public final SpecDocument doc;
  public final List<RopeModel> models;
  public final List<Double> bases; // empty: each model's own rope_theta
  public final List<Long> tuneLengths; // empty: each model's training length
  public final List<SpecDocument.RopeType> ropeTypes;
  private final JsonNode root;
  private final Path dir;

  private SweepSpec(String defaultName, String text, Path path, Path dir) {
    SpecYaml.Parsed<SpecDocument> parsed = SpecYaml.read(text, SpecDocument.class, defaultName);
    this.text = text;
    this.path = path;
    this.dir = dir;
    this.root = parsed.tree();
    this.doc = parsed.value();
    this.name = doc.name() != null ? doc.name() : defaultName;
    this.models = parseModels(doc.models());
    this.bases = parseBases(doc.bases(), "spec.bases");
    this.tuneLengths = lengths(doc.tuneLengths(), "spec.tune_lengths");
    if (doc.ropeTypes() == null) {
      this.ropeTypes = List.of(new SpecDocument.RopeType("default", null));
    } else if (doc.ropeTypes().isEmpty()) {
      throw new RopeInputException("spec.rope_types", "[]", "must be a non-empty list");
    } else {
      this.ropeTypes = doc.ropeTypes();
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
    return new SweepSpec(base, text, path, path.toAbsolutePath().getParent());
  }

  public static SweepSpec parse(String text, String defaultName, Path dir) {
    return new SweepSpec(defaultName, text, null, dir);
  }

  /** True when the spec has a non-null {@code key} section (it asks for that stage of {@link StagePlan}). */
  public boolean has(String key) {
    JsonNode n = root.get(key);
    return n != null && !n.isNull();
  }

  public Path resolve(String path) {
    Path p = Path.of(path);
    return p.isAbsolute() || dir == null ? p : dir.resolve(p).normalize();
  }

  private List<RopeModel> parseModels(List<SpecDocument.Model> entries) {
    if (entries == null || entries.isEmpty()) {
      throw new RopeInputException("spec.models", entries == null ? "missing" : "[]",
          "must be a non-empty list of model names, numbers or config paths");
    }
    List<RopeModel> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      SpecDocument.Model m = entries.get(i);
      String field = "spec.models[" + i + "]";
      if (m == null) {
        throw new RopeInputException(field, "null", "must be a model name, {hf_config: path} or explicit numbers");
      }
      if (m.catalogName() != null) {
        out.add(ModelCatalog.bundled().get(m.catalogName()));
        continue;
      }
      SpecDocument.ModelKeys k = m.keys();
      Path hf = k.hfConfig() == null ? null : resolve(k.hfConfig());
      // explicit numbers without a config.json: the base defaults to 10000 (the RoFormer / LLaMA base)
      Double theta = k.ropeTheta() != null || hf != null ? k.ropeTheta() : Double.valueOf(10000);
      out.add(ModelInputs.resolve(new ModelInputs.Input(null, hf, k.headDim(), k.rotaryDim(), k.partialRotaryFactor(),
          k.trainLen(), theta, k.maxPositionEmbeddings(), k.name(), "spec"), ModelInputs.Fields.keys(field)));
    }
    return out;
  }

  /** A list of bases or a log range {from, to, per_decade}; errors name {@code field} (e.g. spec.bases). */
  public static List<Double> parseBases(SpecDocument.Bases node, String field) {
    List<Double> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    if (node.range() != null) {
      // a log range: {from, to, per_decade}
      SpecDocument.Range r = node.range();
      double from = RopeInputException.requireBase(field + ".from", required(r.from(), field + ".from"));
      double to = RopeInputException.requireBase(field + ".to", required(r.to(), field + ".to"));
      double perDecade = required(r.perDecade(), field + ".per_decade");
      if (!(to >= from)) {
        throw new RopeInputException(field + ".to", to, "must be >= from " + from);
      }
      if (!(perDecade >= 1 && perDecade <= 10000)) {
        throw new RopeInputException(field + ".per_decade", perDecade, "must be in [1, 10000]");
      }
      long k0 = (long) Math.ceil(Math.log10(from) * perDecade - 1e-9);
      long k1 = (long) Math.floor(Math.log10(to) * perDecade + 1e-9);
      if (k1 - k0 > 100000) {
        throw new RopeInputException(field, r, "range has " + (k1 - k0 + 1) + " bases; at most 100000");
      }
      for (long k = k0; k <= k1; k++) {
        out.add(Math.pow(10, k / perDecade));
      }
      if (out.isEmpty()) {
        throw new RopeInputException(field, r, "range holds no grid point");
      }
      return out;
    }
    if (node.list().isEmpty()) {
      throw new RopeInputException(field, "[]", "must be a non-empty list or {from, to, per_decade}");
    }
    for (int i = 0; i < node.list().size(); i++) {
      out.add(RopeInputException.requireBase(field + "[" + i + "]", required(node.list().get(i), field + "[" + i + "]")));
    }
    return out;
  }

  private static double required(Double x, String field) {
    if (x == null) {
      throw new RopeInputException(field, "missing", "must be a number");
    }
    return x;
  }

  /** A list of token counts: absent is empty (the caller's default), present must be non-empty. */
  public static List<Long> lengths(List<Long> values, String field) {
    if (values == null) {
      return List.of();
    }
    if (values.isEmpty()) {
      throw new RopeInputException(field, "[]", "must be a non-empty list of token counts");
    }
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null) {
        throw new RopeInputException(field + "[" + i + "]", "null", "must be a whole number of tokens");
      }
      RopeInputException.requireLength(field + "[" + i + "]", values.get(i));
    }
    return List.copyOf(values);
  }

  /** The scaling for a rope_types entry applied to a model. */
  private static RopeScaling scaling(SpecDocument.RopeType entry, RopeModel model, String field) {
    if (entry == null) {
      throw new RopeInputException(field, "null", "must be 'default', 'model' or {type: " + RopeTypes.names() + ", factor: ...}");
    }
    if (entry.word() != null) {
      String t = entry.word().toLowerCase(Locale.ROOT);
      if (t.equals("model")) {
        return model.scaling();
      }
      if (!t.equals("default")) {
        throw new RopeInputException(field, t,
            "a bare name must be 'default' or 'model'; scaled types need {type, factor, ...}");
      }
      return RopeScaling.DEFAULT;
    }
    SpecDocument.Scaling s = entry.scaling();
    if (s.type() == null) {
      throw new RopeInputException(field + ".type", "missing", "must be one of " + RopeTypes.names());
    }
    return new ModelInputs.Scaling(s.type(), s.factor(), s.originalMaxPositionEmbeddings(), s.lowFreqFactor(),
        s.highFreqFactor(), s.betaFast(), s.betaSlow()).resolve(null, null);
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
    // six significant digits, trailing zeros of the FRACTION dropped: 11749.0 -> 11749, 1.50000e+09 ->
    // 1.5e+09, but 117490 stays 117490 (stripping its zero made 10^5.07 collide with 10^4.07, and
    // configurations() then dropped the second as a duplicate)
    return String.format(Locale.ROOT, "%.6g", x).replaceFirst("(\\.\\d*?)0+(e|$)", "$1$2").replaceFirst("\\.(e|$)", "$1");
  }
}
