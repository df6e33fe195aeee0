package io.ropescale.attention;

/**
 * Throughput of the similar-token margin B(m) (Men et al. 2024) for d = 128 over 2^20 positions on
 * one thread: angle-addition block kernel vs a naive Math.cos per position-pair. Plain warm-up and
 * repeated timing (no JMH, so the file compiles with only the JDK and JUnit on the test classpath).
 * Not a test: surefire's default includes do not match *Bench. Run:
 * java -cp target/classes:target/test-classes io.ropescale.attention.MarginKernelBench
 */
public final class MarginKernelBench {
  private static final int D = 128;
  private static final int POSITIONS = 1 << 20;
  private static final int WARMUP = 3;
  private static final int RUNS = 5;

  private MarginKernelBench() {
  }

  public static void main(String[] args) {
    double[] theta = BaseSearch.theta(D, 10_000);
    MarginKernel kernel = new MarginKernel(theta);
    DecayBound decay = new DecayBound(theta);
    double[] out = new double[POSITIONS];
    double pairEvals = (double) POSITIONS * theta.length;

    report("block kernel (MarginKernel.margin)", pairEvals,
        () -> { kernel.margin(0, POSITIONS, out, 0); return out[POSITIONS - 1]; });
    report("naive Math.cos(m*theta) loop", pairEvals, () -> naive(theta, out));
    report("decay bound (DecayBound.bound)", pairEvals,
        () -> { decay.bound(0, POSITIONS, out, 0); return out[POSITIONS - 1]; });
  }

  private static double naive(double[] theta, double[] out) {
    for (int m = 0; m < POSITIONS; m++) {
      double sum = 0;
      for (double t : theta) {
        sum += Math.cos(m * t);
      }
      out[m] = sum;
    }
    return out[POSITIONS - 1];
  }

  /** Warms up for about 2 s, then times RUNS samples of at least 0.3 s each. */
  private static void report(String name, double pairEvals, java.util.function.DoubleSupplier run) {
    double sink = 0;
    long warmEnd = System.nanoTime() + 2_000_000_000L;
    int perSample = 0;
    while (System.nanoTime() < warmEnd || perSample < WARMUP) {
      sink += run.getAsDouble();
      perSample++;
    }
    perSample = Math.max(1, perSample * 3 / 20); // calls per ~0.3 s
    double best = Double.POSITIVE_INFINITY;
    double total = 0;
    for (int i = 0; i < RUNS; i++) {
      long t0 = System.nanoTime();
      for (int r = 0; r < perSample; r++) {
        sink += run.getAsDouble();
      }
      double s = (System.nanoTime() - t0) * 1e-9 / perSample;
      best = Math.min(best, s);
      total += s;
    }
    System.out.printf("%-36s best %.3e  mean %.3e position-pairs/s  (%.2f ms per 2^20 positions; sink %.3f)%n",
        name, pairEvals / best, pairEvals * RUNS / total, best * 1e3, sink);
  }
}
