package io.ropescale.jobs.corpus;

import io.ropescale.jobs.SweepSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;

/** One-thread profile of the executor scan (no Spark): ScanBench DIR [stats: true|false]. */
public final class ScanBench {
  public static void main(String[] args) throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of(args[0]))) {
      files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    List<CorpusInputs.Item> items = files.stream()
        .map(f -> new CorpusInputs.Item(f.toUri().toString(), null, "text", false, 0)).collect(Collectors.toList());
    SweepSpec spec = SweepSpec.parse("models: [llama2-7b]\nbases: [10000, 40000, 160000, 500000, 1000000]\n"
        + "tune_lengths: [4096, 16384]\n", "bench", null);
    CorpusConfigs cc = new CorpusConfigs(spec.configurations());
    boolean stats = args.length < 2 || Boolean.parseBoolean(args[1]);
    for (int rep = 0; rep < 2; rep++) {
      long t0 = System.nanoTime();
      Iterator<Row> it = CorpusScan.scan(items.iterator(), new CorpusScan.Options(TokenEncoder.jtokkit("cl100k_base"),
          cc, stats, false, 0, "text", new HashMap<>(), CorpusScan.WINDOW));
      long tokens = 0;
      while (it.hasNext()) {
        Row r = it.next();
        if (r.getAs("doc") != null) {
          tokens += r.<Row>getAs("doc").<Long>getAs("tokens");
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("scan (stats=%s): %d tokens in %.2f s = %.0f tokens/s%n", stats, tokens, s, tokens / s);
    }
  }
}
