package io.ropescale.jobs.corpus;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The obvious alternative, for bench/corpus_bench.sh: read every file of a folder and count its
 * cl100k_base tokens with plain jtokkit on one thread (no statistics, no Spark, no writes).
 * Usage: TokenizeOnlyBench DIR
 */
public final class TokenizeOnlyBench {
  public static void main(String[] args) throws Exception {
    Encoding enc = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of(args[0]))) {
      files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    enc.countTokensOrdinary("warm up the encoder's tables");
    long t0 = System.nanoTime();
    long tokens = 0;
    long chars = 0;
    for (Path f : files) {
      String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
      chars += text.length();
      tokens += enc.encodeOrdinary(text).size();
    }
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("tokenize-only: %d files, %d chars, %d tokens in %.2f s = %.0f tokens/s on 1 core%n",
        files.size(), chars, tokens, s, tokens / s);
  }
}
