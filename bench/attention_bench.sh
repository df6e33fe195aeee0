#!/usr/bin/env bash
# Throughput of the attention statistics, in one go on one machine (docs/benchmarks.md):
#  1. kernel level, one thread, d=128, 2^20 positions: the JVM block kernel for B(m) vs a naive
#     Math.cos loop vs numpy's np.cos(m[:,None]*theta).sum(1) in chunks;
#  2. engine level, Spark local[*] in one warm session: attention-profile's full statistics
#     (B(m), RoFormer decay bound, ood_pairs, bucketing) with the jvm and the sql engine on the
#     same workload (bench/attention-bench.yaml, 67M position-pairs), and the jvm engine alone
#     on the paper sweep at 4M positions (bench/attention-big.yaml, 5.9G position-pairs).
# Throughput is position-pairs per second per core. Usage: bench/attention_bench.sh [--no-sql]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SQL_RUNS=1
[ "${1:-}" = "--no-sql" ] && SQL_RUNS=0
"$ROOT/bin/ropescale" --version >/dev/null   # builds on first use
(cd "$ROOT" && mvn -q -B -o test-compile -pl core,udfs,jobs 2>/dev/null || mvn -q -B test-compile -pl core,udfs,jobs)

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q numpy==2.3.5
fi
JVM_FLAGS=$(sed -n 's/.*<spark.test.jvm.args>\(.*\)<\/spark.test.jvm.args>.*/\1/p' pom.xml \
  | sed "s#\${maven.multiModuleProjectDirectory}#$ROOT#")
CP="jobs/target/test-classes:jobs/target/classes:core/target/test-classes:core/target/classes:udfs/target/test-classes:udfs/target/classes:$(cat jobs/target/classpath.txt)"
OUT=$(mktemp -d)

echo "== kernel level: B(m), one thread, d=128, 2^20 positions =="
java -cp "$CP" io.ropescale.attention.MarginKernelBench | tee "$OUT/kernel.txt"
bench/.venv/bin/python bench/margin_numpy.py 128 1048576 | tee "$OUT/numpy.txt"

echo
echo "== engine level: full statistics, Spark local[*], warm session =="
# shellcheck disable=SC2086
java $JVM_FLAGS -cp "$CP" io.ropescale.bench.EngineBench bench/attention-bench.yaml 3 "$SQL_RUNS" | tee "$OUT/small.txt"
# shellcheck disable=SC2086
java $JVM_FLAGS -cp "$CP" io.ropescale.bench.EngineBench bench/attention-big.yaml 2 0 | tee "$OUT/big.txt"

python3 - "$OUT" <<'PY'
import re, sys, pathlib
out = pathlib.Path(sys.argv[1])
def num(path, pattern):
    m = re.search(pattern, (out / path).read_text())
    return float(m.group(1)) if m else None
kernel = num("kernel.txt", r"block kernel.*?best ([0-9.e+]+)")
naive = num("kernel.txt", r"naive.*?best ([0-9.e+]+)")
numpy = num("numpy.txt", r"sum\(1\)\s+([0-9.e+]+)")
jvm_small = num("small.txt", r"engine jvm: ([0-9.e+]+)")
sql_small = num("small.txt", r"engine sql: ([0-9.e+]+)")
jvm_big = num("big.txt", r"engine jvm: ([0-9.e+]+)")
print("\nsummary (position-pairs per second per core)")
print(f"  numpy B(m) reference          {numpy:.3e}")
print(f"  JVM kernel B(m)                {kernel:.3e}   {kernel/numpy:6.1f}x numpy, {kernel/naive:.1f}x naive Math.cos")
print(f"  jvm engine, 67M workload       {jvm_small:.3e}   {jvm_small/numpy:6.1f}x numpy")
if sql_small:
    print(f"  sql engine on CPU, 67M         {sql_small:.3e}   jvm/sql = {jvm_small/sql_small:.1f}x")
print(f"  jvm engine, 5.9G workload      {jvm_big:.3e}   {jvm_big/numpy:6.1f}x numpy")
PY
rm -rf "$OUT"
