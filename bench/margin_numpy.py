"""numpy reference for the similar-token margin B(m) = sum_n cos(m * theta_n) (Men et al. 2024):
the obvious vectorised alternative to the JVM kernel, on the same workload, one thread."""
import sys
import time

import numpy as np

d = int(sys.argv[1]) if len(sys.argv) > 1 else 128
positions = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
base = 10000.0
theta = base ** (-2.0 * np.arange(d // 2) / d)
chunk = 1 << 14
out = np.empty(positions)


def run():
    for start in range(0, positions, chunk):
        m = np.arange(start, min(start + chunk, positions), dtype=np.float64)
        out[start:start + len(m)] = np.cos(m[:, None] * theta).sum(1)


run()  # warm-up
best = float("inf")
for _ in range(3):
    t0 = time.perf_counter()
    run()
    best = min(best, time.perf_counter() - t0)
pairs = positions * (d // 2)
print(f"numpy np.cos(m[:,None]*theta).sum(1)  {pairs / best:.3e} position-pairs/s  ({best * 1e3:.1f} ms for {positions} positions)")
