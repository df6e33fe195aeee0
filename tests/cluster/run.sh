#!/usr/bin/env bash
# Cluster test (issue 10, docs/reliability.md): a real Spark 3.5.5 standalone cluster (bin/spark-cluster:
# master + 2 workers, separate JVMs on 127.0.0.1), the shaded jar through spark-submit.
#  1. tests/cluster/cluster-spec.yaml (every stage) on the cluster into a new warehouse, the driver
#     killed (kill -9) after some tables are committed and before `runs` -> nothing of the run in the
#     BI views of conf/sql/
#  2. a rerun with the same run_id on the cluster, with one executor JVM killed in the middle of
#     attention-profile: the job finishes, its tables == a local-mode run, value for value (nothing of
#     the killed attempt left, the lost tasks' results there once), and the run in the views
#  3. concurrent drivers (separate JVMs, local mode) into one new warehouse: three runs with different
#     run ids all succeed with their rows exactly once; two with the same run id never duplicate rows
# (One cluster run carries both faults' checks: a separate undisturbed run, or a separate run for the
# executor loss, would add minutes and no check.)
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
# The drivers plan and commit; the kernels run in the executors. A driver's CPU goes mostly to the C2
# compiler (Spark's and Delta's start-up and commit paths): C1 alone, as bin/ropescale uses for its
# light commands (ROPESCALE_JIT, docs/benchmarks.md "Small commands"), takes a third less.
C1="$(cat "$ROOT/conf/jit-c1.options")"
submit() { # submit LOG args...: the driver runs in this script's background (pid in $DRIVER)
  local logf="$1"; shift
  "$SPARK_HOME/bin/spark-submit" --master "$SPARK_MASTER_URL" --properties-file "$ROOT/conf/spark/standalone.conf" \
    --driver-memory 2g \
    --driver-java-options "-Dlog4j2.configurationFile=$ROOT/conf/log4j2.properties -Dropescale.home=$ROOT $C1" \
    --class io.ropescale.cli.Main "$JAR" "$@" >"$logf" 2>&1 &
  DRIVER=$!
}
# the comparison reads tables and computes nothing: C1 alone compiles it for a third less CPU
tool() { ROPESCALE_MAIN=io.ropescale.jobs.CompareRuns ROPESCALE_EXTRA_CP="$ROOT/jobs/target/test-classes" \
  ROPESCALE_JIT=c1 ROPESCALE_JAVA_OPTS=-Xmx2g "$ROOT/bin/ropescale" "$@"; }
T0=$SECONDS; TS=$SECONDS
took() { local t=$((SECONDS - TS)); TS=$SECONDS; log "   ($t s)"; }

log "local-mode reference run"
ROPESCALE_JAVA_OPTS=-Xmx3g "$ROOT/bin/ropescale" sweep "$SPEC" --warehouse "$WORK/local" --run-id ref >"$WORK/local.log" 2>&1 \
  || { tail -30 "$WORK/local.log"; fail "local run"; }
took

WH="$WORK/cluster-wh"
log "1. the spec on the cluster ($SPARK_MASTER_URL) into a new warehouse; kill -9 the driver during the commit phase"
COMMITTED="committed (rope_bounds|attention|base_lower|documents|document_|corpus_|token_|quarantine|scaling_fits)"
submit "$WORK/c3.log" sweep "$SPEC" --warehouse "$WH" --run-id c3
for _ in $(seq 6000); do grep -qE "$COMMITTED" "$WORK/c3.log" && break; kill -0 "$DRIVER" 2>/dev/null || break; sleep 0.05; done
grep -qE "$COMMITTED" "$WORK/c3.log" || fail "no table committed before the driver ended"
kill -9 "$DRIVER"; wait "$DRIVER" 2>/dev/null || true; DRIVER=""
# the run's first commit is its runs row saying 'running'; a second one would be the final row
[ "$(grep -c "committed runs " "$WORK/c3.log")" = 1 ] || fail "the driver was killed too late (runs already final)"
grep "committed" "$WORK/c3.log" | sed 's/^/    /' >&2
tool --views "$WH" c3 "$ROOT/conf/sql" absent | tee "$WORK/views-c3.txt" >&2 || fail "the killed run shows in the BI views"
log "   driver killed after $(grep -c committed "$WORK/c3.log") commit(s); nothing of run c3 in the views"
took

log "2. rerun of c3 on the cluster; kill -9 one executor JVM in the middle of attention-profile"
# The master removes the dead driver's application and the workers stop its executors: wait for
# them, so the executor killed below is one of the rerun's.
W1="$(cat "$WORK/cluster/pids/worker1")"; W2="$(cat "$WORK/cluster/pids/worker2")"
for _ in $(seq 600); do pgrep -P "$W1,$W2" -f CoarseGrainedExecutorBackend >/dev/null || break; sleep 0.1; done
! pgrep -P "$W1,$W2" -f CoarseGrainedExecutorBackend >/dev/null || fail "the killed driver's executors still run after 60 s"
submit "$WORK/c3b.log" sweep "$SPEC" --warehouse "$WH" --run-id c3
# The kill comes while a task of attention-profile runs on the executor under worker 1: its own log
# (stderr in its work directory) has more "Running task" than "Finished task" lines. Tasks last a
# fraction of a second on a quiet machine, so one may finish between that check and the kill; the
# killed executor's log, kept by the worker, says whether a task died unfinished, and if none did the
# worker's replacement executor is killed the same way (up to 3 times while the stage runs).
# (The driver's "Lost task" WARN line is no proof either way: a task killed before its RUNNING status
# reached the driver is logged at INFO as a network failure, and still run again.)
ANNOUNCED="attention-profile: [0-9]+ configurations x"
tids() { grep -o "$1 task .*(TID [0-9]*)" "$2" 2>/dev/null | sed 's/.*(TID \([0-9]*\))/\1/' | sort; }
running_unfinished() { comm -23 <(tids Running "$1") <(tids Finished "$1"); } # LOG: TIDs of tasks it died running
LOST_TIDS=""; KILLED=""
for attempt in 1 2 3; do
  EXEC=""; ELOG=""
  for _ in $(seq 3000); do
    kill -0 "$DRIVER" 2>/dev/null || break
    ! grep -q "statistics computed" "$WORK/c3b.log" || break
    if [ -z "$EXEC" ]; then
      for p in $(pgrep -P "$W1" -f CoarseGrainedExecutorBackend || true); do
        case " $KILLED " in *" $p "*) ;; *) EXEC="$p"; ELOG="$(readlink -f "/proc/$p/cwd" 2>/dev/null || true)/stderr" ;; esac
      done
    fi
    if [ -n "$EXEC" ] && grep -qE "$ANNOUNCED" "$WORK/c3b.log" && [ -n "$(running_unfinished "$ELOG")" ]; then break; fi
    sleep 0.05
  done
  grep -qE "$ANNOUNCED" "$WORK/c3b.log" || fail "attention-profile did not start"
  [ -n "$EXEC" ] || fail "no executor JVM under worker 1 (pid $W1)"
  [ -n "$(running_unfinished "$ELOG")" ] || fail "no task of attention-profile running on executor pid $EXEC before the stage ended"
  kill -9 "$EXEC"; KILLED="$KILLED $EXEC"
  sleep 0.5   # the worker's reader drains what the executor wrote before it died
  LOST_TIDS="$(running_unfinished "$ELOG" | xargs)"   # space-separated, no trailing space
  log "   attempt $attempt: killed executor pid $EXEC; task(s) it died running: ${LOST_TIDS:-none (they finished first)}"
  [ -z "$LOST_TIDS" ] || break
done
[ -n "$LOST_TIDS" ] || fail "3 executors killed, each after its tasks had finished"
LOST_RE="$(echo $LOST_TIDS | tr ' ' '|')"
grep -E "Running task .*\(TID ($LOST_RE)\)" "$ELOG" | sed 's/^/    executor: /' >&2 || true
wait "$DRIVER" || { tail -30 "$WORK/c3b.log"; fail "the rerun did not survive the lost executor"; }
DRIVER=""
grep -q "statistics computed" "$WORK/c3b.log" || fail "no attention statistics in the rerun"
# the job could only finish by running the lost task(s) again; the comparison with local mode shows
# their results are all there, once, and that nothing of the killed first attempt is left
tool --views "$WH" c3 "$ROOT/conf/sql" present --and "$WORK/local" ref "$WH" c3 | tee "$WORK/compare-cluster.txt" >&2 \
  || fail "the cluster run differs from the local-mode run, or the rerun of c3 does not show in the views"
log "   rerun c3 (after the killed driver, losing executor $EXEC with running task(s) $LOST_TIDS) == local run; c3 shows in the views"
took

log "3. concurrent drivers into one new warehouse (separate JVMs), and a reference run into another"
CW="$WORK/concurrent-wh"
PIDS=()
for r in k1 k2 k3 dup dup ref; do
  wh="$CW"; [ "$r" = ref ] && wh="$WORK/conc-ref"
  ROPESCALE_JAVA_OPTS=-Xmx1g "$ROOT/bin/ropescale" scaling-laws --spec "$ROOT/conf/sweeps/paper-llama2.yaml" \
    --warehouse "$wh" --run-id "$r" >"$WORK/conc-$r-${#PIDS[@]}.log" 2>&1 &
  PIDS+=($!)
done
CODES=()
for p in "${PIDS[@]}"; do if wait "$p"; then CODES+=(0); else CODES+=($?); fi; done
log "   exit codes k1 k2 k3 dup dup (ref): ${CODES[*]}"
[ "${CODES[5]}" = 0 ] || { tail -5 "$WORK"/conc-ref-*.log; fail "reference scaling-laws run"; }
[ "${CODES[0]}${CODES[1]}${CODES[2]}" = 000 ] || { tail -5 "$WORK"/conc-*.log; fail "a concurrent first run failed"; }
if [ "${CODES[3]}" != 0 ] && [ "${CODES[4]}" != 0 ]; then fail "both same-run-id drivers failed"; fi
grep -h "Exception of table" "$WORK"/conc-*.log | sed 's/^/    /' | cut -c1-160 >&2 || true
log "   $(grep -h "Exception of table" "$WORK"/conc-*.log | wc -l) concurrent-modification retries logged"
tool "$WORK/conc-ref" ref "$CW" k1 "$CW" k2 "$CW" k3 "$CW" dup | tee "$WORK/compare-conc.txt" >&2 \
  || fail "a concurrent run's rows differ from the reference (lost or duplicated)"
log "   3 concurrent runs + 2 drivers of one run id: every run's rows exactly once"
took
log "all cluster checks passed in $((SECONDS - T0)) s"
