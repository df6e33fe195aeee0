package io.ropescale.jobs;

import io.ropescale.rope.RopeInputException;
import java.util.Locale;

/**
 * How a stage computes its heavy statistics. Each stage with a choice (attention-profile,
 * corpus-coverage) has a {@code jvm} and a {@code sql} implementation of its own sub-interface,
 * giving the same numbers; {@link Engines#choose} picks one per session.
 */
public interface Engine {
  /** What an engine is built from; its name and GPU placeability follow. */
  enum Kind {
    /** Hand kernels in mapPartitions: fastest on CPUs, opaque to the RAPIDS Accelerator. */
    JVM(false),
    /** Built-in Spark SQL operators and expressions only (no UDF, no higher-order function). */
    SQL(true);

    private final boolean gpuPlaceable;

    Kind(boolean gpuPlaceable) {
      this.gpuPlaceable = gpuPlaceable;
    }
  }

  Kind kind();

  /** {@code jvm} or {@code sql}: the value of the tables' {@code engine} column. */
  default String name() {
    return kind().name().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether every operator is a built-in Spark SQL operator the RAPIDS Accelerator can place on a
   * GPU; {@code explain-gpu} checks exactly these engines.
   */
  default boolean gpuPlaceable() {
    return kind().gpuPlaceable;
  }

  /** The engine a spec or flag asks for; {@code auto} lets the session decide. */
  enum Choice {
    AUTO, JVM, SQL;

    /** Parses auto, jvm or sql (any case; null = auto); anything else is bad input of {@code field}. */
    public static Choice parse(String field, String text) {
      if (text == null) {
        return AUTO;
      }
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "auto" -> AUTO;
        case "jvm" -> JVM;
        case "sql" -> SQL;
        default -> throw new RopeInputException(field, text, "must be auto, jvm or sql");
      };
    }
  }
}
