package io.ropescale.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Tokens/s of {@link LlamaForward} at several context lengths (median of repeated passes after a
 * warm-up), one JSON line per length in the same shape as bench/llama_numpy.py's. Not a test
 * (surefire's includes do not match *Bench); bench/forward_bench.sh runs it:
 *
 * <pre>java --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes \
 *   io.ropescale.model.ForwardBench GGUF TEXT 1024,4096,8192 REPS THREADS</pre>
 *
 * With {@code kernels} as the only argument it prints the single-thread GFLOP/s of the matrix
 * kernels instead.
 */
public final class ForwardBench {
  private ForwardBench() {}

  public static void main(String[] a) throws Exception {
    if (a.length == 1 && a[0].equals("kernels")) {
      kernels();
      return;
    }
    Path gguf = Path.of(a[0]);
    Path text = Path.of(a[1]);
    int[] lengths = Arrays.stream(a[2].split(",")).mapToInt(Integer::parseInt).toArray();
    int reps = Integer.parseInt(a[3]);
    int threads = Integer.parseInt(a[4]);
    LlamaWeights w;
    BpeTokenizer tok;
    try (GgufFile f = GgufFile.open(gguf)) {
      w = LlamaWeights.load(f);
      tok = BpeTokenizer.fromGguf(f);
    }
    byte[] raw = java.nio.file.Files.readAllBytes(text);
    if (text.toString().endsWith(".gz")) {
      raw = new GZIPInputStream(new java.io.ByteArrayInputStream(raw)).readAllBytes();
    }
    int[] ids = tok.encode(new String(raw, java.nio.charset.StandardCharsets.UTF_8));
    try (LlamaForward fw = new LlamaForward(w, threads)) {
      double[] inv = w.config.nativeInvFreq();
      fw.forward(Arrays.copyOf(ids, Math.min(ids.length, 512)), inv, 1.0, StatsRequest.none()); // JIT warm-up
      for (int n : lengths) {
        int[] seq = new int[n];
        for (int t = 0; t < n; t++) {
          seq[t] = ids[t % ids.length];
        }
        double[] times = new double[reps];
        double[] cpu = new double[reps];
        for (int r = 0; r < reps; r++) {
          long c0 = processCpuNanos();
          long s = System.nanoTime();
          fw.forward(seq, inv, 1.0, StatsRequest.none());
          times[r] = (System.nanoTime() - s) / 1e9;
          cpu[r] = (processCpuNanos() - c0) / 1e9;
        }
        Arrays.sort(cpu);
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        double med = reps % 2 == 1 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        StringBuilder ts = new StringBuilder();
        for (double t : times) {
          ts.append(ts.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", t));
        }
        System.out.printf(Locale.ROOT,
            "{\"engine\": \"java\", \"tokens\": %d, \"median_s\": %.3f, \"times_s\": [%s], \"tokens_per_s\": %.1f, "
                + "\"gflops\": %.1f, \"cpu_s\": %.3f, \"kernel\": \"%s\", \"threads\": %d}%n",
            n, med, ts, n / med, LlamaForward.flops(w.config, n) / med / 1e9, cpu[reps / 2], fw.kernelName(), threads);
      }
    }
  }

  /**
   * CPU time of this JVM (all threads): on a shared machine the wall time also counts the time the
   * pass waited for a core, the CPU time does not.
   */
  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : -1;
  }

  private static void kernels() {
    Kernels k = Kernels.get();
    java.util.Random rnd = new java.util.Random(1);
    int m = 256;
    int n = 576;
    int kk = 576;
    float[] a = new float[m * kk];
    float[] b = new float[n * kk];
    float[] c = new float[m * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextFloat();
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = rnd.nextFloat();
    }
    for (int rep = 0; rep < 8; rep++) {
      long s = System.nanoTime();
      for (int ob = 0; ob < n; ob += 64) {
        for (int tb = 0; tb < m; tb += 64) {
          k.gemmNT(a, tb * kk, kk, b, ob * kk, kk, c, tb * n + ob, n, 64, 64, kk);
        }
      }
      double sec = (System.nanoTime() - s) / 1e9;
      System.out.printf(Locale.ROOT, "gemmNT %s: %.1f GFLOP/s%n", k.name(), 2.0 * m * n * kk / sec / 1e9);
    }
    int keys = 4096;
    float[] q = new float[16 * 64];
    float[] kt = new float[64 * keys];
    float[] sc = new float[16 * keys];
    float[] v = new float[keys * 64];
    float[] o = new float[16 * 64];
    double[] st = new double[2];
    for (int rep = 0; rep < 8; rep++) {
      long s = System.nanoTime();
      for (int it = 0; it < 20; it++) {
        k.gemmNN(q, 0, 64, kt, 0, keys, sc, 0, keys, 16, keys, 64);
      }
      long s2 = System.nanoTime();
      for (int it = 0; it < 20; it++) {
        for (int r = 0; r < 16; r++) {
          k.softmaxRow(sc, r * keys, keys, keys, 0.125f, 100, st);
        }
      }
      long s3 = System.nanoTime();
      for (int it = 0; it < 20; it++) {
        k.gemmNN(sc, 0, keys, v, 0, 64, o, 0, 64, 16, 64, keys);
      }
      long s4 = System.nanoTime();
      double fl = 20 * 2.0 * 16 * 64 * keys;
      System.out.printf(Locale.ROOT, "QK gemmNN %.1f GFLOP/s, softmax %.2f ns/elem, AV gemmNN %.1f GFLOP/s%n",
          fl / (s2 - s), (s3 - s2) / (20.0 * 16 * keys), fl / (s4 - s3));
    }
  }
}
