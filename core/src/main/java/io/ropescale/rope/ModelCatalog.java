package io.ropescale.rope;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The catalogue of open models in {@code datasets/models.csv}, bundled on the class path. */
public final class ModelCatalog {

  public static final String RESOURCE = "/ropescale/models.csv";
  private static final String[] HEADER = {
      "name", "family", "head_dim", "rotary_dim", "partial_rotary_factor", "rope_theta", "train_len",
      "max_position_embeddings", "rope_type", "factor", "original_max_position_embeddings",
      "low_freq_factor", "high_freq_factor", "beta_fast", "beta_slow", "short_factor", "long_factor",
      "source"};

  private static volatile ModelCatalog bundled;
  private final Map<String, RopeModel> models;

  private ModelCatalog(Map<String, RopeModel> models) {
    this.models = Collections.unmodifiableMap(models);
  }

  public static ModelCatalog bundled() {
    if (bundled == null) {
      try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("models.csv missing from the class path at " + RESOURCE);
        }
        bundled = parse(in, RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bundled;
  }

  public static ModelCatalog parse(InputStream in, String origin) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String header = r.readLine();
    if (header == null || !Arrays.equals(header.trim().split(",", -1), HEADER)) {
      throw new RopeInputException(origin + " header", header, "expected " + String.join(",", HEADER));
    }
    Map<String, RopeModel> out = new LinkedHashMap<>();
    String line;
    int lineNo = 1;
    while ((line = r.readLine()) != null) {
      lineNo++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(",", -1);
      if (f.length != HEADER.length) {
        throw new RopeInputException(origin + " line " + lineNo, line,
            "has " + f.length + " fields, expected " + HEADER.length);
      }
      RopeModel m = row(f, origin + " line " + lineNo);
      out.put(m.name(), m);
    }
    return new ModelCatalog(out);
  }

  private static RopeModel row(String[] f, String where) {
    String name = f[0].trim().toLowerCase(Locale.ROOT);
    int headDim = (int) num(f[2], where + " head_dim");
    int rotaryDim = (int) num(f[3], where + " rotary_dim");
    double theta = num(f[5], where + " rope_theta");
    long trainLen = (long) num(f[6], where + " train_len");
    long maxPos = (long) num(f[7], where + " max_position_embeddings");
    RopeScaling scaling = new RopeScaling(
        f[8].isBlank() ? "default" : f[8],
        opt(f[9], where + " factor"),
        (long) (f[10].isBlank() ? 0 : num(f[10], where + " original_max_position_embeddings")),
        opt(f[11], where + " low_freq_factor"),
        opt(f[12], where + " high_freq_factor"),
        opt(f[13], where + " beta_fast"),
        opt(f[14], where + " beta_slow"),
        list(f[15], where + " short_factor"),
        list(f[16], where + " long_factor"));
    RopeModel m = new RopeModel(name, headDim, rotaryDim, theta, trainLen, maxPos, scaling, f[17].trim());
    m.config(); // validates every field now, with the row named
    return m;
  }

  static double num(String s, String field) {
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new RopeInputException(field, s, "not a number");
    }
  }

  private static double opt(String s, String field) {
    return s.isBlank() ? Double.NaN : num(s, field);
  }

  private static double[] list(String s, String field) {
    if (s.isBlank()) {
      return null;
    }
    return Arrays.stream(s.trim().split("\\s+")).mapToDouble(x -> num(x, field)).toArray();
  }

  public RopeModel get(String name) {
    RopeModel m = models.get(name.trim().toLowerCase(Locale.ROOT));
    if (m == null) {
      throw new RopeInputException("model", name, "unknown model; known: " + String.join(", ", models.keySet()));
    }
    return m;
  }

  public List<RopeModel> all() {
    return new ArrayList<>(models.values());
  }
}
