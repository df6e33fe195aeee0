package io.ropescale.rope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the RoPE facts out of a Hugging Face {@code config.json}: {@code rope_theta},
 * {@code head_dim} or {@code hidden_size / num_attention_heads}, {@code partial_rotary_factor}
 * (or GPT-NeoX's {@code rotary_pct}), {@code max_position_embeddings}, {@code rope_scaling}.
 */
public final class HfConfigs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HfConfigs() {}

  public static RopeModel read(Path path) {
    String field = "hf-config " + path;
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(path));
    } catch (IOException e) {
      throw new RopeInputException(field, path, "cannot be read as JSON: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new RopeInputException(field, path, "is not a JSON object");
    }
    return parse(root, path.toString());
  }

  static RopeModel parse(JsonNode root, String origin) {
    int headDim;
    if (root.hasNonNull("head_dim")) {
      headDim = integer(root, "head_dim");
    } else {
      int hidden = integer(root, "hidden_size");
      int heads = integer(root, "num_attention_heads");
      if (heads <= 0 || hidden % heads != 0) {
        throw new RopeInputException("num_attention_heads", heads, "must divide hidden_size " + hidden);
      }
      headDim = hidden / heads;
    }
    double partial = root.hasNonNull("partial_rotary_factor") ? number(root, "partial_rotary_factor")
        : root.hasNonNull("rotary_pct") ? number(root, "rotary_pct") : 1.0;
    int rotaryDim = RopeConfig.rotaryDimOf(headDim, partial);
    double theta = root.hasNonNull("rope_theta") ? number(root, "rope_theta")
        : root.hasNonNull("rotary_emb_base") ? number(root, "rotary_emb_base") : 10000.0;
    long maxPos = (long) number(root, "max_position_embeddings");
    RopeScaling scaling = RopeScaling.DEFAULT;
    long trainLen = maxPos;
    JsonNode rs = root.get("rope_scaling");
    if (rs != null && !rs.isNull()) {
      if (!rs.isObject()) {
        throw new RopeInputException("rope_scaling", rs, "must be an object or null");
      }
      String type = rs.hasNonNull("rope_type") ? rs.get("rope_type").asText()
          : rs.hasNonNull("type") ? rs.get("type").asText() : "default";
      long originalMax = rs.hasNonNull("original_max_position_embeddings")
          ? (long) number(rs, "original_max_position_embeddings") : 0;
      scaling = new RopeScaling(type,
          rs.hasNonNull("factor") ? number(rs, "factor") : Double.NaN,
          originalMax,
          rs.hasNonNull("low_freq_factor") ? number(rs, "low_freq_factor") : Double.NaN,
          rs.hasNonNull("high_freq_factor") ? number(rs, "high_freq_factor") : Double.NaN,
          rs.hasNonNull("beta_fast") ? number(rs, "beta_fast") : Double.NaN,
          rs.hasNonNull("beta_slow") ? number(rs, "beta_slow") : Double.NaN,
          doubles(rs, "short_factor"),
          doubles(rs, "long_factor"),
          rs.hasNonNull("attention_factor") ? number(rs, "attention_factor") : Double.NaN,
          rs.hasNonNull("mscale") ? number(rs, "mscale") : Double.NaN,
          rs.hasNonNull("mscale_all_dim") ? number(rs, "mscale_all_dim") : Double.NaN,
          rs.hasNonNull("truncate") ? bool(rs, "truncate") : null);
      RopeType unit = RopeTypes.of(scaling.type());
      // Every rope_scaling key must be one the type reads (Hugging Face only warns; a silently
      // ignored key is a wrong answer here).
      for (var it = rs.fields(); it.hasNext(); ) {
        var e = it.next();
        String key = e.getKey();
        if (!key.equals("type") && !key.equals("rope_type") && !e.getValue().isNull() && !unit.keys().contains(key)) {
          throw new RopeInputException("rope_scaling." + key, e.getValue(),
              "does not apply to rope_type " + unit.name() + " (it reads " + new java.util.TreeSet<>(unit.keys()) + ")");
        }
      }
      // Phi-3 keeps original_max_position_embeddings at the top level of config.json.
      if (originalMax == 0 && root.hasNonNull("original_max_position_embeddings")
          && unit.keys().contains("original_max_position_embeddings")) {
        originalMax = (long) number(root, "original_max_position_embeddings");
        scaling = scaling.withOriginalMax(originalMax);
      }
      scaling = unit.completeFromConfig(scaling, maxPos);
      if (originalMax > 0) {
        trainLen = originalMax;
      }
    }
    String name = root.hasNonNull("_name_or_path") ? root.get("_name_or_path").asText() : origin;
    RopeModel m = new RopeModel(name, headDim, rotaryDim, theta, trainLen, maxPos, scaling, origin);
    m.config();
    return m;
  }

  private static double number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isNumber()) {
      throw new RopeInputException(field, v == null ? "missing" : v.toString(), "config.json needs a number here");
    }
    return v.asDouble();
  }

  private static boolean bool(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (!v.isBoolean()) {
      throw new RopeInputException("rope_scaling." + field, v, "config.json needs true or false here");
    }
    return v.asBoolean();
  }

  private static int integer(JsonNode node, String field) {
    double v = number(node, field);
    if (v != Math.rint(v)) {
      throw new RopeInputException(field, v, "must be an integer");
    }
    return (int) v;
  }

  private static double[] doubles(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw new RopeInputException("rope_scaling." + field, v, "must be a list of numbers");
    }
    double[] out = new double[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (!v.get(i).isNumber()) {
        throw new RopeInputException("rope_scaling." + field + "[" + i + "]", v.get(i), "not a number");
      }
      out[i] = v.get(i).asDouble();
    }
    return out;
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.split("\n", 2)[0];
  }
}
