package io.ropescale.model;

/**
 * In-place iterative radix-2 complex FFT (Cooley-Tukey), double precision. Used for the lag
 * correlations of {@link QkCorrelation}: all n lags of a length-n correlation in O(n log n)
 * instead of O(n^2).
 */
final class Fft {
  private Fft() {}

  static int size(int atLeast) {
    int n = 1;
    while (n < atLeast) {
      n <<= 1;
    }
    return n;
  }

  /** Forward transform X_k = sum_j x_j e^{-2 pi i jk/N} ({@code inverse}: e^{+...}, divided by N). */
  static void transform(double[] re, double[] im, boolean inverse) {
    int n = re.length;
    if (Integer.bitCount(n) != 1) {
      throw new IllegalArgumentException("FFT length must be a power of two: " + n);
    }
    for (int i = 1, j = 0; i < n; i++) {
      int bit = n >> 1;
      for (; (j & bit) != 0; bit >>= 1) {
        j ^= bit;
      }
      j ^= bit;
      if (i < j) {
        double t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (int len = 2; len <= n; len <<= 1) {
      double ang = 2 * Math.PI / len * (inverse ? 1 : -1);
      int half = len >> 1;
      // twiddles computed directly (not by recurrence) so the error stays at a few ulps
      double[] wr = new double[half];
      double[] wi = new double[half];
      for (int k = 0; k < half; k++) {
        wr[k] = Math.cos(ang * k);
        wi[k] = Math.sin(ang * k);
      }
      for (int i = 0; i < n; i += len) {
        for (int k = 0; k < half; k++) {
          int a = i + k;
          int b = a + half;
          double xr = re[b] * wr[k] - im[b] * wi[k];
          double xi = re[b] * wi[k] + im[b] * wr[k];
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
    if (inverse) {
      for (int i = 0; i < n; i++) {
        re[i] /= n;
        im[i] /= n;
      }
    }
  }
}
