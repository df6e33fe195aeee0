#!/usr/bin/env bash
# Object-store warehouse test (issue 10, docs/reliability.md): an S3-compatible server (moto in server
# mode, from PyPI, on 127.0.0.1 and a free port), hadoop-aws 3.3.4 (Spark 3.5.5's Hadoop) and its
# aws-java-sdk-bundle fetched with Maven, then every stage of tests/s3/s3-spec.yaml with
# --warehouse s3a://ropescale-test/wh, a rerun of the same run id (idempotent: identical rows, none
# duplicated) and a comparison with a local-disk warehouse, value for value.
# Everything it starts is stopped on exit. Usage: tests/s3/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
log() { echo "[s3-test] $*" >&2; }
fail() { echo "[s3-test] FAIL: $*" >&2; exit 1; }
"$ROOT/bin/ropescale" --version >/dev/null   # builds on first use
(mvn -q -B -o test-compile -pl jobs 2>/dev/null || mvn -q -B test-compile -pl jobs) >/dev/null
export ROPESCALE_SKIP_BUILD=1   # built above: the same build for every run of this test

S3JARS="$ROOT/jobs/target/s3"
for a in org.apache.hadoop:hadoop-aws:3.3.4 com.amazonaws:aws-java-sdk-bundle:1.12.262; do
  f="$S3JARS/$(echo "$a" | cut -d: -f2)-$(echo "$a" | cut -d: -f3).jar"
  if [ ! -f "$f" ]; then
    log "fetching $a (mvn dependency:copy)"
    (cd "$(mktemp -d)" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:2.8:copy -Dartifact="$a" \
      -DoutputDirectory="$S3JARS") >&2
  fi
done
# moto[server] and every dependency pinned (tests/s3/requirements.txt), in a venv of its own
VENV="${ROPESCALE_MOTO_VENV:-$ROOT/.venv-moto}"
REQ="$ROOT/tests/s3/requirements.txt"
if ! "$VENV/bin/python" -c "import moto, boto3" 2>/dev/null \
  || ! cmp -s "$REQ" "$VENV/requirements.installed"; then
  log "installing moto[server] (pinned: tests/s3/requirements.txt) into $VENV"
  (
    exec 9>"$VENV.setup.lock"; flock 9
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
    cp "$REQ" "$VENV/requirements.installed"
  ) >&2
fi

WORK="$(mktemp -d /tmp/ropescale-s3-test.XXXXXX)"
MOTO=""; LOCAL=""
cleanup() {
  local rc=$?
  [ -n "$LOCAL" ] && kill "$LOCAL" 2>/dev/null || true
  [ -n "$MOTO" ] && kill "$MOTO" 2>/dev/null && wait "$MOTO" 2>/dev/null || true
  if [ "$rc" = 0 ]; then rm -rf "$WORK"; else echo "[s3-test] FAILED (rc $rc); logs in $WORK" >&2; fi
}
trap cleanup EXIT
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO=$!
ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 150); do
  python3 - "$ENDPOINT" 2>/dev/null <<'PY' && break
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass  # any HTTP answer: the server is up
PY
  kill -0 "$MOTO" 2>/dev/null || { cat "$WORK/moto.log" >&2; fail "moto server exited"; }
  sleep 0.2
done
"$VENV/bin/python" - "$ENDPOINT" <<'PY'
import sys, boto3
boto3.client("s3", endpoint_url=sys.argv[1], aws_access_key_id="moto", aws_secret_access_key="moto",
             region_name="us-east-1").create_bucket(Bucket="ropescale-test")
PY
log "moto S3 at $ENDPOINT, bucket ropescale-test"

# s3a settings as spark.* system properties (SparkConf reads them); fake keys: moto accepts any
S3OPTS="-Xmx2g -Dspark.hadoop.fs.s3a.endpoint=$ENDPOINT -Dspark.hadoop.fs.s3a.path.style.access=true \
 -Dspark.hadoop.fs.s3a.connection.ssl.enabled=false -Dspark.hadoop.fs.s3a.access.key=moto \
 -Dspark.hadoop.fs.s3a.secret.key=moto -Dspark.hadoop.fs.s3a.endpoint.region=us-east-1 \
 -Dspark.hadoop.fs.s3a.aws.credentials.provider=org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
CP_S3="$S3JARS/hadoop-aws-3.3.4.jar:$S3JARS/aws-java-sdk-bundle-1.12.262.jar"
rs3() { ROPESCALE_JAVA_OPTS="$S3OPTS" ROPESCALE_EXTRA_CP="$CP_S3${ROPESCALE_EXTRA_CP:+:$ROPESCALE_EXTRA_CP}" "$ROOT/bin/ropescale" "$@"; }
tool() { ROPESCALE_MAIN=io.ropescale.jobs.CompareRuns ROPESCALE_EXTRA_CP="$ROOT/jobs/target/test-classes" rs3 "$@"; }
SPEC="$ROOT/tests/s3/s3-spec.yaml"
WH=s3a://ropescale-test/wh

# Every JVM here runs with the C1 compiler alone: the spec is small, the two sweeps run at once on
# the machine's cores, and C1 takes a third less CPU than C2 for such runs (docs/benchmarks.md,
# "Small commands"). The comparison tool computes nothing.
export ROPESCALE_JIT=c1
T0=$SECONDS
log "sweep into $WH, and the same spec into a local-disk warehouse at the same time"
ROPESCALE_JAVA_OPTS=-Xmx2g "$ROOT/bin/ropescale" sweep "$SPEC" --warehouse "$WORK/local" --run-id ref >"$WORK/local.log" 2>&1 &
LOCAL=$!
rs3 sweep "$SPEC" --warehouse "$WH" --run-id s1 >"$WORK/s1.log" 2>&1 || { tail -30 "$WORK/s1.log"; fail "sweep on s3a"; }
wait "$LOCAL" || { tail -30 "$WORK/local.log"; LOCAL=""; fail "local sweep"; }
LOCAL=""
grep -q "one writing driver" "$WORK/s1.log" || fail "no warning about Delta's single-driver rule on S3"
tool "$WORK/local" ref "$WH" s1 | tee "$WORK/compare-1.txt" >&2 || fail "s3a run differs from the local run"
log "   s3a run == local run ($((SECONDS - T0)) s)"
log "rerun of s1 into $WH"
rs3 sweep "$SPEC" --warehouse "$WH" --run-id s1 >"$WORK/s1b.log" 2>&1 || { tail -30 "$WORK/s1b.log"; fail "rerun on s3a"; }
tool "$WORK/local" ref "$WH" s1 | tee "$WORK/compare-2.txt" >&2 || fail "rerun changed or duplicated rows"
log "s3a sweep and its rerun == local run ($(grep -c '^same' "$WORK/compare-2.txt") tables) in $((SECONDS - T0)) s"
