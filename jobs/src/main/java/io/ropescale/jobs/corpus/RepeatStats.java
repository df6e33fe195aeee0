package io.ropescale.jobs.corpus;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The JVM engine's per-document state, fed one window of token ids at a time: the last position
 * of every token id and of every 4-gram, and histograms of repeat distances. Memory per document
 * is O(vocabulary + distinct 4-grams + longest repeat distance) integers; the token sequence itself
 * is never held beyond the current window.
 *
 * <p>Definitions (shared with the SQL engine): {@code r(t) = t - t'} for the largest {@code t' < t}
 * with the same token id; {@code r4(t) = t - t'} for the largest {@code t' < t} whose 4-gram
 * {@code (x[t'-3], .., x[t'])} equals {@code (x[t-3], .., x[t])} (defined for {@code t >= 3}).
 * Percentiles are nearest-rank: p-th percentile of {@code k} sorted values is the
 * {@code ceil(p*k/100)}-th smallest, computed in integers as {@code (p*k + 99) / 100}.
 */
public final class RepeatStats {
  private int[] lastPos = new int[1 << 17];
  private int[] stamp = new int[1 << 17];
  private int epoch;
  private final GramMap grams = new GramMap();
  private int[] hist = new int[1 << 12];
  private int[] gramHist = new int[1 << 12];
  private int maxR;
  private int maxGram;
  private long n;
  private long repeats;
  private long gramRepeats;
  private int g1;
  private int g2;
  private int g3;

  public void reset() {
    epoch++;
    if (epoch == Integer.MAX_VALUE) {
      Arrays.fill(stamp, 0);
      epoch = 1;
    }
    grams.clear();
    Arrays.fill(hist, 0, Math.min(hist.length, maxR + 1), 0);
    Arrays.fill(gramHist, 0, Math.min(gramHist.length, maxGram + 1), 0);
    maxR = 0;
    maxGram = 0;
    n = 0;
    repeats = 0;
    gramRepeats = 0;
    g1 = g2 = g3 = -1;
  }

  public RepeatStats() {
    reset();
  }

  /** Appends the next window of the document's token ids. */
  public void accept(int[] tokens, int len) {
    if (n + len > Integer.MAX_VALUE) {
      throw new IllegalStateException("document longer than 2^31 tokens");
    }
    int t = (int) n;
    for (int i = 0; i < len; i++, t++) {
      int tok = tokens[i];
      if (tok >= lastPos.length) {
        int size = Math.max(tok + 1, lastPos.length * 2);
        lastPos = Arrays.copyOf(lastPos, size);
        stamp = Arrays.copyOf(stamp, size);
      }
      if (stamp[tok] == epoch) {
        int r = t - lastPos[tok];
        if (r >= hist.length) {
          hist = Arrays.copyOf(hist, Math.max(r + 1, hist.length * 2));
        }
        hist[r]++;
        if (r > maxR) {
          maxR = r;
        }
        repeats++;
      } else {
        stamp[tok] = epoch;
      }
      lastPos[tok] = t;
      if (t >= 3) {
        int prev = grams.put(((long) g3 << 42) | ((long) g2 << 21) | g1, tok, t);
        if (prev >= 0) {
          int r = t - prev;
          if (r >= gramHist.length) {
            gramHist = Arrays.copyOf(gramHist, Math.max(r + 1, gramHist.length * 2));
          }
          gramHist[r]++;
          if (r > maxGram) {
            maxGram = r;
          }
          gramRepeats++;
        }
      }
      g3 = g2;
      g2 = g1;
      g1 = tok;
    }
    n += len;
  }

  public long tokens() {
    return n;
  }

  public long repeats() {
    return repeats;
  }

  public long ngramRepeats() {
    return gramRepeats;
  }

  /** Largest repeat distance, or null without repeats. */
  public Long maxDistance() {
    return repeats == 0 ? null : (long) maxR;
  }

  /** Nearest-rank percentile of the token repeat distances, or null without repeats. */
  public Long percentile(int p) {
    if (repeats == 0) {
      return null;
    }
    long rank = (p * repeats + 99) / 100;
    long seen = 0;
    for (int r = 1; r <= maxR; r++) {
      seen += hist[r];
      if (seen >= rank) {
        return (long) r;
      }
    }
    return (long) maxR;
  }

  /** Repeats with distance r >= from. */
  public long repeatsFrom(long from) {
    long c = 0;
    for (long r = Math.max(1, from); r <= maxR; r++) {
      c += hist[(int) r];
    }
    return c;
  }

  /** Token repeats whose distance has a negative margin. */
  public long repeatsWith(BitSet negative) {
    return count(hist, maxR, negative);
  }

  /** 4-gram repeats whose distance has a negative margin. */
  public long ngramRepeatsWith(BitSet negative) {
    return count(gramHist, maxGram, negative);
  }

  public int maxAnyDistance() {
    return Math.max(maxR, maxGram);
  }

  private static long count(int[] h, int max, BitSet negative) {
    long c = 0;
    for (int r = negative.nextSetBit(1); r >= 0 && r <= max; r = negative.nextSetBit(r + 1)) {
      c += h[r];
    }
    return c;
  }

  /** Open-addressing map from a 4-gram (3 packed ids + last id) to its last end position. */
  static final class GramMap {
    private long[] keys;
    private int[] lastIds;
    private int[] values; // -1 = empty slot
    private int size;
    private int mask;

    GramMap() {
      allocate(1 << 12);
    }

    private void allocate(int capacity) {
      keys = new long[capacity];
      lastIds = new int[capacity];
      values = new int[capacity];
      Arrays.fill(values, -1);
      mask = capacity - 1;
      size = 0;
    }

    void clear() {
      if (keys.length > 1 << 16) {
        allocate(1 << 12);
      } else {
        Arrays.fill(values, -1);
        size = 0;
      }
    }

    /** Stores pos for the 4-gram and returns its previous position, or -1. */
    int put(long head, int last, int pos) {
      if (size * 2 >= keys.length) {
        grow();
      }
      int i = slot(head, last);
      while (true) {
        int v = values[i];
        if (v < 0) {
          keys[i] = head;
          lastIds[i] = last;
          values[i] = pos;
          size++;
          return -1;
        }
        if (keys[i] == head && lastIds[i] == last) {
          values[i] = pos;
          return v;
        }
        i = (i + 1) & mask;
      }
    }

    private int slot(long head, int last) {
      long h = head * 0x9E3779B97F4A7C15L + last * 0xC2B2AE3D27D4EB4FL;
      return (int) ((h ^ (h >>> 29)) & mask);
    }

    private void grow() {
      long[] k = keys;
      int[] l = lastIds;
      int[] v = values;
      allocate(keys.length * 2);
      for (int j = 0; j < k.length; j++) {
        if (v[j] >= 0) {
          int i = slot(k[j], l[j]);
          while (values[i] >= 0) {
            i = (i + 1) & mask;
          }
          keys[i] = k[j];
          lastIds[i] = l[j];
          values[i] = v[j];
          size++;
        }
      }
    }
  }
}
