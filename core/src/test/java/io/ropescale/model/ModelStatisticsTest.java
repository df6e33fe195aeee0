package io.ropescale.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ropescale.attention.PositionBuckets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The model-attention statistics against brute force and hand-checked cases. */
class ModelStatisticsTest {

  @Test
  void controlWindowsGiveEveryTokenTheMostContext() {
    int tTrain = 8;
    int n = 23;
    assertEquals(5, ControlWindows.windows(n, tTrain)); // starts 0,4,8,12,16; the last covers 16..22
    for (int t = 0; t < n; t++) {
      // brute force: over every window [4k, 4k+8) holding t, the one with the largest context t - start
      int best = -1;
      for (int k = 0; 4 * k <= t; k++) {
        if (t < 4 * k + tTrain && (best < 0 || t - 4 * k > t - 4 * best)) {
          best = k;
        }
      }
      assertEquals(best, ControlWindows.windowOf(t, tTrain), "t=" + t);
      int context = t - ControlWindows.start(best, tTrain);
      assertTrue(t < tTrain || context >= tTrain / 2 && context < tTrain, "t=" + t);
    }
    double[] nat = new double[n];
    Map<Integer, double[]> windows = new HashMap<>();
    for (int t = 0; t < n; t++) {
      nat[t] = 1000 + t;
    }
    for (int k = 1; k < 5; k++) {
      int s = ControlWindows.start(k, tTrain);
      double[] w = new double[ControlWindows.end(k, n, tTrain) - s];
      for (int j = 0; j < w.length; j++) {
        w[j] = 100 * k + (s + j); // window k's loss of global token s+j
      }
      windows.put(k, w);
    }
    double[] control = ControlWindows.merge(nat, windows, tTrain);
    assertEquals(1007, control[7]);
    assertEquals(108, control[8]); // window 1 [4, 12)
    assertEquals(111, control[11]);
    assertEquals(212, control[12]); // window 2 [8, 16)
    assertEquals(422, control[22]); // window 4 [16, 24)
  }

  @Test
  void studentQuantilesMatchTables() {
    assertEquals(12.706, Intervals.t975(1), 1e-9);
    assertEquals(2.042, Intervals.t975(30), 1e-9);
    assertEquals(2.021, Intervals.t975(40), 1e-3); // table value 2.0211
    assertEquals(1.984, Intervals.t975(100), 1e-3);
    Intervals.Summary s = Intervals.of(1, 2, 3, Double.NaN);
    assertEquals(3, s.n());
    assertEquals(2, s.mean(), 1e-12);
    assertEquals(4.303 * 1 / Math.sqrt(3), s.halfWidth(), 1e-12);
  }

  @Test
  void bucketMeansAverageEachBucket() {
    double[] x = new double[5000];
    for (int t = 0; t < x.length; t++) {
      x[t] = t;
    }
    x[0] = Double.NaN;
    BucketMeans b = BucketMeans.of(x);
    assertEquals(PositionBuckets.count(4999), b.buckets());
    assertEquals(0, b.count(0));
    assertEquals(1, b.count(2047));
    int k = PositionBuckets.bucket(4096);
    long s = PositionBuckets.bucketStart(k);
    long e = PositionBuckets.bucketEnd(k);
    assertEquals(e - s, b.count(k));
    assertEquals((s + e - 1) / 2.0, b.mean(k), 1e-9);
  }

  @Test
  void measuredBoundFindsASustainedStep() {
    Random r = new Random(7);
    int n = 12000;
    int breakAt = 8400;
    double[][] docs = new double[3][];
    for (int d = 0; d < 3; d++) {
      docs[d] = new double[n - 500 * d];
      for (int t = 0; t < docs[d].length; t++) {
        docs[d][t] = (t >= breakAt ? 1.0 : 0.0) + 0.5 * r.nextGaussian();
      }
      docs[d][0] = Double.NaN;
    }
    // an early excursion above the threshold that does not last must not count
    for (int t = 3000; t < 3400; t++) {
      for (double[] d : docs) {
        d[t] += 1.0;
      }
    }
    MeasuredBound.Result b = MeasuredBound.detect(docs, 0.25, 256);
    assertTrue(Math.abs(b.position() - breakAt) <= 128 + 10, "bound " + b);
    assertTrue(b.lower() <= b.position() && b.position() <= b.upper(), "interval " + b);
    assertEquals(n, b.evaluated());
    double[][] flat = {new double[4000]};
    assertEquals(-1, MeasuredBound.detect(flat, 0.25, 256).position());
    assertEquals(2, MeasuredBound.firstSustained(new double[] {1, 0, 1, 1}, 0.5));
    assertEquals(-1, MeasuredBound.firstSustained(new double[] {1, 1, 0}, 0.5));
  }

  @Test
  void qkCorrelationMatchesBruteForce() {
    Random r = new Random(11);
    int n = 2300; // crosses into the octave buckets above 2048
    int heads = 4;
    int kv = 2;
    int hd = 6;
    double[][][] q = new double[n][heads][hd];
    double[][][] k = new double[n][kv][hd];
    for (int t = 0; t < n; t++) {
      for (int h = 0; h < heads; h++) {
        for (int e = 0; e < hd; e++) {
          q[t][h][e] = r.nextGaussian();
        }
      }
      for (int h = 0; h < kv; h++) {
        for (int e = 0; e < hd; e++) {
          k[t][h][e] = r.nextGaussian() + 0.3;
        }
      }
    }
    QkCorrelation.Sums s = QkCorrelation.of((t, h, e) -> q[t][h][e], (t, h, e) -> k[t][h][e], n, heads, kv, hd, n);
    assertEquals(PositionBuckets.count(n - 1), s.buckets());
    for (int h : new int[] {0, 3}) {
      for (int i = 0; i < hd / 2; i++) {
        for (int b : new int[] {0, 1, 17, 2047, PositionBuckets.bucket(2299)}) {
          double re = 0;
          double im = 0;
          long pairs = 0;
          for (long m = PositionBuckets.bucketStart(b); m < Math.min(n, PositionBuckets.bucketEnd(b)); m++) {
            for (int t = (int) m; t < n; t++) {
              double a = q[t][h][2 * i];
              double bb = q[t][h][2 * i + 1];
              double c = k[t - (int) m][h / 2][2 * i];
              double dd = k[t - (int) m][h / 2][2 * i + 1];
              re += a * c + bb * dd; // (a + ib)(c - id)
              im += bb * c - a * dd;
              pairs++;
            }
          }
          assertEquals(pairs, s.count()[b]);
          assertEquals(re, s.re()[s.index(h, i, b)], 1e-8 * (1 + Math.abs(re)) + 1e-7, "re h" + h + " i" + i + " b" + b);
          assertEquals(im, s.im()[s.index(h, i, b)], 1e-8 * (1 + Math.abs(im)) + 1e-7, "im h" + h + " i" + i + " b" + b);
        }
      }
    }
  }

  @Test
  void logitProfileIsTheRotatedDotProductAveragedOverTokens() {
    // q_t = k_t = the same unit pair vector for every t: C_i(m) = 1, so L_b(m) = B(m)/sqrt(d)
    int n = 64;
    int hd = 8;
    QkCorrelation.Sums s = QkCorrelation.of((t, h, e) -> e % 2 == 0 ? 1 : 0, (t, h, e) -> e % 2 == 0 ? 1 : 0,
        n, 1, 1, hd, n);
    double base = 10000;
    double[][] l = LogitProfile.of(s, base, hd);
    for (int m : new int[] {0, 1, 5, 63}) {
      double bm = 0;
      for (int i = 0; i < hd / 2; i++) {
        bm += Math.cos(m * Math.pow(base, -2.0 * i / hd));
      }
      assertEquals(bm / Math.sqrt(hd), l[0][m], 1e-9);
    }
    // general vectors: the mean over t of the RoPE-rotated logit q_rot(t) . k_rot(t-m) / sqrt(d)
    Random r = new Random(3);
    double[][] q = new double[n][hd];
    double[][] k = new double[n][hd];
    for (int t = 0; t < n; t++) {
      for (int e = 0; e < hd; e++) {
        q[t][e] = r.nextGaussian();
        k[t][e] = r.nextGaussian();
      }
    }
    QkCorrelation.Sums g = QkCorrelation.of((t, h, e) -> q[t][e], (t, h, e) -> k[t][e], n, 1, 1, hd, n);
    double[][] lg = LogitProfile.of(g, base, hd);
    for (int m : new int[] {0, 3, 40}) {
      double sum = 0;
      for (int t = m; t < n; t++) {
        double[] qa = rotate(q[t], t, base);
        double[] ka = rotate(k[t - m], t - m, base);
        double dot = 0;
        for (int e = 0; e < hd; e++) {
          dot += qa[e] * ka[e];
        }
        sum += dot / Math.sqrt(hd);
      }
      assertEquals(sum / (n - m), lg[0][m], 1e-9, "m=" + m);
    }
  }

  /** RoPE on adjacent pairs (2i, 2i+1) by angle pos * base^(-2i/d), as llama.cpp applies it to GGUF rows. */
  static double[] rotate(double[] x, int pos, double base) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length / 2; i++) {
      double a = pos * Math.pow(base, -2.0 * i / x.length);
      y[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
      y[2 * i + 1] = x[2 * i] * Math.sin(a) + x[2 * i + 1] * Math.cos(a);
    }
    return y;
  }
}
