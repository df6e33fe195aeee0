package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ropescale.rope.RopeInputException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Token ids equal Hugging Face {@code tokenizers} built from the same GGUF vocab and merges with
 * the smollm pre-tokenizer: model/tokenizer-fixture.json, written by bench/tokenizer_fixture.py
 * (prose, code, SQL, digits, unicode, emoji, whitespace runs, special-token text, corpus slices).
 */
class BpeTokenizerTest {
  @Test
  void idsEqualHuggingFaceTokenizers() throws Exception {
    BpeTokenizer tok = TestModel.tokenizer();
    JsonNode doc;
    try (InputStream in = getClass().getResourceAsStream("/model/tokenizer-fixture.json")) {
      doc = new ObjectMapper().readTree(in);
    }
    int cases = 0;
    for (JsonNode c : doc.get("cases")) {
      String text = c.get("text").asText();
      int[] want = new int[c.get("ids").size()];
      for (int i = 0; i < want.length; i++) {
        want[i] = c.get("ids").get(i).asInt();
      }
      assertArrayEquals(want, tok.encode(text), c.get("name").asText() + ": " + abbreviate(text));
      assertEquals(text, tok.decode(want), "decode of " + c.get("name").asText());
      cases++;
    }
    assertTrue(cases >= 15, "fixture has " + cases + " cases");
  }

  @Test
  void digitsAreSinglePiecesAndNoBosIsAdded() {
    BpeTokenizer tok = TestModel.tokenizer();
    int[] ids = tok.encode("2024");
    assertEquals(4, ids.length);
    for (int i = 0; i < 4; i++) {
      assertEquals(String.valueOf("2024".charAt(i)), tok.token(ids[i]));
    }
    assertEquals("Hello", tok.token(tok.encode("Hello")[0]));
  }

  @Test
  void unsupportedTokenizerIsAnInputError() throws Exception {
    java.nio.file.Path p = java.nio.file.Files.createTempFile("tok", ".gguf");
    try {
      new GgufWriter().put("tokenizer.ggml.model", GgufValueType.STRING, "llama")
          .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a"))
          .putArray("tokenizer.ggml.merges", GgufValueType.STRING, List.of()).write(p);
      try (GgufFile f = GgufFile.open(p)) {
        RopeInputException e = assertThrows(RopeInputException.class, () -> BpeTokenizer.fromGguf(f));
        assertTrue(e.getMessage().contains("llama"), e.getMessage());
      }
    } finally {
      java.nio.file.Files.deleteIfExists(p);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 50 ? s.substring(0, 50) + "..." : s;
  }
}
