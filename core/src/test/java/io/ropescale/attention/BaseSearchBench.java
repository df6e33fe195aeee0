package io.ropescale.attention;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of one whole base-search grid scan on one thread (Men et al. 2024; docs/theory.md s.3):
 * {@link BaseSearch#search} over every grid base 10^(k/1000) up to 1e11 for one context, the work
 * `base-search --context L` spreads over the executors. Each repeat is timed with the thread's CPU
 * clock, so a busy machine inflates it less than wall time. Not a test (surefire's default includes
 * do not match *Bench). Run: java -cp core/target/classes:core/target/test-classes
 * io.ropescale.attention.BaseSearchBench [d] [context] [repeats]   (defaults 128 131072 3)
 */
public final class BaseSearchBench {
  private BaseSearchBench() {
  }

  public static void main(String[] args) {
    int d = args.length > 0 ? Integer.parseInt(args[0]) : 128;
    long context = args.length > 1 ? Long.parseLong(args[1]) : 131_072;
    int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    ThreadMXBean clock = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < repeats; r++) {
      long cpu = clock.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      BaseSearch.Bound b = BaseSearch.search(d, new long[] {context}, 1000, BaseSearch.DEFAULT_MAX_BASE, null)[0];
      System.out.printf("repeat %d: %.2f s CPU, %.2f s wall; d=%d L=%d: k=%d (base %.4g), k_safe=%d (base %.4g)%n", r + 1,
          (clock.getCurrentThreadCpuTime() - cpu) * 1e-9, (System.nanoTime() - wall) * 1e-9, d, context, b.k(), b.base(),
          b.kSafe(), b.safeBase());
    }
  }
}
