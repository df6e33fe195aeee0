#!/usr/bin/env bash
# Forward-pass speed of the real model (SmolLM2-135M, bin/fetch-model) in one run on one machine:
# the Java LlamaForward (io.ropescale.model.ForwardBench) against the numpy/BLAS reference
# (bench/llama_numpy.py bench, float32), alternating per context length so both see the same
# machine state. Reports median tokens/s, the Java/numpy ratio, GFLOP/s (causal FLOP count of
# LlamaForward.flops for both, so numpy's masked half counts as wasted work) and the share of the
# machine's fp32 peak. Results: docs/benchmarks.md, "Real model forward pass".
#
#   flock /tmp/ropescale-heavy.lock bench/forward_bench.sh
#   (override LENGTHS=1024,4096,8192, REPS=3, REPS_LONG=1 for lengths >= 8192, THREADS=nproc, TEXT)
#
# Peak = cores x GHz x fp32 FLOP/cycle/core; FLOP/cycle is 64 with AVX-512 (two 512-bit FMA units x
# 16 lanes x 2), 32 with AVX2 only. The GHz is lscpu's max MHz, else /proc/cpuinfo's "cpu MHz"
# (a VM shows the nominal clock; turbo is not counted).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LENGTHS="${LENGTHS:-1024,4096,8192}"
REPS="${REPS:-3}"
REPS_LONG="${REPS_LONG:-1}"
THREADS="${THREADS:-$(nproc)}"
TEXT="${TEXT:-datasets/corpus/python-3.11-pydoc-topics.py.gz}"

GGUF="$(bin/fetch-model)"
(mvn -q -B -o -pl core test-compile 2>/dev/null || mvn -q -B -pl core test-compile) >&2
if ! bench/.venv/bin/python -c "import numpy, gguf, tokenizers, threadpoolctl" 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q numpy gguf tokenizers threadpoolctl
fi

cores=$(nproc)
mhz=$(lscpu | awk -F: '/CPU max MHz/ {gsub(/ /,"",$2); print $2; exit}')
[ -n "$mhz" ] || mhz=$(awk -F: '/cpu MHz/ {gsub(/ /,"",$2); print $2; exit}' /proc/cpuinfo)
if grep -qw avx512f /proc/cpuinfo; then fpc=64; isa="AVX-512 (2 FMA units x 16 lanes x 2)"; else fpc=32; isa="AVX2 (2 FMA units x 8 lanes x 2)"; fi
peak=$(awk -v c="$cores" -v m="$mhz" -v f="$fpc" 'BEGIN {printf "%.1f", c * m / 1000 * f}')
echo "machine: $cores cores x ${mhz} MHz x $fpc FLOP/cycle ($isa) = fp32 peak $peak GFLOP/s; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
IFS=, read -r -a lens <<<"$LENGTHS"
for n in "${lens[@]}"; do
  reps=$REPS
  [ "$n" -ge 8192 ] && reps=$REPS_LONG
  java --add-modules jdk.incubator.vector -Xmx6g -cp core/target/classes:core/target/test-classes \
    io.ropescale.model.ForwardBench "$GGUF" "$TEXT" "$n" "$reps" "$THREADS" 2>/dev/null | tee -a "$OUT/java.jsonl"
  # numpy with OpenBLAS' own CPU detection (the environment may pin a core type)
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$THREADS" \
    bench/.venv/bin/python bench/llama_numpy.py bench --gguf "$GGUF" --text "$TEXT" --lengths "$n" --reps "$reps" \
    | tee -a "$OUT/numpy.jsonl"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

bench/.venv/bin/python - "$OUT" "$peak" <<'PY'
import json, sys, pathlib
out, peak = pathlib.Path(sys.argv[1]), float(sys.argv[2])
java = {r["tokens"]: r for r in map(json.loads, (out / "java.jsonl").read_text().split("\n")[:-1])}
npy = {r["tokens"]: r for r in map(json.loads, (out / "numpy.jsonl").read_text().split("\n")[:-1])}
b = next(iter(npy.values()))["blas"]
print(f"\njava kernel: {next(iter(java.values()))['kernel']}; numpy BLAS: {b}")
print("| context | Java tokens/s | numpy tokens/s | Java / numpy | Java GFLOP/s (% peak) | numpy GFLOP/s (% peak) |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for n in sorted(java):
    j, p = java[n], npy[n]
    print(f"| {n} | {j['tokens_per_s']:.1f} | {p['tokens_per_s']:.1f} | {j['tokens_per_s'] / p['tokens_per_s']:.2f}x "
          f"| {j['gflops']:.1f} ({100 * j['gflops'] / peak:.0f}%) | {p['gflops']:.1f} ({100 * p['gflops'] / peak:.0f}%) |")
PY
