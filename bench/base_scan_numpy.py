"""numpy reference for one context of Men et al.'s base lower bound (docs/theory.md, base search):
the obvious vectorised scan a user would write. For grid bases b_k = 10^(k/G), k = 1, 2, ...
(upward, never bisecting: supporting bases are not an interval), evaluate the similar-token
margin B(m) = sum_n cos(m * theta_n), theta_n = b^(-2n/d), for m = 0..L in chunks (512 positions,
doubling up to 16384, so the many small bases that fail early cost little), stop at the first negative, and stop the scan at the first base with no negative up to L: that base is the
lower bound. One thread, float64, same grid and same definition as BaseSearch.java.

usage: base_scan_numpy.py [HEAD_DIM] [CONTEXT] [GRID_PER_DECADE]  -> prints k, base, seconds (JSON)
"""
import json
import sys
import time

import numpy as np

d = int(sys.argv[1]) if len(sys.argv) > 1 else 128
L = int(sys.argv[2]) if len(sys.argv) > 2 else 131072
G = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
FIRST_CHUNK, MAX_CHUNK = 512, 16384
exponents = -2.0 * np.arange(d // 2) / d


def first_negative(base):
    """Smallest m in [0, L] with B(m) < 0, or -1."""
    theta = base ** exponents
    start, chunk = 0, FIRST_CHUNK
    while start <= L:
        m = np.arange(start, min(start + chunk, L + 1), dtype=np.float64)
        b = np.cos(m[:, None] * theta).sum(1)
        neg = np.flatnonzero(b < 0)
        if neg.size:
            return start + int(neg[0])
        start += chunk
        chunk = min(2 * chunk, MAX_CHUNK)
    return -1


t0 = time.perf_counter()
k = 1
while True:
    base = 10.0 ** (k / G)
    if first_negative(base) < 0:
        break
    k += 1
elapsed = time.perf_counter() - t0
print(json.dumps({"head_dim": d, "context": L, "grid_per_decade": G, "k": k, "lower_bound_base": base,
                  "seconds": round(elapsed, 3)}))
