package io.ropescale.jobs.corpus;

import io.ropescale.attention.AngleCoverage;
import io.ropescale.attention.MarginKernel;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import io.ropescale.jobs.SweepSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A plain, slow reference of the per-token statistics, written straight from the definitions. */
final class Reference {
  long n;
  long beyondTune;
  long beyondExtra;
  long withOod;
  long repeats;
  long repeatsBeyond;
  long undiscriminated;
  long ngramRepeats;
  long ngramUndiscriminated;
  Long p50;
  Long p90;
  Long p99;
  Long max;
  final List<Integer> distances = new ArrayList<>();
  final List<Integer> ngramDistances = new ArrayList<>();

  static Reference of(int[] x, SweepSpec.Configuration cfg) {
    Reference r = new Reference();
    double[] theta = RopeTypes.theta(cfg.config());
    AngleCoverage cov = new AngleCoverage(theta, ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(cfg.config()),
        theta, cfg.config().trainLen(), cfg.config().tuneLen()));
    double tExtra = ScalingLaws.bounds(cfg.config()).extrapolationBound();
    Map<Integer, Integer> last = new HashMap<>();
    Map<List<Integer>, Integer> lastGram = new HashMap<>();
    Map<Integer, Boolean> neg = new HashMap<>();
    r.n = x.length;
    for (int t = 0; t < x.length; t++) {
      if (t >= cfg.config().tuneLen()) {
        r.beyondTune++;
      }
      if (t >= tExtra) {
        r.beyondExtra++;
      }
      if (cov.oodPairs(t) > 0) {
        r.withOod++;
      }
      Integer prev = last.put(x[t], t);
      if (prev != null) {
        int d = t - prev;
        r.distances.add(d);
        r.repeats++;
        if (d >= tExtra) {
          r.repeatsBeyond++;
        }
        if (neg.computeIfAbsent(d, m -> MarginKernel.direct(theta, m) < 0)) {
          r.undiscriminated++;
        }
      }
      if (t >= 3) {
        Integer pg = lastGram.put(List.of(x[t - 3], x[t - 2], x[t - 1], x[t]), t);
        if (pg != null) {
          int d = t - pg;
          r.ngramDistances.add(d);
          r.ngramRepeats++;
          if (neg.computeIfAbsent(d, m -> MarginKernel.direct(theta, m) < 0)) {
            r.ngramUndiscriminated++;
          }
        }
      }
    }
    List<Integer> sorted = new ArrayList<>(r.distances);
    Collections.sort(sorted);
    if (!sorted.isEmpty()) {
      r.p50 = (long) sorted.get((int) Math.ceil(0.50 * sorted.size()) - 1);
      r.p90 = (long) sorted.get((int) Math.ceil(0.90 * sorted.size() - 1e-9) - 1);
      r.p99 = (long) sorted.get((int) Math.ceil(0.99 * sorted.size() - 1e-9) - 1);
      r.max = (long) sorted.get(sorted.size() - 1);
    }
    return r;
  }
}
