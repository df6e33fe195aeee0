package io.ropescale.jobs.model;

import io.ropescale.model.BpeTokenizer;
import io.ropescale.model.ForwardResult;
import io.ropescale.model.GgufFile;
import io.ropescale.model.LlamaConfig;
import io.ropescale.model.LlamaForward;
import io.ropescale.model.LlamaWeights;
import io.ropescale.model.StatsRequest;
import io.ropescale.rope.RopeInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;

/**
 * The model as executors see it: a GGUF file (local path or any Hadoop URI, copied once per JVM
 * to a local temp file), its weights loaded once per JVM and kept in a static cache keyed by
 * location and SHA-256 (so every (document, variant) task of an executor shares one copy), its
 * tokenizer and forward pass. The only place the stage touches the model API.
 */
final class ModelRuntime {
  private static String loadedKey;
  private static LlamaWeights loaded;
  private static final Map<String, Path> LOCAL = new ConcurrentHashMap<>();

  private ModelRuntime() {}

  /** A local file with the GGUF's bytes: the path itself, or a per-JVM copy of a remote URI. */
  static Path local(String location, Map<String, String> hadoop) {
    if (!location.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*") || location.startsWith("file:")) {
      Path p = location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location);
      if (!Files.isRegularFile(p)) {
        throw new RopeInputException("model_attention.gguf", location, "does not exist (bin/fetch-model fetches the default)");
      }
      return p;
    }
    return LOCAL.computeIfAbsent(location, loc -> {
      try {
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(loc);
        Configuration conf = new Configuration(false);
        hadoop.forEach(conf::set);
        Path tmp = Files.createTempFile("ropescale-model-", ".gguf");
        tmp.toFile().deleteOnExit();
        try (InputStream in = src.getFileSystem(conf).open(src); OutputStream out = Files.newOutputStream(tmp)) {
          in.transferTo(out);
        }
        return tmp;
      } catch (IOException e) {
        throw new RopeInputException("model_attention.gguf", loc, "cannot be read: " + e.getMessage());
      }
    });
  }

  static String sha256(Path p) {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      for (int r; (r = in.read(buf)) > 0; ) {
        md.update(buf, 0, r);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new RopeInputException("model_attention.gguf", p, "cannot be read: " + e.getMessage());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The model's shape and tokenizer, read on the driver. */
  record Header(LlamaConfig config, BpeTokenizer tokenizer) {}

  static Header header(Path p) {
    GgufFile f = GgufFile.open(p);
    return new Header(LlamaConfig.fromGguf(f), BpeTokenizer.fromGguf(f));
  }

  /** One model per JVM: a new key (another file or content) replaces the old weights instead of piling up. */
  static synchronized LlamaWeights weights(String location, String sha, Map<String, String> hadoop) {
    String key = location + "#" + sha;
    if (!key.equals(loadedKey)) {
      loaded = null;
      loaded = LlamaWeights.load(GgufFile.open(local(location, hadoop)));
      loadedKey = key;
    }
    return loaded;
  }

  static ForwardResult forward(LlamaWeights w, int threads, int[] tokens, double[] invFreq, double attentionFactor,
      StatsRequest req) {
    try (LlamaForward f = new LlamaForward(w, threads)) {
      return f.forward(tokens, invFreq, attentionFactor, req);
    }
  }
}
