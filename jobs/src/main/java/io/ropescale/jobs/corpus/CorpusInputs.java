package io.ropescale.jobs.corpus;

import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Finds a corpus's inputs on the driver (any Hadoop file system: local paths, globs, URIs) and
 * splits them into work items that executors read. Text-like inputs become items (one per file,
 * one per entry of a local zip archive); Parquet files and Delta tables are read by Spark itself.
 */
public final class CorpusInputs {
  /** One unit of reading: a file, or one entry of a zip archive (entry != null). */
  public static final class Item implements Serializable {
    private static final long serialVersionUID = 1L;
    // a plain class, not a record: Spark's Kryo serializer cannot write records (JDK 17)
    private String path;
    private String entry;
    private String format;
    private boolean gzip;
    private long size;

    public Item(String path, String entry, String format, boolean gzip, long size) {
      this.path = path;
      this.entry = entry;
      this.format = format;
      this.gzip = gzip;
      this.size = size;
    }

    private Item() {} // for Kryo

    public String path() {
      return path;
    }

    public String entry() {
      return entry;
    }

    public String format() {
      return format;
    }

    public boolean gzip() {
      return gzip;
    }

    public long size() {
      return size;
    }
  }

  /** What the corpus holds: items for the scanner, and Parquet files / Delta tables for Spark. */
  public record Listing(List<Item> items, List<String> parquet, List<String> delta) {}

  private CorpusInputs() {}

  public static Listing list(CorpusSpec spec, Configuration conf) {
    List<Item> items = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    List<String> delta = new ArrayList<>();
    for (String given : spec.paths()) {
      try {
        Path p = new Path(given);
        FileSystem fs = p.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(p);
        if (matches == null || matches.length == 0) {
          throw new RopeInputException("corpus.paths", given, "matches no file or directory");
        }
        for (FileStatus st : matches) {
          if (st.isDirectory() && (spec.format().equals("delta")
              || spec.format().equals("auto") && fs.exists(new Path(st.getPath(), "_delta_log")))) {
            delta.add(st.getPath().toString());
          } else if (st.isDirectory()) {
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(st.getPath(), true);
            List<FileStatus> found = new ArrayList<>();
            while (files.hasNext()) {
              LocatedFileStatus f = files.next();
              if (!hidden(st.getPath(), f.getPath())) {
                found.add(f);
              }
            }
            found.sort(Comparator.comparing(f -> f.getPath().toString()));
            for (FileStatus f : found) {
              add(spec, fs, f, items, parquet);
            }
          } else if (spec.format().equals("delta")) {
            throw new RopeInputException("corpus.paths", given, "is a file, not a Delta table directory");
          } else {
            add(spec, fs, st, items, parquet);
          }
        }
      } catch (IOException e) {
        throw new RopeInputException("corpus.paths", given, "cannot be listed: " + e.getMessage());
      }
    }
    if (items.isEmpty() && parquet.isEmpty() && delta.isEmpty()) {
      throw new RopeInputException("corpus.paths", spec.paths(), "hold no file");
    }
    return new Listing(items, parquet, delta);
  }

  /** Hidden below the given root: any path component starting with '.' or '_'. */
  private static boolean hidden(Path root, Path file) {
    String rel = file.toUri().getPath().substring(Math.min(root.toUri().getPath().length(), file.toUri().getPath().length()));
    for (String part : rel.split("/")) {
      if (part.startsWith(".") || part.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  static String formatOf(String name, String format) {
    String n = name.toLowerCase(Locale.ROOT);
    boolean gz = n.endsWith(".gz");
    String base = gz ? n.substring(0, n.length() - 3) : n;
    if (!format.equals("auto")) {
      return format.equals("gzip") ? "text" : format;
    }
    if (base.endsWith(".zip")) {
      return "zip";
    }
    if (base.endsWith(".jsonl") || base.endsWith(".ndjson")) {
      return "jsonl";
    }
    if (base.endsWith(".parquet")) {
      return "parquet";
    }
    return "text";
  }

  private static void add(CorpusSpec spec, FileSystem fs, FileStatus f, List<Item> items, List<String> parquet)
      throws IOException {
    String path = f.getPath().toString();
    String name = f.getPath().getName();
    String format = formatOf(name, spec.format());
    boolean gzip = name.toLowerCase(Locale.ROOT).endsWith(".gz") || spec.format().equals("gzip");
    switch (format) {
      case "parquet" -> parquet.add(path);
      case "zip" -> {
        if ("file".equals(fs.getScheme())) {
          // local archive: one item per entry, so entries spread over the executors
          try (ZipFile z = new ZipFile(f.getPath().toUri().getPath())) {
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
              ZipEntry e = en.nextElement();
              if (!e.isDirectory()) {
                items.add(new Item(path, e.getName(), "zip", false, Math.max(e.getSize(), e.getCompressedSize())));
              }
            }
          } catch (java.util.zip.ZipException e) {
            items.add(new Item(path, null, "zip", false, f.getLen())); // quarantined by the reader
          }
        } else {
          items.add(new Item(path, null, "zip", false, f.getLen())); // streamed whole by one task
        }
      }
      default -> items.add(new Item(path, null, format, gzip, gzip ? f.getLen() * 4 : f.getLen()));
    }
  }

  /** Items into {@code bins} groups of similar total size (largest first into the lightest bin). */
  public static List<List<Item>> balance(List<Item> items, int bins) {
    List<Item> sorted = new ArrayList<>(items);
    sorted.sort(Comparator.comparingLong(Item::size).reversed().thenComparing(Item::path)
        .thenComparing(i -> String.valueOf(i.entry())));
    int k = Math.max(1, Math.min(bins, sorted.size()));
    List<List<Item>> out = new ArrayList<>();
    long[] load = new long[k];
    for (int i = 0; i < k; i++) {
      out.add(new ArrayList<>());
    }
    for (Item it : sorted) {
      int best = 0;
      for (int i = 1; i < k; i++) {
        if (load[i] < load[best]) {
          best = i;
        }
      }
      out.get(best).add(it);
      load[best] += Math.max(1, it.size());
    }
    return out;
  }

  /** The Hadoop configuration's entries, to rebuild it on executors. */
  public static Map<String, String> confMap(Configuration conf) {
    Map<String, String> m = new HashMap<>();
    for (Map.Entry<String, String> e : conf) {
      m.put(e.getKey(), e.getValue());
    }
    return m;
  }

  public static Configuration conf(Map<String, String> m) {
    Configuration c = new Configuration(false);
    m.forEach(c::set);
    return c;
  }

  /** Opens a plain or gzip file's bytes. */
  public static InputStream open(Item it, Configuration conf) throws IOException {
    Path p = new Path(it.path());
    InputStream in = p.getFileSystem(conf).open(p);
    try {
      if (!it.gzip()) {
        return in;
      }
      InflationGuard.Counting raw = new InflationGuard.Counting(in);
      return new InflationGuard(new GZIPInputStream(raw, 1 << 16), raw::count);
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(e);
  }
}
