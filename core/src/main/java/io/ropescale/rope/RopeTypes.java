package io.ropescale.rope;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The registry of RoPE types, keyed by Hugging Face's {@code rope_type} name (docs/theory.md
 * section 5). Each type is one {@link RopeType} unit holding its frequencies, effective base,
 * evaluation length, attention factor, accepted {@code rope_scaling} keys and validation; this
 * class only looks them up.
 *
 * <p>The one call for a forward pass: {@link #frequencies(RopeVariant, long)} gives, for a variant
 * (type and parameters, rotary dim, base, original context) and a sequence length n, the
 * inverse-frequency vector and the attention factor, as Hugging Face's
 * {@code ROPE_INIT_FUNCTIONS[rope_type](config, device, seq_len)} does:
 *
 * <pre>{@code
 * RopeFrequencies f = RopeTypes.frequencies(config.variant(), n);  // or new RopeVariant(scaling, d, base, lOrig)
 * double[] invFreq = f.inverseFrequencies();
 * double scale = f.attentionFactor();                               // multiplies cos and sin
 * }</pre>
 *
 * <p>For a configuration of the scaling laws ({@link RopeConfig}), {@link #theta(RopeConfig)} and
 * {@link #effectiveBase(RopeConfig)} evaluate at the configuration's {@link RopeConfig#evalLen()}.
 */
public final class RopeTypes {

  private static final Map<String, RopeType> REGISTRY = new LinkedHashMap<>();

  static {
    register(new DefaultRope());
    register(new LinearRope());
    register(new NtkRope());
    register(new DynamicRope());
    register(new YarnRope());
    register(new Llama3Rope());
    register(new LongRope());
  }

  private RopeTypes() {}

  private static void register(RopeType t) {
    REGISTRY.put(t.name(), t);
  }

  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** The unit of a type; an unknown name is bad input. */
  public static RopeType of(String type) {
    RopeType t = REGISTRY.get(type);
    if (t == null) {
      throw new RopeInputException("rope_type", type, "unknown RoPE type; expected one of " + names());
    }
    return t;
  }

  /**
   * Rejects every given key the type does not read (naming the key and the type), then lets the
   * type check its own values.
   */
  public static void validate(RopeScaling s, int rotaryDim) {
    RopeType t = of(s.type());
    for (Map.Entry<String, Object> k : s.givenKeys().entrySet()) {
      if (!t.keys().contains(k.getKey())) {
        throw new RopeInputException("rope_scaling." + k.getKey(), k.getValue(),
            "does not apply to rope_type " + t.name() + " (it reads " + sorted(t.keys()) + ")");
      }
    }
    if (s.originalMaxPositionEmbeddings() < 0) {
      throw new RopeInputException("rope_scaling.original_max_position_embeddings",
          s.originalMaxPositionEmbeddings(), "must be positive");
    }
    t.validate(s, rotaryDim);
  }

  private static String sorted(Set<String> keys) {
    return keys.isEmpty() ? "no rope_scaling keys" : String.join(", ", new TreeSet<>(keys));
  }

  /**
   * A variant at sequence length {@code seqLen}: its inverse frequencies, attention factor and
   * effective base. The entry point of any forward pass.
   */
  public static RopeFrequencies frequencies(RopeVariant v, long seqLen) {
    RopeInputException.requireLength("seq_len", seqLen);
    RopeType t = v.type();
    return new RopeFrequencies(t.inverseFrequencies(v, seqLen), t.attentionFactor(v, seqLen),
        t.effectiveBase(v, seqLen));
  }

  /** The tuned frequencies of {@code c}, by its rope type, at its evaluation length. */
  public static double[] theta(RopeConfig c) {
    return c.variant().type().inverseFrequencies(c.variant(), c.evalLen());
  }

  /**
   * The single base whose default frequencies equal the method's at the configuration's
   * evaluation length: the NTK-scaled base for {@code ntk} and {@code dynamic}, the configured base
   * otherwise (the paper's formulas read it).
   */
  public static double effectiveBase(RopeConfig c) {
    return c.variant().type().effectiveBase(c.variant(), c.evalLen());
  }

  /** Attention factor of the configuration at its evaluation length. */
  public static double attentionFactor(RopeConfig c) {
    return c.variant().type().attentionFactor(c.variant(), c.evalLen());
  }

  /** Pre-training frequencies: default RoPE with the pre-training base. */
  public static double[] pretrainTheta(RopeConfig c) {
    return defaultTheta(c.rotaryDim(), c.pretrainBase());
  }

  /** theta_n = base^(-2n/d), n = 0 .. d/2-1 (RoFormer eq. 15). */
  public static double[] defaultTheta(int d, double base) {
    double[] theta = new double[d / 2];
    for (int n = 0; n < theta.length; n++) {
      theta[n] = Math.pow(base, -2.0 * n / d);
    }
    return theta;
  }
}
