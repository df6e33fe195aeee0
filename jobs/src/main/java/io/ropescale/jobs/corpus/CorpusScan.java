package io.ropescale.jobs.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.jobs.TableDocs;
import io.ropescale.jobs.TypedRows;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The executor side of the corpus stage: reads documents, tokenizes them window by window and
 * emits rows of {@link #SCHEMA}, each carrying one typed part: a {@code doc} per document read (its
 * id, size and token count) or a {@code quarantined} input (the reason), the JVM engine's
 * {@code coverage} counts (one per document and configuration), and {@code chunk}s of token ids
 * (every document for the SQL engine, sampled documents for {@code token_stats}). Lazy: a document's text is read in windows of {@link #WINDOW} characters and
 * only the current window is held, whatever the document's length. This part (decoding, BPE) is
 * CPU-bound by nature; everything after the token ids is Spark SQL in the SQL engine.
 */
public final class CorpusScan {
  /** Characters per tokenization window. */
  static final int WINDOW = 1 << 20;
  /** Bytes sniffed for NUL at a document's start (as git does). */
  static final int SNIFF = 8000;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A document read and tokenized. */
  static final TypedRows DOC = TypedRows.of(new StructType()
      .add("doc_key", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("doc_id", DataTypes.StringType, false)
      .add("characters", DataTypes.LongType, false)
      .add("tokens", DataTypes.LongType, false)
      .add("sampled", DataTypes.BooleanType, false));
  /** An input set aside, with the reason. */
  static final TypedRows QUARANTINED = TypedRows.of(new StructType()
      .add("doc_key", DataTypes.StringType, false)
      .add("path", DataTypes.StringType, false)
      .add("reason", DataTypes.StringType, false));
  /** The JVM engine's per-document counts for one configuration: document_coverage's counts, typed as registered. */
  static final TypedRows COVERAGE = TypedRows.of(new StructType(java.util.stream.Stream.concat(
      java.util.stream.Stream.of(
          new StructField("doc_key", DataTypes.StringType, false, Metadata.empty()),
          new StructField("config_index", DataTypes.IntegerType, false, Metadata.empty())),
      java.util.Arrays.stream(TableDocs.DOCUMENT_COVERAGE.rowsOf("tokens", "tokens_beyond_tune_len",
          "tokens_beyond_extrapolation_bound", "tokens_with_ood_pairs", "repeats", "repeats_beyond_extrapolation_bound",
          "undiscriminated_repeats", "ngram_repeats", "undiscriminated_ngram_repeats", "repeat_distance_p50",
          "repeat_distance_p90", "repeat_distance_p99", "repeat_distance_max").schema().fields()))
      .toArray(StructField[]::new)));
  /** Token ids of one window of a document, from position chunk_start on. */
  static final TypedRows CHUNK = TypedRows.of(new StructType()
      .add("doc_key", DataTypes.StringType, false)
      .add("sampled", DataTypes.BooleanType, false)
      .add("chunk_start", DataTypes.LongType, false)
      .add("token_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false));
  /** The scan's output: each row holds exactly one of these parts, named by its kind; the others are null. */
  static final Map<String, TypedRows> PARTS = Map.of("doc", DOC, "quarantined", QUARANTINED, "coverage", COVERAGE,
      "chunk", CHUNK);
  private static final TypedRows SCAN = TypedRows.of(new StructType()
      .add("doc", DOC.schema(), true)
      .add("quarantined", QUARANTINED.schema(), true)
      .add("coverage", COVERAGE.schema(), true)
      .add("chunk", CHUNK.schema(), true));
  public static final StructType SCHEMA = SCAN.schema();

  /** One scan row carrying one part ({@code doc}, {@code quarantined}, {@code coverage} or {@code chunk}). */
  static Row part(String kind, TypedRows.Builder value) {
    if (!PARTS.containsKey(kind)) {
      throw new IllegalArgumentException("no scan part " + kind);
    }
    TypedRows.Builder row = SCAN.row();
    for (String k : SCHEMA.fieldNames()) {
      row.set(k, k.equals(kind) ? value.build() : null);
    }
    return row.build();
  }

  /** The rows of one part of the scan, as a flat DataFrame of that part's columns. */
  public static Dataset<Row> rows(Dataset<Row> scan, String kind) {
    if (!PARTS.containsKey(kind)) {
      throw new IllegalArgumentException("no scan part " + kind);
    }
    return scan.where(scan.col(kind).isNotNull()).select(kind + ".*");
  }

  /** What the scan computes. */
  public record Options(TokenEncoder encoder, CorpusConfigs configs, boolean jvmStats, boolean allChunks,
      double sample, String textField, Map<String, String> hadoop, int window) implements java.io.Serializable {
    public Options {
      if (window < 16) {
        throw new IllegalArgumentException("window must hold at least 16 characters");
      }
    }
  }

  private CorpusScan() {}

  /** Rows for one partition's items. */
  public static Iterator<Row> scan(Iterator<CorpusInputs.Item> items, Options o) {
    return new Scanner(items, o);
  }

  /** Rows for documents whose text is already in memory (Parquet/Delta rows): (doc_key, path, text). */
  public static Iterator<Row> scanTexts(Iterator<String[]> docs, Options o) {
    Scanner s = new Scanner(Collections.emptyIterator(), o);
    s.texts = docs;
    return s;
  }

  /** Stable sampling of documents by a hash of their key: u(key) < fraction. */
  public static boolean sampled(String docKey, double fraction) {
    if (fraction <= 0) {
      return false;
    }
    String h = TokenEncoder.sha(docKey);
    return (Long.parseLong(h.substring(0, 13), 16) / (double) (1L << 52)) < fraction;
  }

  /** Largest k with 2^k <= n: the document-length bucket [2^k, 2^(k+1)). */
  public static int lengthBucket(long n) {
    return 63 - Long.numberOfLeadingZeros(Math.max(1, n));
  }

  /** One document to read: bytes, text already decoded, or a reason it cannot be read. */
  private record Source(String docKey, String path, InputStream bytes, String text, String reason) {}

  private static final class Scanner implements Iterator<Row> {
    final Iterator<CorpusInputs.Item> items;
    final Options o;
    final Configuration conf;
    final ArrayDeque<Row> out = new ArrayDeque<>();
    final RepeatStats stats = new RepeatStats();
    final char[] buf;
    Iterator<String[]> texts;
    Iterator<Source> docs = Collections.emptyIterator();
    AutoCloseable itemResource;
    boolean done;
    // the current document
    Source cur;
    Reader reader;
    MessageDigest digest;
    int carry;
    long position;
    long chars;
    boolean nonBlank;
    boolean sampled;

    Scanner(Iterator<CorpusInputs.Item> items, Options o) {
      this.items = items;
      this.o = o;
      this.conf = CorpusInputs.conf(o.hadoop());
      this.buf = new char[o.window()];
    }

    @Override
    public boolean hasNext() {
      while (out.isEmpty() && !done) {
        step();
      }
      return !out.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return out.poll();
    }

    private void step() {
      if (cur != null) {
        window();
      } else if (texts != null && texts.hasNext()) {
        String[] t = texts.next();
        begin(new Source(t[0], t[1], null, t[2], t[2] == null ? "null text" : null));
      } else if (docs.hasNext()) {
        begin(docs.next());
      } else {
        closeItem();
        if (items.hasNext()) {
          docs = sources(items.next());
        } else {
          done = true;
        }
      }
    }

    private void closeItem() {
      if (itemResource != null) {
        try {
          itemResource.close();
        } catch (Exception e) {
          // reading is over; nothing to report
        }
        itemResource = null;
      }
    }

    /** The documents of one item, opened lazily. */
    private Iterator<Source> sources(CorpusInputs.Item it) {
      try {
        switch (it.format()) {
          case "zip":
            return it.entry() != null ? zipEntry(it) : zipStream(it);
          case "jsonl":
            return jsonl(it);
          default:
            return java.util.List.of(new Source(it.path(), it.path(), CorpusInputs.open(it, conf), null, null)).iterator();
        }
      } catch (IOException | RuntimeException e) {
        String key = it.entry() == null ? it.path() : it.path() + "!/" + it.entry();
        return java.util.List.of(new Source(key, key, null, null, "unreadable: " + message(e))).iterator();
      }
    }

    private Iterator<Source> zipEntry(CorpusInputs.Item it) throws IOException {
      ZipFile z = new ZipFile(new org.apache.hadoop.fs.Path(it.path()).toUri().getPath());
      itemResource = z;
      ZipEntry e = z.getEntry(it.entry());
      String key = it.path() + "!/" + it.entry();
      return java.util.List.of(new Source(key, key, z.getInputStream(e), null, null)).iterator();
    }

    private Iterator<Source> zipStream(CorpusInputs.Item it) throws IOException {
      ZipInputStream z = new ZipInputStream(CorpusInputs.open(it, conf));
      itemResource = z;
      return new Iterator<>() {
        Source next = advance();

        private Source advance() {
          try {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
              if (!e.isDirectory()) {
                String key = it.path() + "!/" + e.getName();
                return new Source(key, key, new java.io.FilterInputStream(z) {
                  @Override
                  public void close() {
                    // the archive stays open for the next entry
                  }
                }, null, null);
              }
            }
            return null;
          } catch (IOException ex) {
            return new Source(it.path(), it.path(), null, null, "unreadable zip archive: " + message(ex));
          }
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public Source next() {
          Source s = next;
          next = s.reason() != null ? null : advance();
          return s;
        }
      };
    }

    private Iterator<Source> jsonl(CorpusInputs.Item it) throws IOException {
      BufferedReader r = new BufferedReader(new InputStreamReader(CorpusInputs.open(it, conf), strictUtf8()), 1 << 16);
      itemResource = r;
      return new Iterator<>() {
        long line;
        Source next = advance();

        private Source advance() {
          try {
            String s;
            while ((s = r.readLine()) != null) {
              line++;
              if (s.isBlank()) {
                continue;
              }
              String key = it.path() + "#L" + line;
              JsonNode n;
              try {
                n = JSON.readTree(s);
              } catch (IOException e) {
                return new Source(key, key, null, null, "invalid JSON: " + message(e));
              }
              JsonNode t = n == null ? null : n.get(o.textField());
              if (t == null || !t.isTextual()) {
                return new Source(key, key, null, null, "no text field '" + o.textField() + "'");
              }
              return new Source(key, key, null, t.asText(), null);
            }
            return null;
          } catch (CharacterCodingException e) {
            String key = it.path() + "#L" + (line + 1);
            return new Source(key, key, null, null, "invalid UTF-8 (" + message(e) + "); rest of the file skipped");
          } catch (IOException e) {
            return new Source(it.path(), it.path(), null, null, "unreadable: " + message(e));
          }
        }

        @Override
        public boolean hasNext() {
          return next != null;
        }

        @Override
        public Source next() {
          Source s = next;
          next = s.reason() != null && s.reason().startsWith("invalid UTF-8") ? null : advance();
          return s;
        }
      };
    }

    private void begin(Source s) {
      if (s.reason() != null) {
        quarantine(s.docKey(), s.path(), s.reason());
        return;
      }
      cur = s;
      carry = 0;
      position = 0;
      chars = 0;
      nonBlank = false;
      sampled = sampled(s.docKey(), o.sample());
      stats.reset();
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      if (s.text() != null) {
        digest.update(s.text().getBytes(StandardCharsets.UTF_8));
        reader = new StringReader(s.text());
        return;
      }
      try {
        BufferedInputStream in = new BufferedInputStream(s.bytes(), 1 << 16);
        in.mark(SNIFF);
        byte[] head = in.readNBytes(SNIFF);
        in.reset();
        for (byte b : head) {
          if (b == 0) {
            fail("binary (NUL byte in the first " + SNIFF + " bytes)");
            return;
          }
        }
        reader = new InputStreamReader(new DigestInputStream(in, digest), strictUtf8());
      } catch (IOException e) {
        fail("unreadable: " + message(e));
      }
    }

    /** Reads, checks and tokenizes the next window of the current document. */
    private void window() {
      int len = carry;
      boolean eof = false;
      try {
        while (len < buf.length) {
          int r = reader.read(buf, len, buf.length - len);
          if (r < 0) {
            eof = true;
            break;
          }
          len += r;
        }
      } catch (CharacterCodingException e) {
        fail("invalid UTF-8 (" + message(e) + ")");
        return;
      } catch (IOException e) {
        fail("unreadable: " + message(e));
        return;
      }
      int cut = eof ? len : safeCut(buf, len);
      for (int i = 0; i < cut; i++) {
        char c = buf[i];
        if (c == 0) {
          fail("binary (NUL character at character " + (chars + i) + ")");
          return;
        }
        if (!nonBlank && !Character.isWhitespace(c)) {
          nonBlank = true;
        }
        if (Character.isLowSurrogate(c)) {
          chars--; // count code points
        }
      }
      chars += cut;
      if (cut > 0) {
        int[] tokens = o.encoder().encode(new String(buf, 0, cut));
        if (o.jvmStats()) {
          stats.accept(tokens, tokens.length);
        }
        if ((o.allChunks() || sampled) && tokens.length > 0) {
          out.add(chunk(position, tokens));
        }
        position += tokens.length;
      }
      System.arraycopy(buf, cut, buf, 0, len - cut);
      carry = len - cut;
      if (eof) {
        finish();
      }
    }

    private void finish() {
      Source s = cur;
      close();
      if (!nonBlank) {
        quarantine(s.docKey(), s.path(), chars == 0 ? "empty document" : "empty document (whitespace only)");
        return;
      }
      String docId = HexFormat.of().formatHex(digest.digest()).substring(0, 32);
      out.add(part("doc", DOC.row().set("doc_key", s.docKey()).set("path", s.path()).set("doc_id", docId)
          .set("characters", chars).set("tokens", position).set("sampled", sampled)));
      if (o.jvmStats()) {
        long n = stats.tokens();
        Long p50 = stats.percentile(50);
        Long p90 = stats.percentile(90);
        Long p99 = stats.percentile(99);
        for (CorpusConfigs.Config c : o.configs().configs) {
          BitSet neg = Margins.negative(c, stats.maxAnyDistance());
          out.add(part("coverage", COVERAGE.row().set("doc_key", s.docKey()).set("config_index", c.index)
              .set("tokens", n).set("tokens_beyond_tune_len", Math.max(0, n - c.tuneLen))
              .set("tokens_beyond_extrapolation_bound", Math.max(0, n - c.extraCeil))
              .set("tokens_with_ood_pairs", Math.max(0, n - c.firstOod))
              .set("repeats", stats.repeats()).set("repeats_beyond_extrapolation_bound", stats.repeatsFrom(c.extraCeil))
              .set("undiscriminated_repeats", stats.repeatsWith(neg)).set("ngram_repeats", stats.ngramRepeats())
              .set("undiscriminated_ngram_repeats", stats.ngramRepeatsWith(neg))
              .set("repeat_distance_p50", p50).set("repeat_distance_p90", p90).set("repeat_distance_p99", p99)
              .set("repeat_distance_max", stats.maxDistance())));
        }
      }
    }

    private void fail(String reason) {
      Source s = cur;
      close();
      quarantine(s.docKey(), s.path(), reason);
    }

    private void close() {
      try {
        if (reader != null) {
          reader.close();
        }
      } catch (IOException e) {
        // already read to the end or failed: nothing more to do
      }
      reader = null;
      cur = null;
    }

    private void quarantine(String key, String path, String reason) {
      out.add(part("quarantined", QUARANTINED.row().set("doc_key", key).set("path", path).set("reason", reason)));
    }

    private Row chunk(long start, int[] tokens) {
      return part("chunk", CHUNK.row().set("doc_key", cur.docKey()).set("sampled", sampled).set("chunk_start", start)
          .set("token_ids", tokens));
    }
  }

  /**
   * Where to end a window so that tokenizing the pieces separately gives the same tokens as the
   * whole text: right after a line break that is followed by a non-space character (no pre-token
   * of cl100k_base, o200k_base or the common Hugging Face pre-tokenizers spans such a point); else
   * before a space that starts a word; else (no such point in the last half of the window) at the
   * window's end, not inside a surrogate pair.
   */
  static int safeCut(char[] b, int len) {
    int floor = len / 2;
    for (int i = len - 1; i > floor; i--) {
      if (b[i - 1] == '\n' && !Character.isWhitespace(b[i])) {
        return i;
      }
    }
    for (int i = len - 2; i > floor; i--) {
      if (b[i] == ' ' && Character.isLetter(b[i - 1]) && Character.isLetter(b[i + 1])) {
        return i;
      }
    }
    return Character.isHighSurrogate(b[len - 1]) ? len - 1 : len;
  }

  static CharsetDecoder strictUtf8() {
    return StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
