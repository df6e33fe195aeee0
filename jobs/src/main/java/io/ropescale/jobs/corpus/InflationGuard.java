package io.ropescale.jobs.corpus;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongSupplier;

/**
 * Zip-bomb limits for compressed corpus inputs (zip entries, gzip files), docs/corpus.md
 * "Hostile input": an entry is given up on, and quarantined with the reason, as soon as its
 * inflated bytes pass {@link #MAX_INFLATED_BYTES}, or pass both {@link #RATIO_SLACK_BYTES} and
 * {@link #MAX_RATIO} times the compressed bytes read for it. Natural-language text deflates 3-5x;
 * only machine-made repetition reaches 100x. Counting happens as bytes are read, so a bomb costs at
 * most its allowance of inflation and never its full size.
 */
public final class InflationGuard extends FilterInputStream {
  /** Largest inflated size of one entry or gzip file. */
  public static final long MAX_INFLATED_BYTES = 4L << 30;
  /** Largest ratio of inflated to compressed bytes, once past {@link #RATIO_SLACK_BYTES}. */
  public static final long MAX_RATIO = 100;
  /** Inflated bytes allowed whatever the ratio (small, very repetitive files are fine). */
  public static final long RATIO_SLACK_BYTES = 16L << 20;

  /** The reason an entry was given up on; the reader quarantines the document with it. */
  public static final class LimitExceeded extends IOException {
    LimitExceeded(String message) {
      super(message);
    }
  }

  private final LongSupplier compressed;
  private long inflated;

  /** Guards {@code inflatedStream}; {@code compressed} gives the compressed bytes consumed so far (or in all). */
  public InflationGuard(InputStream inflatedStream, LongSupplier compressed) {
    super(inflatedStream);
    this.compressed = compressed;
  }

  private void count(long n) throws LimitExceeded {
    if (n <= 0) {
      return;
    }
    inflated += n;
    if (inflated > MAX_INFLATED_BYTES) {
      throw new LimitExceeded("zip bomb: inflates past " + (MAX_INFLATED_BYTES >> 20) + " MiB (limit per entry)");
    }
    long c = Math.max(1, compressed.getAsLong());
    if (inflated > RATIO_SLACK_BYTES && inflated > MAX_RATIO * c) {
      throw new LimitExceeded("zip bomb: " + inflated + " bytes inflated from " + c + " compressed (ratio "
          + inflated / c + ", limit " + MAX_RATIO + " past the first " + (RATIO_SLACK_BYTES >> 20) + " MiB)");
    }
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      count(1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    count(n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    long s = super.skip(n);
    count(s);
    return s;
  }

  /** Counts the bytes read through it (the compressed side of a decompressor). */
  public static final class Counting extends FilterInputStream {
    private long count;

    public Counting(InputStream in) {
      super(in);
    }

    public long count() {
      return count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      count += Math.max(0, s);
      return s;
    }
  }
}
