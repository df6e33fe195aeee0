package io.ropescale.jobs.corpus;

import io.ropescale.jobs.Engine;
import io.ropescale.jobs.SpecDocument;
import io.ropescale.jobs.SweepSpec;
import io.ropescale.rope.RopeInputException;
import java.util.ArrayList;
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

  /** Command-line values that replace the spec's (null: keep the spec's). */
  public record Overrides(List<String> paths, String format, String textField, String tokenizer, String engine,
      Double tokenDetailSample) {
    public static final Overrides NONE = new Overrides(null, null, null, null, null, null);
  }

  public static CorpusSpec of(SweepSpec spec, Overrides o) {
    SpecDocument.Corpus n = spec.doc.corpus() != null ? spec.doc.corpus()
        : new SpecDocument.Corpus(null, null, null, null, null, null, null);
    String name = n.name() != null ? n.name() : "corpus";
    if (!name.matches("[A-Za-z0-9_.:+-]{1,128}")) {
      throw new RopeInputException("spec.corpus.name", name, "may hold only letters, digits and _ . : + - (at most 128)");
    }
    List<String> paths = new ArrayList<>();
    if (o.paths() != null && !o.paths().isEmpty()) {
      for (String p : o.paths()) {
        paths.add(p.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") ? p
            : java.nio.file.Path.of(p).toAbsolutePath().normalize().toString()); // command line: against the working folder
      }
    } else if (n.paths() != null && !n.paths().isEmpty()) {
      for (int i = 0; i < n.paths().size(); i++) {
        String p = n.paths().get(i);
        if (p == null || p.isBlank()) {
          throw new RopeInputException("spec.corpus.paths[" + i + "]", p, "must be a path, glob or URI");
        }
        paths.add(resolve(spec, p, "spec.corpus.paths[" + i + "]"));
      }
    } else {
      throw new RopeInputException("spec.corpus.paths", n.paths() == null ? "missing" : "[]",
          "must be a non-empty list of paths, globs or URIs (or give --corpus)");
    }
    String format = choose(o.format(), n.format(), "auto").toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw new RopeInputException(o.format() != null ? "format" : "spec.corpus.format", format,
          "must be one of " + FORMATS);
    }
    String textField = choose(o.textField(), n.textField(), "text");
    if (textField.isBlank()) {
      throw new RopeInputException("spec.corpus.text_field", textField, "must be a field or column name");
    }
    String tokenizer = choose(o.tokenizer(), n.tokenizer(), TokenEncoder.CL100K);
    if (!tokenizer.equals(TokenEncoder.CL100K) && !tokenizer.equals(TokenEncoder.O200K)) {
      if (!tokenizer.endsWith(".json")) {
        throw new RopeInputException(o.tokenizer() != null ? "tokenizer" : "spec.corpus.tokenizer", tokenizer,
            "must be cl100k_base, o200k_base or a path to a Hugging Face tokenizer.json");
      }
      tokenizer = resolve(spec, tokenizer, "spec.corpus.tokenizer");
    }
    Engine.Choice engine = Engine.Choice.parse(o.engine() != null ? "engine" : "spec.corpus.engine",
        choose(o.engine(), n.engine(), "auto"));
    double sample = o.tokenDetailSample() != null ? o.tokenDetailSample()
        : n.tokenDetailSample() != null ? n.tokenDetailSample() : 0.0;
    if (!(sample >= 0 && sample <= 1)) {
      throw new RopeInputException(o.tokenDetailSample() != null ? "token-detail-sample" : "spec.corpus.token_detail_sample",
          sample, "must be a fraction of documents in [0, 1]");
    }
    return new CorpusSpec(name, List.copyOf(paths), format, textField, tokenizer, engine, sample);
  }

  private static String choose(String override, String spec, String dflt) {
    return override != null ? override : spec != null ? spec : dflt;
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
