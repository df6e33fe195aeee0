#!/usr/bin/env bash
# Set up the venv (no-op when current) and run the airflow-dags test suite.
#   airflow-dags/run-tests.sh                 all tests (e2e skips only if the job jar is missing)
#   airflow-dags/run-tests.sh -k integrity    extra args go to pytest
# Exits non-zero when setup or any test fails.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
VENV="${ROPESCALE_VENV:-$REPO/.venv}"

"$HERE/setup.sh"

cd "$HERE"
echo "[run-tests.sh] $VENV/bin/python -m pytest tests $*"
exec "$VENV/bin/python" -m pytest tests "$@"
