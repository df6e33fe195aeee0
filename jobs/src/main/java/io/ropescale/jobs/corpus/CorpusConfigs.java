package io.ropescale.jobs.corpus;

import io.ropescale.attention.AngleCoverage;
import io.ropescale.jobs.SweepSpec.Configuration;
import io.ropescale.rope.BoundsReport;
import io.ropescale.rope.RopeConfig;
import io.ropescale.rope.RopeTypes;
import io.ropescale.rope.ScalingLaws;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Per-configuration thresholds of the corpus stage, all as exact integers so both engines compare
 * positions and distances the same way. A token at position {@code t} (0-based, = its distance to
 * the document's first token) is beyond a bound {@code T} when {@code t >= ceil(T)}: a window of
 * {@code T} tokens holds relative distances {@code 0 .. T-1}. A repeat at distance {@code r} is
 * beyond the bound when {@code r >= ceil(T)}.
 */
public final class CorpusConfigs implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One configuration: index into the sweep's list, its thresholds and frequencies. */
  public static final class Config implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int index;
    public final String model;
    public final String configId;
    /** T_tune: positions t >= tuneLen are beyond the tuning length. */
    public final long tuneLen;
    /** The paper's T_extra (Liu et al. 2024, Theorems 2-3), and ceil(T_extra). */
    public final double extrapolationBound;
    public final long extraCeil;
    /** Smallest t with ood_pairs(t) > 0 (Long.MAX_VALUE when every pair is full). */
    public final long firstOod;
    /**
     * ood_pairs steps: ood_pairs(t) = #{k : t >= oodSteps[k]} (= T_n + 1 of each non-full pair,
     * ascending, from {@link AngleCoverage}).
     */
    public final long[] oodSteps;
    public final double[] theta;
    /** d/2: margins are reported as B(m)/(d/2). */
    public final int halfD;

    Config(int index, Configuration c) {
      this.index = index;
      this.model = c.model();
      this.configId = c.configId();
      RopeConfig rc = c.config();
      BoundsReport b = ScalingLaws.bounds(rc);
      this.tuneLen = rc.tuneLen();
      this.extrapolationBound = b.extrapolationBound();
      this.extraCeil = ceil(b.extrapolationBound());
      this.theta = RopeTypes.theta(rc);
      this.halfD = theta.length;
      AngleCoverage cov = new AngleCoverage(theta,
          ScalingLaws.angleCoverage(RopeTypes.pretrainTheta(rc), theta, rc.trainLen(), rc.tuneLen()));
      long f = cov.firstOod();
      this.firstOod = f < 0 ? Long.MAX_VALUE : f;
      this.oodSteps = steps(cov);
    }

    /** ood_pairs(t), docs/theory.md s.4. */
    public int oodPairs(long t) {
      int k = 0;
      while (k < oodSteps.length && t >= oodSteps[k]) {
        k++;
      }
      return k;
    }

    /** Cache key of this configuration's frequencies. */
    String marginKey() {
      return configId + "#" + java.util.Arrays.hashCode(theta);
    }
  }

  public final List<Config> configs;

  public CorpusConfigs(List<Configuration> sweep) {
    List<Config> out = new ArrayList<>();
    for (int i = 0; i < sweep.size(); i++) {
      out.add(new Config(i, sweep.get(i)));
    }
    this.configs = List.copyOf(out);
  }

  static long ceil(double x) {
    double c = Math.ceil(x);
    return c >= 9.2e18 ? Long.MAX_VALUE : (long) c;
  }

  /** Step positions of AngleCoverage.oodPairs, found by bisection on the monotone count. */
  static long[] steps(AngleCoverage cov) {
    List<Long> s = new ArrayList<>();
    for (int k = 1; k <= cov.nonFullPairs(); k++) {
      long lo = 0;
      long hi = 1L << 62;
      if (cov.oodPairs(hi) < k) {
        break;
      }
      while (lo < hi) { // smallest m with oodPairs(m) >= k
        long mid = lo + (hi - lo) / 2;
        if (cov.oodPairs(mid) >= k) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      s.add(lo);
    }
    return s.stream().mapToLong(Long::longValue).toArray();
  }
}
