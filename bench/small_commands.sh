#!/usr/bin/env bash
# Speed of small commands (docs/benchmarks.md, "Small commands"), in one run on one machine:
#  (a) the full Men et al. table: base-search, d=128, every power of two 1K..1M, G=1000, both
#      bounds, written to Delta, end to end (process start to exit);
#  (b) the obvious numpy alternative for ONE context: bench/base_scan_numpy.py at 128K (upward grid
#      scan 10^(k/1000), B(m) in chunks to the first negative, until a base passes), one thread;
#  (c) one-context base-search end to end: --context 131072;
#  (d) the floor: bare JVM + the same Spark session (io.ropescale.bench.SessionStart), then exit;
#  (e) (c) into a warehouse that already holds runs (the warm-up's and the earlier repeats'), as
#      when a team shares one: its tables exist, so the commits read their logs.
# Targets: (a) < 0.5 x (b), (c) < 2 x (d). Each Spark timing is the median of REPEATS fresh JVMs
# (a fresh warehouse for each of (a) and (c)); (b) runs once (it is the slow one).
# Usage: bench/small_commands.sh [TREE] [REPEATS]   TREE: the ropescale checkout whose bin/ropescale
# is measured (default: this one; an older checkout gives the "before" numbers). Run it under
# flock /tmp/ropescale-heavy.lock on a shared machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TREE="$(cd "${1:-$ROOT}" && pwd)"
REPEATS="${2:-3}"
cd "$ROOT"
"$TREE/bin/ropescale" --version >/dev/null   # builds on first use
"$ROOT/bin/ropescale" --version >/dev/null
(mvn -q -B -o test-compile -pl jobs 2>/dev/null || mvn -q -B test-compile -pl jobs) >/dev/null
export ROPESCALE_SKIP_BUILD=1   # built above; editing sources meanwhile must not rebuild mid-run
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q numpy==2.3.5
fi
OUT=$(mktemp -d /tmp/ropescale-small.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
ALL=1024,2048,4096,8192,16384,32768,65536,131072,262144,524288,1048576

# seconds of one command (stdout+stderr to $OUT/$1.log)
timed() {
  local name="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$OUT/$name.log" 2>&1 || { echo "FAILED: $*" >&2; cat "$OUT/$name.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.2f}')"
}
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

# untimed warm-up: the first Spark command of a build writes the launcher's class-data archive
# (bin/ropescale, "Class data sharing"); the timed runs are the steady state a user sees after it
SHARED=$(mktemp -d "$OUT/shared.XXXX")
"$TREE/bin/ropescale" base-search --head-dim 128 --context 1024 --grid-per-decade 10 --warehouse "$SHARED" >/dev/null 2>&1
# (d)'s main class from a jar: the JDK archives classes from jars only, never from a directory
SESSION_JAR="$ROOT/jobs/target/bench/session-start.jar"
mkdir -p "$(dirname "$SESSION_JAR")"
jar cf "$SESSION_JAR" -C "$ROOT/jobs/target/test-classes" io/ropescale/bench/SessionStart.class
ROPESCALE_CDS=dump ROPESCALE_MAIN=io.ropescale.bench.SessionStart ROPESCALE_EXTRA_CP="$SESSION_JAR" \
  "$ROOT/bin/ropescale" >/dev/null 2>&1

declare -a A C D E
for i in $(seq "$REPEATS"); do
  D+=("$(ROPESCALE_MAIN=io.ropescale.bench.SessionStart ROPESCALE_EXTRA_CP="$SESSION_JAR" \
    timed session "$ROOT/bin/ropescale")")
  WH=$(mktemp -d "$OUT/wh.XXXX")
  C+=("$(timed one "$TREE/bin/ropescale" base-search --head-dim 128 --context 131072 --grid-per-decade 1000 --warehouse "$WH")")
  WH=$(mktemp -d "$OUT/wh.XXXX")
  A+=("$(timed table "$TREE/bin/ropescale" base-search --head-dim 128 --context "$ALL" --grid-per-decade 1000 --warehouse "$WH")")
  E+=("$(timed shared "$TREE/bin/ropescale" base-search --head-dim 128 --context 131072 --grid-per-decade 1000 --warehouse "$SHARED")")
  echo "run $i: session ${D[-1]} s, one context ${C[-1]} s (into a warehouse with runs ${E[-1]} s), full table ${A[-1]} s" >&2
done
echo "one-context base-search, phases of the last run:" >&2
grep '^\[ropescale\]' "$OUT/one.log" | sed 's/^/    /' >&2
echo "the same into a warehouse with runs, phases of the last run:" >&2
grep '^\[ropescale\]' "$OUT/shared.log" | sed 's/^/    /' >&2
bench/.venv/bin/python bench/base_scan_numpy.py 128 131072 1000 >"$OUT/numpy.json"
B=$(python3 -c "import json; print(json.load(open('$OUT/numpy.json'))['seconds'])")
NK=$(python3 -c "import json; d=json.load(open('$OUT/numpy.json')); print(d['k'], '%.4g' % d['lower_bound_base'])")
python3 - "$(median "${A[@]}")" "$B" "$(median "${C[@]}")" "$(median "${D[@]}")" "$NK" "$TREE" "$REPEATS" \
  "$(median "${E[@]}")" <<'EOF'
import sys
a, b, c, d = map(float, sys.argv[1:5])
e = float(sys.argv[8])
print(f"tree: {sys.argv[6]}  (median of {sys.argv[7]} fresh JVMs; numpy once)")
print(f"(a) full Men et al. table 1K..1M -> Delta   {a:7.2f} s")
print(f"(b) numpy scan, one context 128K            {b:7.2f} s   (k, base = {sys.argv[5]})")
print(f"(c) base-search --context 131072            {c:7.2f} s")
print(f"(d) JVM + Spark session start               {d:7.2f} s")
print(f"(e) (c) into a warehouse holding runs        {e:7.2f} s")
print(f"(a)/(b) = {a / b:.2f}  (target < 0.5)   (c)/(d) = {c / d:.2f}  (target < 2)   (e)/(d) = {e / d:.2f}")
EOF
