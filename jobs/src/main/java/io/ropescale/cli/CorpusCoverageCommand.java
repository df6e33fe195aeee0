package io.ropescale.cli;

import io.ropescale.jobs.SweepSpec;
import io.ropescale.jobs.corpus.CorpusCoverageJob;
import io.ropescale.jobs.corpus.CorpusSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ropescale corpus-coverage --spec FILE [--corpus PATH]...}: per-token attention statistics
 * of a corpus for every configuration of the spec -> documents, document_coverage, corpus_coverage,
 * document_length_histogram, quarantine (and token_stats with --token-detail-sample).
 */
@Command(name = "corpus-coverage", mixinStandardHelpOptions = true,
    description = "How much of a corpus of long documents each configuration covers (docs/corpus.md).")
public final class CorpusCoverageCommand implements Callable<Integer> {
  @Option(names = "--spec", required = true, description = "Sweep spec (YAML); its corpus: section unless overridden")
  Path spec;

  @Option(names = "--corpus", description = "Path, glob or URI of corpus input (repeatable); replaces spec corpus.paths")
  List<String> corpus;

  @Option(names = "--format", description = "text | gzip | zip | jsonl | parquet | delta | auto")
  String format;

  @Option(names = "--text-field", description = "JSON field or table column holding the text (default: text)")
  String textField;

  @Option(names = "--tokenizer", description = "cl100k_base (default), o200k_base, or a path to a tokenizer.json")
  String tokenizer;

  @Option(names = "--engine", description = "auto (sql with the RAPIDS plugin, else jvm) | jvm | sql")
  String engine;

  @Option(names = "--token-detail-sample", paramLabel = "FRACTION",
      description = "Share of documents whose every token goes to token_stats (default 0)")
  Double tokenDetailSample;

  @Mixin
  SparkOptions spark;

  @Override
  public Integer call() {
    SweepSpec s = SweepSpec.load(spec);
    CorpusSpec c = CorpusSpec.of(s, new CorpusSpec.Overrides(corpus, format, textField, tokenizer, engine,
        tokenDetailSample));
    JobRunner.run("corpus-coverage", spark, s, "--spec " + spec + (corpus == null ? "" : " --corpus " + corpus),
        List.of((session, runId) -> CorpusCoverageJob.writes(session, s, c, runId)));
    return 0;
  }
}
