package io.ropescale.jobs.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.corpus.CorpusSpec;
import io.ropescale.model.InferenceVariant;
import io.ropescale.rope.RopeInputException;
import io.ropescale.rope.RopeScaling;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code model_attention:} section of a sweep spec (docs/model-attention.md). Documents come
 * from the spec's {@code corpus:} inputs (or this section's own {@code paths}), read as the corpus
 * stage reads them. Every error names the field and its value (exit 2), before any Spark work.
 *
 * @param gguf local path or Hadoop URI of a llama-architecture GGUF
 * @param name the {@code model} column of the tables
 * @param documents how many documents (the first ones, in input order, with at least minTokens)
 * @param layers recorded layers; null = 0, middle, last of the model
 * @param farDistance D of far_mass; null = T_train / 2
 * @param bases bases of model_logit_profile; empty = the sweep's bases, else the variants' bases
 * @param threads forward-pass threads per task; null = cores / task slots
 */
public record ModelAttentionSettings(String gguf, String name, CorpusSpec corpus, int documents, int minTokens,
    int maxTokens, List<InferenceVariant> variants, int[] layers, Integer farDistance, double tokenDetailSample,
    double excessThreshold, int smoothing, boolean qkCorrelation, List<Double> bases, Integer threads) {

  static final Set<String> KEYS = Set.of("gguf", "name", "paths", "documents", "min_tokens", "max_tokens", "variants",
      "layers", "far_distance", "token_detail_sample", "excess_threshold", "smoothing", "qk_correlation", "bases",
      "threads");
  static final Set<String> VARIANT_KEYS = Set.of("label", "base", "type", "factor", "original_max_position_embeddings",
      "low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow");
  public static final String DEFAULT_NAME = "smollm2-135m";
  static final String DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf";

  /** Where bin/fetch-model caches the default model (outside the repository). */
  public static Path defaultGguf() {
    String cache = System.getenv("ROPESCALE_MODEL_CACHE");
    if (cache == null || cache.isBlank()) {
      String xdg = System.getenv("XDG_CACHE_HOME");
      cache = (xdg == null || xdg.isBlank() ? System.getProperty("user.home") + "/.cache" : xdg) + "/ropescale/models";
    }
    return Path.of(cache, DEFAULT_FILE);
  }

  public static boolean present(SweepSpec spec) {
    return !spec.section("model_attention").isMissingNode();
  }

  /** True when the section names no model file (the default SmolLM2 applies). */
  public static boolean usesDefaultModel(SweepSpec spec, String ggufFlag) {
    return ggufFlag == null && !spec.section("model_attention").hasNonNull("gguf");
  }

  public static ModelAttentionSettings from(SweepSpec spec, String ggufFlag) {
    JsonNode n = spec.section("model_attention");
    if (!n.isMissingNode() && !n.isObject()) {
      throw new RopeInputException("spec.model_attention", n, "must be a mapping {gguf, variants, max_tokens, ...}");
    }
    List<String> unknown = new ArrayList<>();
    n.fieldNames().forEachRemaining(k -> {
      if (!KEYS.contains(k)) {
        unknown.add(k);
      }
    });
    if (!unknown.isEmpty()) {
      throw new RopeInputException("spec.model_attention." + unknown.get(0), n.get(unknown.get(0)),
          "unknown key" + (unknown.size() > 1 ? " (also " + unknown.subList(1, unknown.size()) + ")" : "")
              + "; expected one of " + KEYS);
    }
    String gguf;
    if (ggufFlag != null) {
      gguf = ggufFlag.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? ggufFlag : Path.of(ggufFlag).toAbsolutePath().toString();
    } else if (n.hasNonNull("gguf")) {
      String g = text(n, "gguf");
      gguf = g.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? g : spec.resolve(g).toString();
    } else {
      gguf = defaultGguf().toString();
    }
    String name = n.hasNonNull("name") ? text(n, "name")
        : usesDefaultModel(spec, ggufFlag) ? DEFAULT_NAME
        : Path.of(gguf.replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*:/*", "/")).getFileName().toString()
            .replaceFirst("(?i)\\.gguf$", "").toLowerCase(java.util.Locale.ROOT);
    if (!name.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException("spec.model_attention.name", name, "may hold only letters, digits and _ . : + -");
    }
    List<String> paths = null;
    JsonNode p = n.get("paths");
    if (p != null && !p.isNull()) {
      if (!p.isArray() || p.isEmpty()) {
        throw new RopeInputException("spec.model_attention.paths", p, "must be a non-empty list of paths, globs or URIs");
      }
      paths = new ArrayList<>();
      for (int i = 0; i < p.size(); i++) {
        String s = p.get(i).asText();
        if (!p.get(i).isTextual() || s.isBlank()) {
          throw new RopeInputException("spec.model_attention.paths[" + i + "]", p.get(i), "must be a path, glob or URI");
        }
        paths.add(s.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? s : spec.resolve(s).toString());
      }
    } else if (!spec.has("corpus")) {
      throw new RopeInputException("spec.model_attention.paths", "missing",
          "give paths here or a corpus: section (the documents the model reads)");
    }
    CorpusSpec corpus = CorpusSpec.of(spec, new CorpusSpec.Overrides(paths, null, null, null, null, null));
    int documents = (int) whole(n, "documents", 1, 1, 100000);
    int maxTokens = (int) whole(n, "max_tokens", 4096, 2, 1 << 20);
    int minTokens = (int) whole(n, "min_tokens", 2, 2, maxTokens);
    List<InferenceVariant> variants = variants(n.get("variants"));
    int[] layers = null;
    JsonNode l = n.get("layers");
    if (l != null && !l.isNull()) {
      if (!l.isArray() || l.isEmpty()) {
        throw new RopeInputException("spec.model_attention.layers", l, "must be a non-empty list of layer numbers");
      }
      layers = new int[l.size()];
      for (int i = 0; i < l.size(); i++) {
        if (!l.get(i).isIntegralNumber() || l.get(i).asInt() < 0) {
          throw new RopeInputException("spec.model_attention.layers[" + i + "]", l.get(i), "must be a layer number >= 0");
        }
        layers[i] = l.get(i).asInt();
      }
    }
    Integer far = n.hasNonNull("far_distance") ? (int) whole(n, "far_distance", 0, 0, 1 << 30) : null;
    double sample = number(n, "token_detail_sample", 1.0);
    if (!(sample >= 0 && sample <= 1)) {
      throw new RopeInputException("spec.model_attention.token_detail_sample", sample, "must be a fraction in [0, 1]");
    }
    double threshold = number(n, "excess_threshold", 0.25);
    if (!(threshold > 0) || Double.isInfinite(threshold)) {
      throw new RopeInputException("spec.model_attention.excess_threshold", threshold, "must be a positive number of nats");
    }
    int smoothing = (int) whole(n, "smoothing", 256, 1, 1 << 20);
    boolean qk = true;
    if (n.has("qk_correlation")) {
      if (!n.get("qk_correlation").isBoolean()) {
        throw new RopeInputException("spec.model_attention.qk_correlation", n.get("qk_correlation"), "must be true or false");
      }
      qk = n.get("qk_correlation").asBoolean();
    }
    List<Double> bases = n.hasNonNull("bases")
        ? SweepSpec.parseBases(n.get("bases"), "spec.model_attention.bases") : List.of();
    if (bases.isEmpty()) {
      bases = spec.bases;
    }
    Integer threads = n.hasNonNull("threads") ? (int) whole(n, "threads", 1, 1, 1024) : null;
    return new ModelAttentionSettings(gguf, name, corpus, documents, minTokens, maxTokens, variants, layers, far,
        sample, threshold, smoothing, qk, bases, threads);
  }

  /** The variants, native first (the control and the q/k correlation come from its pass). */
  static List<InferenceVariant> variants(JsonNode v) {
    List<InferenceVariant> out = new ArrayList<>();
    out.add(InferenceVariant.NATIVE);
    if (v == null || v.isNull()) {
      return out;
    }
    if (!v.isArray() || v.isEmpty()) {
      throw new RopeInputException("spec.model_attention.variants", v,
          "must be a non-empty list of native, {base: B} or {type: T, factor: F, ...}");
    }
    Set<String> labels = new LinkedHashSet<>(List.of("native"));
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String field = "spec.model_attention.variants[" + i + "]";
      InferenceVariant r;
      if (e.isTextual() && e.asText().equals("native")) {
        continue;
      } else if (e.isObject()) {
        e.fieldNames().forEachRemaining(k -> {
          if (!VARIANT_KEYS.contains(k)) {
            throw new RopeInputException(field + "." + k, e.get(k), "unknown key; expected one of " + VARIANT_KEYS);
          }
        });
        double base = e.hasNonNull("base") ? num(e, "base", field) : Double.NaN;
        RopeScaling s = !e.hasNonNull("type") ? RopeScaling.DEFAULT : new RopeScaling(
            e.get("type").asText(), opt(e, "factor", field),
            e.hasNonNull("original_max_position_embeddings") ? (long) num(e, "original_max_position_embeddings", field) : 0,
            opt(e, "low_freq_factor", field), opt(e, "high_freq_factor", field),
            opt(e, "beta_fast", field), opt(e, "beta_slow", field), null, null);
        if (!s.isDefault() && Double.isNaN(s.factor()) && !"longrope".equals(s.type())) {
          throw new RopeInputException(field + ".factor", "missing", "rope type " + s.type() + " needs a factor");
        }
        r = InferenceVariant.of(base, s);
        if (e.hasNonNull("label")) {
          r = new InferenceVariant(e.get("label").asText(), r.base(), r.scaling());
        }
      } else {
        throw new RopeInputException(field, e, "must be native, {base: B} or {type: T, factor: F, ...}");
      }
      if (!labels.add(r.label())) {
        throw new RopeInputException(field, r.label(), "appears twice");
      }
      out.add(r);
    }
    return out;
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new RopeInputException("spec.model_attention." + key, v, "must be a non-empty string");
    }
    return v.asText();
  }

  private static double number(JsonNode n, String key, double dflt) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new RopeInputException("spec.model_attention." + key, v, "must be a number");
    }
    return v.asDouble();
  }

  private static long whole(JsonNode n, String key, long dflt, long min, long max) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber() || v.asDouble() != Math.rint(v.asDouble()) || v.asDouble() < min || v.asDouble() > max) {
      throw new RopeInputException("spec.model_attention." + key, v, "must be a whole number in [" + min + ", " + max + "]");
    }
    return v.asLong();
  }

  private static double num(JsonNode e, String key, String field) {
    JsonNode v = e.get(key);
    if (!v.isNumber()) {
      throw new RopeInputException(field + "." + key, v, "must be a number");
    }
    return v.asDouble();
  }

  private static double opt(JsonNode e, String key, String field) {
    return e.hasNonNull(key) ? num(e, key, field) : Double.NaN;
  }
}
