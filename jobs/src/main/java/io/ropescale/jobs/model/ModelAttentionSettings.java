package io.ropescale.jobs.model;

import io.ropescale.jobs.SpecDocument;
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

  public static final String DEFAULT_NAME = "smollm2-135m";
  static final String DEFAULT_FILE = io.ropescale.model.DefaultModel.FILE_NAME;

  /** Where the default model is (the property bin/ropescale sets, else bin/fetch-model's cache). */
  public static Path defaultGguf() {
    return io.ropescale.model.DefaultModel.expectedPath();
  }

  public static boolean present(SweepSpec spec) {
    return spec.doc.modelAttention() != null;
  }

  /** True when the section names no model file (the default SmolLM2 applies). */
  public static boolean usesDefaultModel(SweepSpec spec, String ggufFlag) {
    return ggufFlag == null && (!present(spec) || spec.doc.modelAttention().gguf() == null);
  }

  /** The section's values checked and defaulted (keys and types were bound by SpecYaml, SpecDocument.ModelAttention). */
  public static ModelAttentionSettings from(SweepSpec spec, String ggufFlag) {
    SpecDocument.ModelAttention n = present(spec) ? spec.doc.modelAttention()
        : new SpecDocument.ModelAttention(null, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null);
    String gguf;
    if (ggufFlag != null) {
      gguf = isUri(ggufFlag) ? ggufFlag : Path.of(ggufFlag).toAbsolutePath().toString();
    } else if (n.gguf() != null) {
      String g = text(n.gguf(), "gguf");
      gguf = isUri(g) ? g : spec.resolve(g).toString();
    } else {
      gguf = defaultGguf().toString();
    }
    String name = n.name() != null ? text(n.name(), "name")
        : usesDefaultModel(spec, ggufFlag) ? DEFAULT_NAME
        : Path.of(gguf.replaceFirst("^[A-Za-z][A-Za-z0-9+.-]*:/*", "/")).getFileName().toString()
            .replaceFirst("(?i)\\.gguf$", "").toLowerCase(java.util.Locale.ROOT);
    if (!name.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException(FIELD + ".name", name, "may hold only letters, digits and _ . : + -");
    }
    List<String> paths = null;
    if (n.paths() != null) {
      if (n.paths().isEmpty()) {
        throw new RopeInputException(FIELD + ".paths", "[]", "must be a non-empty list of paths, globs or URIs");
      }
      paths = new ArrayList<>();
      for (int i = 0; i < n.paths().size(); i++) {
        String s = n.paths().get(i);
        if (s == null || s.isBlank()) {
          throw new RopeInputException(FIELD + ".paths[" + i + "]", s, "must be a path, glob or URI");
        }
        paths.add(isUri(s) ? s : spec.resolve(s).toString());
      }
    } else if (!spec.has("corpus")) {
      throw new RopeInputException(FIELD + ".paths", "missing",
          "give paths here or a corpus: section (the documents the model reads)");
    }
    CorpusSpec corpus = CorpusSpec.of(spec, new CorpusSpec.Overrides(paths, null, null, null, null, null));
    int documents = whole(n.documents(), "documents", 1, 1, 100000);
    int maxTokens = whole(n.maxTokens(), "max_tokens", 4096, 2, 1 << 20);
    int minTokens = whole(n.minTokens(), "min_tokens", 2, 2, maxTokens);
    List<InferenceVariant> variants = variants(n.variants());
    int[] layers = null;
    if (n.layers() != null) {
      if (n.layers().isEmpty()) {
        throw new RopeInputException(FIELD + ".layers", "[]", "must be a non-empty list of layer numbers");
      }
      layers = new int[n.layers().size()];
      for (int i = 0; i < layers.length; i++) {
        Integer l = n.layers().get(i);
        if (l == null || l < 0) {
          throw new RopeInputException(FIELD + ".layers[" + i + "]", l, "must be a layer number >= 0");
        }
        layers[i] = l;
      }
    }
    Integer far = n.farDistance() != null ? whole(n.farDistance(), "far_distance", 0, 0, 1 << 30) : null;
    double sample = n.tokenDetailSample() != null ? n.tokenDetailSample() : 1.0;
    if (!(sample >= 0 && sample <= 1)) {
      throw new RopeInputException(FIELD + ".token_detail_sample", sample, "must be a fraction in [0, 1]");
    }
    double threshold = n.excessThreshold() != null ? n.excessThreshold() : 0.25;
    if (!(threshold > 0) || Double.isInfinite(threshold)) {
      throw new RopeInputException(FIELD + ".excess_threshold", threshold, "must be a positive number of nats");
    }
    int smoothing = whole(n.smoothing(), "smoothing", 256, 1, 1 << 20);
    boolean qk = n.qkCorrelation() == null || n.qkCorrelation();
    List<Double> bases = SweepSpec.parseBases(n.bases(), FIELD + ".bases");
    if (bases.isEmpty()) {
      bases = spec.bases;
    }
    Integer threads = n.threads() != null ? whole(n.threads(), "threads", 1, 1, 1024) : null;
    return new ModelAttentionSettings(gguf, name, corpus, documents, minTokens, maxTokens, variants, layers, far,
        sample, threshold, smoothing, qk, bases, threads);
  }

  private static final String FIELD = "spec.model_attention";

  /** A URI with a scheme (hdfs:, s3a:, file:), taken as given rather than resolved against the spec's folder. */
  private static boolean isUri(String s) {
    return s.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*");
  }

  /** The variants, native first (the control and the q/k correlation come from its pass). */
  static List<InferenceVariant> variants(List<SpecDocument.Variant> v) {
    List<InferenceVariant> out = new ArrayList<>();
    out.add(InferenceVariant.NATIVE);
    if (v == null) {
      return out;
    }
    if (v.isEmpty()) {
      throw new RopeInputException(FIELD + ".variants", "[]",
          "must be a non-empty list of native, {base: B} or {type: T, factor: F, ...}");
    }
    Set<String> labels = new LinkedHashSet<>(List.of("native"));
    for (int i = 0; i < v.size(); i++) {
      SpecDocument.Variant e = v.get(i);
      String field = FIELD + ".variants[" + i + "]";
      if (e != null && "native".equals(e.word())) {
        continue;
      }
      if (e == null || e.keys() == null) {
        throw new RopeInputException(field, e == null ? "null" : e.word(), "must be native, {base: B} or {type: T, factor: F, ...}");
      }
      SpecDocument.VariantKeys k = e.keys();
      RopeScaling s = k.type() == null ? RopeScaling.DEFAULT : new RopeScaling(k.type(), orNaN(k.factor()),
          k.originalMaxPositionEmbeddings() == null ? 0 : k.originalMaxPositionEmbeddings(), orNaN(k.lowFreqFactor()),
          orNaN(k.highFreqFactor()), orNaN(k.betaFast()), orNaN(k.betaSlow()), null, null);
      if (!s.isDefault() && Double.isNaN(s.factor()) && !"longrope".equals(s.type())) {
        throw new RopeInputException(field + ".factor", "missing", "rope type " + s.type() + " needs a factor");
      }
      InferenceVariant r = InferenceVariant.of(orNaN(k.base()), s);
      if (k.label() != null) {
        r = new InferenceVariant(k.label(), r.base(), r.scaling());
      }
      if (!labels.add(r.label())) {
        throw new RopeInputException(field, r.label(), "appears twice");
      }
      out.add(r);
    }
    return out;
  }

  private static double orNaN(Double x) {
    return x == null ? Double.NaN : x;
  }

  private static String text(String v, String key) {
    if (v.isBlank()) {
      throw new RopeInputException(FIELD + "." + key, v, "must be a non-empty string");
    }
    return v;
  }

  private static int whole(Integer v, String key, int dflt, int min, int max) {
    if (v == null) {
      return dflt;
    }
    if (v < min || v > max) {
      throw new RopeInputException(FIELD + "." + key, v, "must be a whole number in [" + min + ", " + max + "]");
    }
    return v;
  }
}
