#!/usr/bin/env bash
# Scale benchmark (docs/benchmarks.md "Scale", docs/scaling.md): one sweep of bench/scale-10k.yaml
# (11,216 configurations, every stage) on the embedded local Spark, fresh JVM and warehouse: wall
# time, CPU time, the JVM's peak resident memory (driver and executors share it in local mode),
# its peak heap (GC log), the time of each stage from the command's own log, and rows written per
# table. Usage: bench/scale_bench.sh [SPEC]   (run under flock /tmp/ropescale-heavy.lock)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="${1:-$ROOT/bench/scale-10k.yaml}"
"$ROOT/bin/ropescale" --version >/dev/null
OUT=$(mktemp -d /tmp/ropescale-scale.XXXXXX)
trap 'rm -rf "$OUT/wh"' EXIT
ROPESCALE_JAVA_OPTS="-Xmx12g -Xlog:gc:file=$OUT/gc.log" /usr/bin/time -v -o "$OUT/time.txt" \
  "$ROOT/bin/ropescale" sweep "$SPEC" --warehouse "$OUT/wh" --run-id scale >"$OUT/out.log" 2>&1 \
  || { tail -40 "$OUT/out.log"; exit 1; }
grep '^\[ropescale\]' "$OUT/out.log" | grep -v "tasks (" | sed 's/^/  /'
python3 - "$OUT" <<'PY'
import re, sys, pathlib
out = pathlib.Path(sys.argv[1])
t = (out / "time.txt").read_text()
get = lambda k: re.search(re.escape(k) + r":\s*(.+)", t).group(1).strip()
wall = get("Elapsed (wall clock) time (h:mm:ss or m:ss)")
cpu = float(get("User time (seconds)")) + float(get("System time (seconds)"))
rss = int(get("Maximum resident set size (kbytes)")) / 1024 / 1024
# before GC: how full G1 let the heap get; after GC: the largest live set left by a collection
before = after = 0.0
for line in (out / "gc.log").read_text().splitlines():
    m = re.search(r"(\d+)M->(\d+)M\((\d+)M\)", line)
    if m:
        before = max(before, int(m.group(1)) / 1024)
        after = max(after, int(m.group(2)) / 1024)
print(f"wall {wall}, CPU {cpu:.0f} s, peak RSS {rss:.2f} GiB, peak heap before GC {before:.2f} GiB,"
      f" largest heap after GC {after:.2f} GiB")
PY
grep -o "wrote {.*}" "$OUT/out.log" | tail -1
