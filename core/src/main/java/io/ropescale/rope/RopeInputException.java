package io.ropescale.rope;

/**
 * Bad user input: names the field and the value so the CLI can print one clear line and exit 2.
 */
public final class RopeInputException extends IllegalArgumentException {
  private final String field;
  private final String value;

  public RopeInputException(String field, Object value, String problem) {
    super("invalid " + field + " = " + value + ": " + problem);
    this.field = field;
    this.value = String.valueOf(value);
  }

  public String field() {
    return field;
  }

  public String value() {
    return value;
  }

  /** Checks shared by every entry point (CLI flags, sweep specs, config.json, models.csv). */
  public static int requireRotaryDim(String field, long d) {
    if (d <= 0 || d % 2 != 0) {
      throw new RopeInputException(field, d, "must be a positive even number of dimensions");
    }
    if (d > 65536) {
      throw new RopeInputException(field, d, "is absurdly large (at most 65536)");
    }
    return (int) d;
  }

  public static double requireBase(String field, double base) {
    if (!(base > 1.0) || Double.isInfinite(base)) {
      throw new RopeInputException(field, fmt(base), "a RoPE base must be a finite number > 1");
    }
    return base;
  }

  public static long requireLength(String field, long len) {
    if (len <= 0) {
      throw new RopeInputException(field, len, "must be a positive number of tokens");
    }
    if (len > 1L << 40) {
      throw new RopeInputException(field, len, "is absurdly large (at most 2^40 tokens)");
    }
    return len;
  }

  public static double requirePositive(String field, double x) {
    if (!(x > 0.0) || Double.isInfinite(x)) {
      throw new RopeInputException(field, fmt(x), "must be a finite number > 0");
    }
    return x;
  }

  static String fmt(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
  }
}
