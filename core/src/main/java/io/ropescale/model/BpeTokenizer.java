package io.ropescale.model;

import io.ropescale.rope.RopeInputException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2 byte-level BPE built from a GGUF's vocabulary ({@code tokenizer.ggml.tokens}) and merges
 * ({@code tokenizer.ggml.merges}), as Hugging Face {@code tokenizers} runs it:
 *
 * <ol>
 *   <li>pre-tokenizer {@code smollm} ({@code tokenizer.ggml.pre}): every digit (Unicode category N)
 *       is its own piece (HF {@code Digits(individual_digits=true)}), then each piece is split by
 *       the GPT-2 pattern (HF {@code ByteLevel(add_prefix_space=false, use_regex=true)});
 *       {@code gpt-2} is the same without the digit split;</li>
 *   <li>each word's UTF-8 bytes map to printable characters by GPT-2's {@code bytes_to_unicode};</li>
 *   <li>adjacent symbols merge, lowest merge rank first, until no listed merge applies.</li>
 * </ol>
 *
 * No BOS or other special token is added, and special-token text in the input is encoded as
 * plain text. {@link #decode} maps the token strings back to bytes and reads them as UTF-8.
 * Instances are thread-safe.
 */
public final class BpeTokenizer {
  /** GPT-2's pattern (HF ByteLevel); \s is Unicode White_Space as in the Rust regex. */
  private static final Pattern GPT2 = Pattern.compile(
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
      Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern DIGIT = Pattern.compile("\\p{N}");

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    // GPT-2 bytes_to_unicode: printable bytes map to themselves, the rest to 256 + k in order
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int extra = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char ch = printable ? (char) b : (char) (256 + extra++);
      BYTE_TO_CHAR[b] = ch;
      CHAR_TO_BYTE[ch] = b;
    }
  }

  private final String[] tokens;
  private final Map<String, Integer> ids;
  private final Map<String, Integer> mergeRank;
  private final boolean splitDigits;
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * @param tokens      the vocabulary, index = id
   * @param merges      merges "left right", index = rank
   * @param splitDigits the smollm pre-tokenizer's digit split
   */
  public BpeTokenizer(String[] tokens, String[] merges, boolean splitDigits) {
    this.tokens = tokens.clone();
    this.ids = new HashMap<>(tokens.length * 2);
    for (int i = 0; i < tokens.length; i++) {
      ids.putIfAbsent(tokens[i], i);
    }
    this.mergeRank = new HashMap<>(merges.length * 2);
    for (int r = 0; r < merges.length; r++) {
      int sp = merges[r].indexOf(' ', 1);
      if (sp < 0) {
        throw new RopeInputException("tokenizer.ggml.merges[" + r + "]", merges[r], "a merge is two symbols separated by a space");
      }
      mergeRank.putIfAbsent(merges[r].substring(0, sp) + ' ' + merges[r].substring(sp + 1), r);
    }
    this.splitDigits = splitDigits;
  }

  /**
   * The tokenizer of a GGUF file: {@code tokenizer.ggml.model} must be {@code gpt2} and
   * {@code tokenizer.ggml.pre} {@code smollm} or {@code gpt-2} (absent means gpt-2); anything
   * else is a {@link RopeInputException} naming it.
   */
  public static BpeTokenizer fromGguf(GgufFile f) {
    String model = f.getString("tokenizer.ggml.model");
    if (!"gpt2".equals(model)) {
      throw new RopeInputException("gguf tokenizer.ggml.model", model, "unsupported tokenizer; only gpt2 (byte-level BPE) is");
    }
    String pre = f.has("tokenizer.ggml.pre") ? f.getString("tokenizer.ggml.pre") : "gpt-2";
    boolean digits;
    switch (pre) {
      case "smollm":
        digits = true;
        break;
      case "gpt-2":
      case "default":
        digits = false;
        break;
      default:
        throw new RopeInputException("gguf tokenizer.ggml.pre", pre, "unsupported pre-tokenizer; supported: smollm, gpt-2");
    }
    return new BpeTokenizer(f.getStringArray("tokenizer.ggml.tokens"), f.getStringArray("tokenizer.ggml.merges"), digits);
  }

  public int vocabSize() {
    return tokens.length;
  }

  /** The token string (byte-level form) of an id. */
  public String token(int id) {
    return tokens[id];
  }

  /** Token ids of {@code text}; no BOS. */
  public int[] encode(String text) {
    List<Integer> out = new ArrayList<>(text.length() / 3 + 4);
    for (String piece : preSplit(text)) {
      Matcher m = GPT2.matcher(piece);
      while (m.find()) {
        for (int id : word(m.group())) {
          out.add(id);
        }
      }
    }
    int[] a = new int[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  /** Digits split: every Unicode number character alone, the runs between kept whole. */
  private List<String> preSplit(String text) {
    List<String> pieces = new ArrayList<>();
    if (!splitDigits) {
      pieces.add(text);
      return pieces;
    }
    Matcher m = DIGIT.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.start() > last) {
        pieces.add(text.substring(last, m.start()));
      }
      pieces.add(m.group());
      last = m.end();
    }
    if (last < text.length()) {
      pieces.add(text.substring(last));
    }
    return pieces;
  }

  private int[] word(String w) {
    int[] cached = cache.get(w);
    if (cached != null) {
      return cached;
    }
    byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
    List<String> sym = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      sym.add(String.valueOf(BYTE_TO_CHAR[b & 0xff]));
    }
    while (sym.size() > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < sym.size(); i++) {
        Integer r = mergeRank.get(sym.get(i) + ' ' + sym.get(i + 1));
        if (r != null && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      // merge every occurrence of the best pair, left to right (as HF and GPT-2 do)
      String a = sym.get(best);
      String b = sym.get(best + 1);
      List<String> next = new ArrayList<>(sym.size());
      for (int i = 0; i < sym.size(); i++) {
        if (i + 1 < sym.size() && sym.get(i).equals(a) && sym.get(i + 1).equals(b)) {
          next.add(a + b);
          i++;
        } else {
          next.add(sym.get(i));
        }
      }
      sym = next;
    }
    int[] out = new int[sym.size()];
    for (int i = 0; i < out.length; i++) {
      Integer id = ids.get(sym.get(i));
      if (id == null) {
        throw new RopeInputException("tokenizer symbol", sym.get(i), "not in the vocabulary (byte-level vocab incomplete)");
      }
      out[i] = id;
    }
    if (cache.size() < 200_000) {
      cache.put(w, out);
    }
    return out;
  }

  /** The text of token ids (byte-level strings back to bytes, read as UTF-8). */
  public String decode(int[] idsToDecode) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : idsToDecode) {
      if (id < 0 || id >= tokens.length) {
        throw new RopeInputException("token id", id, "not in the vocabulary (size " + tokens.length + ")");
      }
      String s = tokens[id];
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        int b = ch < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[ch] : -1;
        if (b >= 0) {
          bytes.write(b);
        } else {
          // not a byte-level character (e.g. a special token's text): keep it as UTF-8
          byte[] u = String.valueOf(ch).getBytes(StandardCharsets.UTF_8);
          bytes.write(u, 0, u.length);
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
