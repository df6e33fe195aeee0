package io.ropescale.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.ropescale.rope.RopeInputException;

/** The {@code attention:} section of a spec (or the command's flags): {@code max_position}, {@code engine}. */
public record AttentionSettings(long maxPosition, Engine.Choice engine) {
  public static final long DEFAULT_MAX_POSITION = 1L << 20;
  public static final long LIMIT_MAX_POSITION = 1L << 31;

  public AttentionSettings {
    if (maxPosition < 1 || maxPosition > LIMIT_MAX_POSITION) {
      throw new RopeInputException("attention.max_position", maxPosition,
          "must be in [1, 2^31] (positions 0..max_position are evaluated)");
    }
    if (engine == null) {
      throw new IllegalArgumentException("engine choice must be given (Engine.Choice.AUTO for auto)");
    }
  }

  /** Flags win over the spec's section; absent both, 2^20 positions and {@code auto}. */
  public static AttentionSettings from(SweepSpec spec, Long maxPositionFlag, String engineFlag) {
    JsonNode a = spec.section("attention");
    if (!a.isMissingNode() && !a.isObject()) {
      throw new RopeInputException("spec.attention", a, "must be a mapping with max_position / engine");
    }
    a.fieldNames().forEachRemaining(k -> {
      if (!k.equals("max_position") && !k.equals("engine")) {
        throw new RopeInputException("spec.attention." + k, a.get(k), "unknown key; expected max_position, engine");
      }
    });
    long maxPos = maxPositionFlag != null ? maxPositionFlag
        : a.hasNonNull("max_position") ? integral(a.get("max_position")) : DEFAULT_MAX_POSITION;
    Engine.Choice engine = engineFlag != null ? Engine.Choice.parse("engine", engineFlag)
        : Engine.Choice.parse("spec.attention.engine", a.hasNonNull("engine") ? a.get("engine").asText() : null);
    return new AttentionSettings(maxPos, engine);
  }

  private static long integral(JsonNode n) {
    if (!n.isNumber() || n.asDouble() != Math.rint(n.asDouble())) {
      throw new RopeInputException("attention.max_position", n, "must be a whole number of positions");
    }
    return n.asLong();
  }
}
