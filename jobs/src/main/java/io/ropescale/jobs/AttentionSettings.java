package io.ropescale.jobs;

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

  /** Flags win over the spec's {@code attention:} section; absent both, 2^20 positions and {@code auto}. */
  public static AttentionSettings from(SweepSpec spec, Long maxPositionFlag, String engineFlag) {
    SpecDocument.Attention a = spec.doc.attention();
    long maxPos = maxPositionFlag != null ? maxPositionFlag
        : a != null && a.maxPosition() != null ? a.maxPosition() : DEFAULT_MAX_POSITION;
    Engine.Choice engine = engineFlag != null ? Engine.Choice.parse("engine", engineFlag)
        : Engine.Choice.parse("spec.attention.engine", a != null ? a.engine() : null);
    return new AttentionSettings(maxPos, engine);
  }
}
