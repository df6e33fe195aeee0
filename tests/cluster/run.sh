#!/usr/bin/env bash
# Cluster test (issue 10, docs/reliability.md): a real Spark 3.5.5 standalone cluster (bin/spark-cluster:
# master + 2 workers, separate JVMs on 127.0.0.1), the shaded jar through spark-submit.
#  1. tests/cluster/cluster-spec.yaml (every stage) on the cluster == a local-mode run, value for value
#  2. kill -9 one executor JVM in the middle of attention-profile -> the job finishes, tables identical
#  3. kill -9 the driver after some tables are committed and before `runs` -> nothing of the run in the
#     BI views of conf/sql/; a rerun with the same run_id -> tables identical
#  4. concurrent drivers (separate JVMs, local mode) into one new warehouse: three runs with different
#     run ids all succeed with their rows exactly once; two with the same run id never duplicate rows
# Everything it starts is stopped on exit, failure included. Usage: tests/cluster/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
SPEC="$ROOT/tests/cluster/cluster-spec.yaml"
"$ROOT/bin/ropescale" --version >/dev/null   # builds on first use
. "$ROOT/jobs/target/ropescale.env"          # ROPESCALE_JAR, SPARK_VERSION: the versions of pom.xml
JAR="$ROOT/jobs/target/$ROPESCALE_JAR"
(mvn -q -B -o test-compile -pl jobs 2>/dev/null || mvn -q -B test-compile -pl jobs) >/dev/null
export ROPESCALE_SKIP_BUILD=1   # built above: the same build for every run of this test
WORK="$(mktemp -d /tmp/ropescale-cluster-test.XXXXXX)"
DRIVER=""
cleanup() {
  local rc=$?
  [ -n "$DRIVER" ] && kill -9 "$DRIVER" 2>/dev/null || true
  "$ROOT/bin/spark-cluster" down --dir "$WORK/cluster" || true
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[cluster-test] FAILED (rc $rc); logs in $WORK" >&2; fi
}
trap cleanup EXIT
log() { echo "[cluster-test] $*" >&2; }
fail() { echo "[cluster-test] FAIL: $*" >&2; exit 1; }

eval "$("$ROOT/bin/spark-cluster" up --dir "$WORK/cluster")"
[ -n "${SPARK_MASTER_URL:-}" ] || fail "the cluster did not start (logs in $WORK/cluster/logs)"
submit() { # submit LOG args...: the driver runs in this script's background (pid in $DRIVER)
  local logf="$1"; shift
  "$SPARK_HOME/bin/spark-submit" --master "$SPARK_MASTER_URL" --properties-file "$ROOT/conf/spark/standalone.conf" \
    --driver-memory 2g \
    --driver-java-options "-Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties -Dropescale.home=$ROOT" \
    --class io.ropescale.cli.Main "$JAR" "$@" >"$logf" 2>&1 &
  DRIVER=$!
}
tool() { ROPESCALE_MAIN=io.ropescale.jobs.CompareRuns ROPESCALE_EXTRA_CP="$ROOT/jobs/target/test-classes" \
  ROPESCALE_JAVA_OPTS=-Xmx2g "$ROOT/bin/ropescale" "$@"; }
same_as_local() { # warehouse run
  tool "$WORK/local" ref "$1" "$2" | tee "$WORK/compare-$2.txt" >&2 || fail "run $2 differs from the local-mode run"
}

log "local-mode reference run"
ROPESCALE_JAVA_OPTS=-Xmx4g "$ROOT/bin/ropescale" sweep "$SPEC" --warehouse "$WORK/local" --run-id ref >"$WORK/local.log" 2>&1 \
  || { tail -30 "$WORK/local.log"; fail "local run"; }

log "1. the spec on the cluster ($SPARK_MASTER_URL)"
WH="$WORK/cluster-wh"
submit "$WORK/c1.log" sweep "$SPEC" --warehouse "$WH" --run-id c1
wait "$DRIVER" || { tail -30 "$WORK/c1.log"; fail "cluster run"; }
DRIVER=""
same_as_local "$WH" c1
log "   cluster run == local run"

log "2. kill -9 one executor JVM in the middle of attention-profile"
submit "$WORK/c2.log" sweep "$SPEC" --warehouse "$WH" --run-id c2
for _ in $(seq 1200); do grep -qE "attention-profile: [0-9]+/[0-9]+ tasks" "$WORK/c2.log" && break; kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.1; done
grep -qE "attention-profile: [0-9]+/[0-9]+ tasks" "$WORK/c2.log" || fail "attention-profile ended before it could be disturbed"
W1="$(cat "$WORK/cluster/pids/worker1")"
EXEC="$(pgrep -P "$W1" -f CoarseGrainedExecutorBackend | head -1 || true)"
[ -n "$EXEC" ] || fail "no executor JVM under worker 1 (pid $W1)"
grep -E "attention-profile: [0-9]+/[0-9]+ tasks" "$WORK/c2.log" | tail -1 >&2
kill -9 "$EXEC"
log "   killed executor pid $EXEC"
wait "$DRIVER" || { tail -30 "$WORK/c2.log"; fail "the job did not survive the lost executor"; }
DRIVER=""
grep -q "statistics computed" "$WORK/c2.log" || fail "no attention statistics in the disturbed run"
same_as_local "$WH" c2
log "   job finished after losing executor $EXEC; tables == local run"

log "3. kill -9 the driver during the commit phase"
submit "$WORK/c3.log" sweep "$SPEC" --warehouse "$WH" --run-id c3
for _ in $(seq 3000); do grep -qE "committed (rope_bounds|attention|base_lower|documents|document_|corpus_|token_|quarantine|scaling_fits)" "$WORK/c3.log" && break; kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.05; done
grep -qE "committed (rope_bounds|attention|base_lower|documents|document_|corpus_|token_|quarantine|scaling_fits)" "$WORK/c3.log" \
  || fail "no table committed before the driver ended"
kill -9 "$DRIVER"; wait "$DRIVER" 2>/dev/null || true; DRIVER=""
# the run's first commit is its runs row saying 'running'; a second one would be the final row
[ "$(grep -c "committed runs " "$WORK/c3.log")" = 1 ] || fail "the driver was killed too late (runs already final)"
grep "committed" "$WORK/c3.log" | sed 's/^/    /' >&2
tool --views "$WH" c3 "$ROOT/conf/sql" absent | tee "$WORK/views-c3.txt" >&2 || fail "the killed run shows in the BI views"
log "   driver killed after $(grep -c committed "$WORK/c3.log") commit(s); nothing of run c3 in the views"
submit "$WORK/c3b.log" sweep "$SPEC" --warehouse "$WH" --run-id c3
wait "$DRIVER" || { tail -30 "$WORK/c3b.log"; fail "rerun of c3"; }
DRIVER=""
same_as_local "$WH" c3
tool --views "$WH" c3 "$ROOT/conf/sql" present >&2 || fail "the rerun does not show in the views"
log "   rerun of c3 == local run, and shows in the views"
for r in c1 c2; do same_as_local "$WH" "$r"; done

log "4. concurrent drivers into one new warehouse (separate JVMs)"
CW="$WORK/concurrent-wh"
PIDS=()
for r in k1 k2 k3 dup dup; do
  ROPESCALE_JAVA_OPTS=-Xmx1g "$ROOT/bin/ropescale" scaling-laws --spec "$ROOT/conf/sweeps/paper-llama2.yaml" \
    --warehouse "$CW" --run-id "$r" >"$WORK/conc-$r-${#PIDS[@]}.log" 2>&1 &
  PIDS+=($!)
done
CODES=()
for p in "${PIDS[@]}"; do if wait "$p"; then CODES+=(0); else CODES+=($?); fi; done
log "   exit codes k1 k2 k3 dup dup: ${CODES[*]}"
[ "${CODES[0]}${CODES[1]}${CODES[2]}" = 000 ] || { tail -5 "$WORK"/conc-*.log; fail "a concurrent first run failed"; }
[ "${CODES[3]}" = 0 ] || [ "${CODES[4]}" = 0 ] || fail "both same-run-id drivers failed"
grep -h "Exception of table" "$WORK"/conc-*.log | sed 's/^/    /' | cut -c1-160 >&2 || true
ROPESCALE_JAVA_OPTS=-Xmx1g "$ROOT/bin/ropescale" scaling-laws --spec "$ROOT/conf/sweeps/paper-llama2.yaml" \
  --warehouse "$WORK/conc-ref" --run-id ref >"$WORK/conc-ref.log" 2>&1 || fail "reference scaling-laws run"
for r in k1 k2 k3 dup; do
  tool "$WORK/conc-ref" ref "$CW" "$r" | tee -a "$WORK/compare-conc.txt" >&2 || fail "run $r: rows differ (lost or duplicated)"
done
log "   3 concurrent runs + 2 drivers of one run id: every run's rows exactly once"
log "all cluster checks passed"
