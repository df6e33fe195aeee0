package io.ropescale.jobs.corpus;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A real BPE tokenizer, usable on executors: jtokkit's {@code cl100k_base} / {@code o200k_base}
 * (pure Java), or a Hugging Face {@code tokenizer.json} through DJL's tokenizers library (Rust,
 * native library bundled in the DJL jar for linux-x86_64 and others). Special-token text such as
 * {@code <|endoftext|>} in a document is encoded as ordinary text. Tokenization is CPU-bound by
 * nature (regex pre-tokenization and byte-pair merges); the spec's tokenizer is rebuilt once per
 * executor JVM and cached.
 */
public final class TokenEncoder implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String CL100K = "cl100k_base";
  public static final String O200K = "o200k_base";

  private static final Map<String, Object> CACHE = new ConcurrentHashMap<>();
  private static volatile EncodingRegistry registry;

  /** cl100k_base, o200k_base or hf:<file name>; written to the documents table. */
  public final String name;
  /** tokenizer.json content for the Hugging Face path (shipped with the task), else null. */
  private final byte[] hfJson;

  private TokenEncoder(String name, byte[] hfJson) {
    this.name = name;
    this.hfJson = hfJson;
  }

  public static TokenEncoder jtokkit(String encoding) {
    if (!encoding.equals(CL100K) && !encoding.equals(O200K)) {
      throw new IllegalArgumentException("not a jtokkit encoding: " + encoding);
    }
    return new TokenEncoder(encoding, null);
  }

  /** A Hugging Face tokenizer from the bytes of its tokenizer.json (read on the driver). */
  public static TokenEncoder huggingFace(String fileName, byte[] json) {
    TokenEncoder t = new TokenEncoder("hf:" + fileName, json);
    t.hf(); // load once on the driver, so a bad file fails before any Spark work
    return t;
  }

  /** Token ids of {@code text}, special tokens treated as ordinary text. */
  public int[] encode(String text) {
    if (hfJson == null) {
      return jt().encodeOrdinary(text).toArray();
    }
    Encoding e = hf().encode(text, false, false);
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= 1 << 21) { // RepeatStats packs three ids of a 4-gram into 63 bits
        throw new IllegalStateException(name + " produced token id " + ids[i] + "; ids must be in [0, 2^21)");
      }
      out[i] = (int) ids[i];
    }
    return out;
  }

  private com.knuddels.jtokkit.api.Encoding jt() {
    return (com.knuddels.jtokkit.api.Encoding) CACHE.computeIfAbsent(name, n -> {
      EncodingRegistry r = registry;
      if (r == null) {
        synchronized (TokenEncoder.class) {
          if (registry == null) {
            registry = Encodings.newLazyEncodingRegistry();
          }
          r = registry;
        }
      }
      return r.getEncoding(n.equals(O200K) ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE);
    });
  }

  private HuggingFaceTokenizer hf() {
    String key = name + "#" + sha(hfJson);
    return (HuggingFaceTokenizer) CACHE.computeIfAbsent(key, k -> {
      try {
        // no truncation, no padding, no special tokens: a whole window of a document, as is
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(hfJson),
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
                "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  static String sha(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha(String text) {
    return sha(text.getBytes(StandardCharsets.UTF_8));
  }
}
