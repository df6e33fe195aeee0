package io.ropescale.jobs.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import io.ropescale.jobs.Engine;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.rope.RopeInputException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code corpus:} section of a sweep spec (docs/corpus.md), with command-line overrides.
 * Every error names the field and its value ({@link RopeInputException}: CLI exit 2).
 *
 * @param paths local paths (resolved against the spec's folder), globs, or Hadoop URIs
 * @param format text | gzip | zip | jsonl | parquet | delta | auto (by extension, per file)
 * @param engine auto | jvm | sql
 * @param tokenDetailSample share of documents whose tokens go to {@code token_stats}, in [0, 1]
 */
public record CorpusSpec(String name, List<String> paths, String format, String textField, String tokenizer,
    Engine.Choice engine, double tokenDetailSample) {

  public static final Set<String> FORMATS = Set.of("auto", "text", "gzip", "zip", "jsonl", "parquet", "delta");
  static final Set<String> KEYS = Set.of("name", "paths", "format", "text_field", "tokenizer", "engine",
      "token_detail_sample");

  /** Command-line values that replace the spec's (null: keep the spec's). */
  public record Overrides(List<String> paths, String format, String textField, String tokenizer, String engine,
      Double tokenDetailSample) {
    public static final Overrides NONE = new Overrides(null, null, null, null, null, null);
  }

  /** True when the spec has a corpus section (the sweep then runs this stage). */
  public static boolean present(SweepSpec spec) {
    return !spec.section("corpus").isMissingNode();
  }

  public static CorpusSpec of(SweepSpec spec, Overrides o) {
    JsonNode n = spec.section("corpus");
    if (!n.isMissingNode() && !n.isObject()) {
      throw new RopeInputException("spec.corpus", n, "must be a mapping {name, paths, format, ...}");
    }
    if (n.isObject()) {
      Iterator<String> keys = n.fieldNames();
      while (keys.hasNext()) {
        String k = keys.next();
        if (!KEYS.contains(k)) {
          throw new RopeInputException("spec.corpus." + k, n.get(k), "unknown key; expected one of " + KEYS);
        }
      }
    }
    String name = text(n, "name", "corpus");
    if (!name.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException("spec.corpus.name", name, "may hold only letters, digits and _ . : + - (at most 128)");
    }
    List<String> paths = new ArrayList<>();
    if (o.paths() != null && !o.paths().isEmpty()) {
      for (String p : o.paths()) {
        paths.add(p.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? p
            : java.nio.file.Path.of(p).toAbsolutePath().normalize().toString()); // command line: against the working folder
      }
    } else {
      JsonNode p = n.get("paths");
      if (p != null && p.isTextual()) {
        paths.add(resolve(spec, p.asText(), "spec.corpus.paths"));
      } else if (p != null && p.isArray() && !p.isEmpty()) {
        for (int i = 0; i < p.size(); i++) {
          if (!p.get(i).isTextual() || p.get(i).asText().isBlank()) {
            throw new RopeInputException("spec.corpus.paths[" + i + "]", p.get(i), "must be a path, glob or URI");
          }
          paths.add(resolve(spec, p.get(i).asText(), "spec.corpus.paths[" + i + "]"));
        }
      } else {
        throw new RopeInputException("spec.corpus.paths", p == null ? "missing" : p,
            "must be a non-empty list of paths, globs or URIs (or give --corpus)");
      }
    }
    String format = choose(o.format(), n, "format", "auto").toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw new RopeInputException(o.format() != null ? "format" : "spec.corpus.format", format,
          "must be one of " + FORMATS);
    }
    String textField = choose(o.textField(), n, "text_field", "text");
    if (textField.isBlank()) {
      throw new RopeInputException("spec.corpus.text_field", textField, "must be a field or column name");
    }
    String tokenizer = choose(o.tokenizer(), n, "tokenizer", TokenEncoder.CL100K);
    if (!tokenizer.equals(TokenEncoder.CL100K) && !tokenizer.equals(TokenEncoder.O200K)) {
      if (!tokenizer.endsWith(".json")) {
        throw new RopeInputException(o.tokenizer() != null ? "tokenizer" : "spec.corpus.tokenizer", tokenizer,
            "must be cl100k_base, o200k_base or a path to a Hugging Face tokenizer.json");
      }
      tokenizer = resolve(spec, tokenizer, "spec.corpus.tokenizer");
    }
    Engine.Choice engine = Engine.Choice.parse(o.engine() != null ? "engine" : "spec.corpus.engine",
        choose(o.engine(), n, "engine", "auto"));
    double sample;
    if (o.tokenDetailSample() != null) {
      sample = o.tokenDetailSample();
    } else {
      JsonNode s = n.get("token_detail_sample");
      if (s != null && !s.isNull() && !s.isNumber()) {
        throw new RopeInputException("spec.corpus.token_detail_sample", s, "must be a number in [0, 1]");
      }
      sample = s == null || s.isNull() ? 0.0 : s.asDouble();
    }
    if (!(sample >= 0 && sample <= 1)) {
      throw new RopeInputException(o.tokenDetailSample() != null ? "token-detail-sample" : "spec.corpus.token_detail_sample",
          sample, "must be a fraction of documents in [0, 1]");
    }
    return new CorpusSpec(name, List.copyOf(paths), format, textField, tokenizer, engine, sample);
  }

  private static String text(JsonNode n, String key, String dflt) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw new RopeInputException("spec.corpus." + key, v, "must be a string");
    }
    return v.asText();
  }

  private static String choose(String override, JsonNode n, String key, String dflt) {
    return override != null ? override : text(n, key, dflt);
  }

  /** URIs (scheme://) and absolute paths as given; relative local paths against the spec's folder. */
  static String resolve(SweepSpec spec, String p, String field) {
    if (p.isBlank()) {
      throw new RopeInputException(field, p, "must be a path, glob or URI");
    }
    if (p.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
      return p;
    }
    return spec.resolve(p).toString();
  }
}
