package io.ropescale.jobs.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.jobs.corpus.CorpusInputs;
import io.ropescale.jobs.corpus.CorpusSpec;
import io.ropescale.jobs.Progress;
import io.ropescale.model.BpeTokenizer;
import io.ropescale.rope.RopeInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The documents the model reads: the corpus inputs the corpus stage lists ({@link CorpusInputs}),
 * in listing order, each tokenized with the model's own tokenizer and truncated to
 * {@code max_tokens}; documents shorter than {@code min_tokens} are skipped, and the first
 * {@code documents} that qualify are kept. Only the start of each document is read (enough
 * characters for max_tokens), so huge inputs cost nothing. Runs on the driver: token ids are small
 * (a 16K-token document is 64 KB), the forward passes are what Spark spreads.
 */
final class ModelDocuments {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Characters read per wanted token: generous (code runs ~3-4 characters per token). */
  static final int CHARS_PER_TOKEN = 12;

  /** One selected document. (A plain class: Spark's Kryo serializer cannot write records.) */
  static final class Doc implements Serializable {
    int index;
    String key;
    int[] tokens;

    Doc(int index, String key, int[] tokens) {
      this.index = index;
      this.key = key;
      this.tokens = tokens;
    }

    Doc() {}
  }

  private ModelDocuments() {}

  static List<Doc> select(SparkSession spark, CorpusSpec corpus, BpeTokenizer tokenizer, int documents, int minTokens,
      int maxTokens) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    CorpusInputs.Listing listing = CorpusInputs.list(corpus, conf);
    int maxChars = (int) Math.min(Integer.MAX_VALUE - 16, (long) maxTokens * CHARS_PER_TOKEN);
    List<Doc> out = new ArrayList<>();
    int seen = 0;
    for (String[] d : texts(spark, corpus, listing, conf, maxChars)) {
      seen++;
      int[] ids = tokenizer.encode(d[1]);
      if (ids.length < minTokens) {
        continue;
      }
      out.add(new Doc(out.size(), d[0], ids.length > maxTokens ? Arrays.copyOf(ids, maxTokens) : ids));
      if (out.size() == documents) {
        break;
      }
    }
    if (out.isEmpty()) {
      throw new RopeInputException("model_attention.min_tokens", minTokens,
          "no document of " + corpus.paths() + " has that many tokens (" + seen + " read)");
    }
    Progress.info(String.format("model-attention: %d documents selected (of %d read), %s tokens", out.size(), seen,
        out.stream().map(x -> Integer.toString(x.tokens.length)).toList()));
    return out;
  }

  /** (key, start of text) of every document, lazily, in listing order; Parquet and Delta after the files. */
  private static Iterable<String[]> texts(SparkSession spark, CorpusSpec corpus, CorpusInputs.Listing listing,
      Configuration conf, int maxChars) {
    return () -> new java.util.Iterator<>() {
      int item;
      java.util.ArrayDeque<String[]> pending = new java.util.ArrayDeque<>();
      boolean tablesDone;

      @Override
      public boolean hasNext() {
        while (pending.isEmpty()) {
          if (item < listing.items().size()) {
            pending.addAll(read(listing.items().get(item++), conf, maxChars, corpus.textField()));
          } else if (!tablesDone) {
            tablesDone = true;
            pending.addAll(tables(spark, listing, corpus.textField(), maxChars));
          } else {
            return false;
          }
        }
        return true;
      }

      @Override
      public String[] next() {
        return pending.poll();
      }
    };
  }

  private static List<String[]> read(CorpusInputs.Item it, Configuration conf, int maxChars, String textField) {
    List<String[]> out = new ArrayList<>();
    try {
      switch (it.format()) {
        case "zip" -> {
          if (it.entry() != null) {
            try (ZipFile z = new ZipFile(new org.apache.hadoop.fs.Path(it.path()).toUri().getPath())) {
              ZipEntry e = z.getEntry(it.entry());
              out.add(new String[] {it.path() + "!/" + it.entry(), head(z.getInputStream(e), maxChars)});
            }
          } else {
            try (ZipInputStream z = new ZipInputStream(CorpusInputs.open(it, conf))) {
              for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                if (!e.isDirectory()) {
                  out.add(new String[] {it.path() + "!/" + e.getName(), head(z, maxChars)});
                }
              }
            }
          }
        }
        case "jsonl" -> {
          try (BufferedReader r = new BufferedReader(new InputStreamReader(CorpusInputs.open(it, conf),
              StandardCharsets.UTF_8))) {
            long line = 0;
            for (String s; (s = r.readLine()) != null; ) {
              line++;
              if (s.isBlank()) {
                continue;
              }
              JsonNode n = JSON.readTree(s);
              JsonNode t = n == null ? null : n.get(textField);
              if (t != null && t.isTextual()) {
                String text = t.asText();
                out.add(new String[] {it.path() + "#L" + line, text.length() > maxChars ? text.substring(0, maxChars) : text});
              }
            }
          }
        }
        default -> {
          try (InputStream in = CorpusInputs.open(it, conf)) {
            out.add(new String[] {it.path(), head(in, maxChars)});
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the corpus stage quarantines unreadable inputs; here they are simply not read
      Progress.info("model-attention: skipped unreadable input " + it.path() + ": " + e.getMessage());
    }
    return out;
  }

  /** Parquet files and Delta tables: the text column of their first rows. */
  private static List<String[]> tables(SparkSession spark, CorpusInputs.Listing listing, String textField, int maxChars) {
    List<String[]> out = new ArrayList<>();
    List<String> sources = new ArrayList<>(listing.parquet());
    sources.addAll(listing.delta());
    for (String src : sources) {
      boolean delta = listing.delta().contains(src);
      List<Row> rows = (delta ? spark.read().format("delta").load(src) : spark.read().parquet(src))
          .selectExpr("`" + textField + "`").limit(1000).collectAsList();
      for (int i = 0; i < rows.size(); i++) {
        String t = rows.get(i).getString(0);
        if (t != null) {
          out.add(new String[] {src + "#" + i, t.length() > maxChars ? t.substring(0, maxChars) : t});
        }
      }
    }
    return out;
  }

  /** The first maxChars characters of a UTF-8 stream (malformed bytes replaced). */
  static String head(InputStream in, int maxChars) throws IOException {
    Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder();
    char[] buf = new char[1 << 16];
    for (int n; sb.length() < maxChars && (n = r.read(buf, 0, Math.min(buf.length, maxChars - sb.length()))) > 0; ) {
      sb.append(buf, 0, n);
    }
    return sb.toString();
  }
}
