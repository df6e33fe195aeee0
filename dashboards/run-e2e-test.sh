#!/usr/bin/env bash
# End-to-end test of the BI path: a fresh warehouse -> SQL endpoint -> Superset -> a browser.
#   1. sets up .venv-bi (dashboards/setup.sh: pinned pyspark 3.5.5 for the Thrift-server jars,
#      Superset 6.1.0, PyHive, deltalake; a no-op when current), Debian's chromium and the pinned
#      playwright-core (report/);
#   2. runs the sweep of dashboards/e2e-spec.yaml into a fresh temporary warehouse;
#   3. any reader: reads every table with delta-rs (tests/test_any_reader.py);
#   4. runs the endpoint's query file in the job's own session (`serve-sql --execute`), starts
#      `ropescale serve-sql` on a free port and checks it with PyHive (tests/test_sql_endpoint.py);
#   5. starts Superset (SQLite metadata DB in the temp dir, admin user made here, free port),
#      imports dashboards/superset/ (import_bundle.py) and opens the dashboard in headless Chromium
#      (e2e-browser.mjs): every chart has data and drew it, one configuration's numbers equal the
#      Delta table's, no console errors.
# Output: dashboards/target/e2e/ (logs, superset-dashboard.png). Every server is stopped on exit,
# pass or fail.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/dashboards/target/e2e"
VENV="${ROPESCALE_BI_VENV:-$ROOT/.venv-bi}"
RUN_ID=bi-e2e
t0=$(date +%s)
log() { echo "[bi-e2e $(( $(date +%s) - t0 ))s] $*"; }

"$ROOT/dashboards/setup.sh"
if ! command -v chromium >/dev/null 2>&1; then
  log "installing chromium (apt-get)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
(cd "$ROOT/report" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
# bin/ropescale builds the jar on first use (or when sources changed)

rm -rf "$OUT"; mkdir -p "$OUT"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/ropescale-bi-e2e.XXXXXX")"
WH="$TMP/warehouse"
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do
    # each server was started by this script; stop its whole process group (setsid below)
    kill -TERM -- "-$p" 2>/dev/null || true
  done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$p" 2>/dev/null || true
  done
  rm -rf "$TMP"
  [ $rc -eq 0 ] || echo "[bi-e2e] FAILED (exit $rc); logs in $OUT" >&2
  exit $rc
}
trap cleanup EXIT INT TERM

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS PID FILE PATTERN
  local deadline=$(( $(date +%s) + $1 ))
  until grep -q "$4" "$3" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || { echo "[bi-e2e] process $2 died; tail of $3:" >&2; tail -40 "$3" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "[bi-e2e] timed out waiting for '$4' in $3" >&2; tail -40 "$3" >&2; return 1; }
    sleep 1
  done
}

# Superset's metadata DB and admin user need no warehouse: made while the sweep runs (a minute of
# Python migrations, most of it waiting on SQLite and imports)
export ROPESCALE_SUPERSET_HOME="$TMP/superset" SUPERSET_CONFIG_PATH="$ROOT/dashboards/superset_config.py"
SUPERSET_SECRET_KEY="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(42))')"
ADMIN_PASSWORD="$("$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(16))')"
export SUPERSET_SECRET_KEY FLASK_APP=superset
SS="$VENV/bin/superset"
log "Superset: metadata DB and admin user (in the background)"
export SS ADMIN_PASSWORD
# its own process group, stopped with the servers on exit (PIDS)
setsid bash -c 'set -e
  "$SS" db upgrade
  "$SS" fab create-admin --username admin --firstname ropescale --lastname test --email admin@localhost \
    --password "$ADMIN_PASSWORD"
  "$SS" init' >"$OUT/superset-setup.log" 2>&1 &
SUPERSET_SETUP=$!
PIDS+=($!)

log "sweep $ROOT/dashboards/e2e-spec.yaml -> $WH"
"$ROOT/bin/ropescale" sweep "$ROOT/dashboards/e2e-spec.yaml" --warehouse "$WH" --run-id "$RUN_ID" >"$OUT/sweep.log" 2>&1 \
  || { tail -40 "$OUT/sweep.log"; exit 1; }

export ROPESCALE_E2E_WAREHOUSE="$WH"
log "any reader: every table through delta-rs"
(cd "$ROOT/dashboards" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/test_any_reader.py)

log "reference: the endpoint's queries in the job's own session (serve-sql --execute)"
QUERIES="$TMP/endpoint-queries.sql"
"$VENV/bin/python" "$ROOT/dashboards/tests/endpoint_queries.py" "$WH" >"$QUERIES"
# (reads and aggregates small tables once: C1 alone compiles it for a third less CPU)
ROPESCALE_JIT=c1 \
  "$ROOT/bin/ropescale" serve-sql --warehouse "$WH" --execute "$QUERIES" >"$OUT/reference.jsonl" 2>"$OUT/reference.log" \
  || { tail -40 "$OUT/reference.log"; exit 1; }
export ROPESCALE_E2E_REFERENCE="$OUT/reference.jsonl"

SQL_PORT=$(free_port)
log "serve-sql on 127.0.0.1:$SQL_PORT"
setsid "$ROOT/bin/ropescale" serve-sql --warehouse "$WH" --port "$SQL_PORT" >"$OUT/serve-sql.log" 2>&1 &
PIDS+=($!)
wait_for 300 "${PIDS[-1]}" "$OUT/serve-sql.log" '^ready: '
export ROPESCALE_SQL_PORT="$SQL_PORT"
(cd "$ROOT/dashboards" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/test_sql_endpoint.py)

log "Superset: bundle import (metadata DB and admin user made during the sweep)"
wait "$SUPERSET_SETUP" || { tail -40 "$OUT/superset-setup.log"; echo "[bi-e2e] Superset setup failed" >&2; exit 1; }
ROPESCALE_SQL_URI="hive://127.0.0.1:$SQL_PORT/ropescale" "$VENV/bin/python" "$ROOT/dashboards/import_bundle.py" \
  >"$OUT/import.log" 2>&1 || { tail -40 "$OUT/import.log"; exit 1; }
tail -1 "$OUT/import.log"

SS_PORT=$(free_port)
log "Superset on 127.0.0.1:$SS_PORT"
setsid "$SS" run -h 127.0.0.1 -p "$SS_PORT" --with-threads >"$OUT/superset.log" 2>&1 &
PIDS+=($!)
deadline=$(( $(date +%s) + 180 ))
# the venv's Python as HTTP client (no curl needed on a fresh machine)
until "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
    "http://127.0.0.1:$SS_PORT/health" 2>/dev/null; do
  kill -0 "${PIDS[-1]}" 2>/dev/null || { tail -40 "$OUT/superset.log"; exit 1; }
  [ "$(date +%s)" -lt "$deadline" ] || { echo "[bi-e2e] Superset did not answer /health" >&2; exit 1; }
  sleep 1
done

log "expected numbers: rope_bounds of one configuration through delta-rs"
(cd "$ROOT/dashboards/tests" && "$VENV/bin/python" -c '
import json, sys
from conftest import delta_rows
cfg = "llama2-7b/default/T4096/b1000000"
cols = ["critical_dim", "critical_dim_tuned", "critical_base", "extrapolation_bound", "angle_coverage_bound"]
_, rows = delta_rows(sys.argv[1] + "/rope_bounds", f"config_id = '"'"'{cfg}'"'"'", ", ".join(cols))
assert len(rows) == 1, rows
print(json.dumps({"config_id": cfg, "values": rows[0]}))
' "$WH") >"$OUT/expected.json"
cat "$OUT/expected.json"

log "browser: headless Chromium on the dashboard"
node "$ROOT/dashboards/e2e-browser.mjs" "http://127.0.0.1:$SS_PORT" admin "$ADMIN_PASSWORD" "$OUT/expected.json" \
  "$OUT/superset-dashboard.png"
log "passed; screenshot $OUT/superset-dashboard.png"
