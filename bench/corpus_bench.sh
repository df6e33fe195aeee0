#!/usr/bin/env bash
# Benchmark of the corpus-coverage stage (docs/benchmarks.md, "Corpus coverage"):
#  1. builds a >= 10M-token corpus of real text (datasets/build-local-corpus.sh: OpenJDK 17 sources by
#     default; SOURCES=all adds the Go and CPython sources and a newer JDK's, for up to ~110M tokens);
#  2. runs the whole stage (read, tokenize, statistics for 10 configurations, Delta writes) with the
#     JVM engine on the embedded local Spark (local[*] = 2 cores here) and reports tokens/s/core;
#  3. runs the SQL engine on CPU on a 1/8 slice of the corpus for comparison;
#  4. runs the obvious alternative: plain jtokkit tokenization alone, one thread, no statistics.
# Builds with `mvn package` (never install). Usage: bench/corpus_bench.sh [CORPUS_MB] [SQL_MB] [SOURCES]
# (SOURCES: a build-local-corpus.sh --sources list, or "all"). Each run also reports the load average
# and the command's own CPU time: on a shared machine, wall-clock tokens/s/core understates the code.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MB="${1:-48}"
SQL_MB="${2:-6}"
SOURCES="${3:-jdk17}"
[ "$SOURCES" = all ] && SOURCES="jdk17,go,python,jdk25"
WORK="${BENCH_DIR:-/tmp/ropescale-corpus-bench}"
CORES="$(nproc)"
rm -rf "$WORK" && mkdir -p "$WORK"
"$ROOT/datasets/build-local-corpus.sh" "$WORK/corpus" --mb "$MB" --sources "$SOURCES"
"$ROOT/datasets/build-local-corpus.sh" "$WORK/corpus-sql" --mb "$SQL_MB"
cd "$ROOT"
mvn -q -B -o package -DskipTests 2>/dev/null || mvn -q -B package -DskipTests
mvn -q -B -o test-compile -pl jobs 2>/dev/null || true
cat > "$WORK/spec.yaml" <<'YAML'
name: corpus-bench
models: [llama2-7b]
bases: [10000, 40000, 160000, 500000, 1000000]
tune_lengths: [4096, 16384]
corpus:
  name: openjdk-src
  paths: [corpus]
YAML
JAVA_OPTS=(-Xmx12g -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false
  -Dropescale.home="$ROOT" -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties")
. "$ROOT/jobs/target/ropescale.env" # the jar's name, from pom.xml (written by Maven)
CP="$ROOT/jobs/target/$ROPESCALE_JAR:$(cat "$ROOT/jobs/target/classpath.txt")"

stage() { # engine corpus-dir label
  local log="$WORK/$3.log"
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$WORK/$3.cpu" java "${JAVA_OPTS[@]}" -cp "$CP" io.ropescale.cli.Main corpus-coverage --spec "$WORK/spec.yaml" \
    --corpus "$2" --engine "$1" --warehouse "$WORK/wh-$3" --run-id bench >"$log" 2>&1 || { cat "$log"; exit 1; }
  t1=$(date +%s.%N)
  local tokens ms scan
  tokens=$(grep -o 'documents, [0-9]* tokens' "$log" | grep -o '[0-9]*' | tail -1)
  ms=$(grep -o 'corpus-coverage: wrote .* in [0-9]* ms' "$log" | grep -o '[0-9]* ms' | grep -o '[0-9]*')
  scan=$(grep -o 'quarantined) in [0-9.]* s' "$log" | grep -o '[0-9.]* s' | grep -o '[0-9.]*')
  python3 - "$3" "$tokens" "$ms" "$t0" "$t1" "$CORES" "$scan" "$(tail -1 "$WORK/$3.cpu")" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import sys
label, tokens, ms, t0, t1, cores, scan = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
cpu, load = sum(map(float, sys.argv[8].split())), sys.argv[9]
stage, wall = ms / 1000, t1 - t0
print(f"{label}: {tokens:,} tokens, 10 configurations on {cores} cores\n"
      f"  read + tokenize + per-document statistics (scan): {scan:.1f} s = {tokens / scan / cores:,.0f} tokens/s/core\n"
      f"  whole stage incl. the 6 Delta commits:           {stage:.1f} s = {tokens / stage / cores:,.0f} tokens/s/core\n"
      f"  whole command incl. JVM + Spark start:           {wall:.1f} s = {tokens / wall / cores:,.0f} tokens/s/core\n"
      f"  CPU time of the command (user + sys):            {cpu:.1f} s = {tokens / cpu:,.0f} tokens per CPU-second"
      f" (load average {load} at the end)")
PY
}
echo "== JVM engine, $MB MB corpus"
stage jvm "$WORK/corpus" jvm | tee "$WORK/result-jvm.txt"
echo "== SQL engine on CPU, $SQL_MB MB slice"
stage sql "$WORK/corpus-sql" sql | tee "$WORK/result-sql.txt"
echo "== JVM engine, same $SQL_MB MB slice"
stage jvm "$WORK/corpus-sql" jvm-slice | tee "$WORK/result-jvm-slice.txt"
echo "== obvious alternative: plain jtokkit, 1 thread, tokenization only"
java -Xmx4g -cp "$CP:$ROOT/jobs/target/test-classes" io.ropescale.jobs.corpus.TokenizeOnlyBench "$WORK/corpus" \
  | tee "$WORK/result-tokenize.txt"
