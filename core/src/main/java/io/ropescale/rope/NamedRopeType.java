package io.ropescale.rope;

import java.util.Set;

/** The name and accepted keys every {@link RopeType} unit carries, so each unit states only its formulas. */
abstract class NamedRopeType implements RopeType {
  private final String name;
  private final Set<String> keys;

  NamedRopeType(String name, String... keys) {
    this.name = name;
    this.keys = Set.of(keys);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Set<String> keys() {
    return keys;
  }

  @Override
  public String toString() {
    return name;
  }
}
