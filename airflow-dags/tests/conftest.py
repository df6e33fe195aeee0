"""Shared test setup: a throw-away AIRFLOW_HOME and helpers to run the `airflow` CLI.

Airflow reads its configuration when first imported, so the environment is set here,
at conftest import time, before any test module imports airflow or the DAG files.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
DAGS_DIR = TESTS_DIR.parent
REPO_ROOT = DAGS_DIR.parent
TINY_SPEC = TESTS_DIR / "tiny-spec.yaml"
# The venv's bin/ (do not resolve(): the python there is a symlink out of the venv).
VENV_BIN = Path(sys.executable).parent
AIRFLOW_BIN = VENV_BIN / "airflow"
SPARK_CONN_JSON = json.dumps({"conn_type": "spark", "host": "local[*]"})
# A second cluster, for the tests that pick the connection through the spark_conn_id param.
SPARK_OTHER_CONN_JSON = json.dumps({"conn_type": "spark", "host": "local[3]"})
# Specs of three shapes (each must run through `sweep` and the DAGs from the same plan).
SPEC_SHAPES = {
    "laws-only": "name: laws-only\nmodels: [llama2-7b]\nbases: [10000, 500000, 1000000]\ntune_lengths: [4096]\n",
    "no-search-no-corpus": "name: no-search-no-corpus\nmodels: [llama2-7b]\nbases: [10000, 1000000]\n"
                           "tune_lengths: [4096]\nattention: {max_position: 8192}\n",
    "every-section": TINY_SPEC.read_text(),
}

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="ropescale-airflow-home-"))
atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)

# Keep the outer environment from leaking into the tests.
for _key in list(os.environ):
    if _key.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "ROPESCALE_")) and _key != "ROPESCALE_JAR":
        del os.environ[_key]
os.environ.update(
    {
        "AIRFLOW_HOME": str(_SESSION_HOME),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW_CONN_SPARK_ROPESCALE": SPARK_CONN_JSON,
        "AIRFLOW_CONN_SPARK_OTHER": SPARK_OTHER_CONN_JSON,
        # the parse-time stage catalogue is cached per test session
        "ROPESCALE_PLAN_CACHE": str(_SESSION_HOME / "plan-cache"),
    }
)
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))

import ropescale_common as _rc  # noqa: E402  (after the environment above: it imports airflow)

# The job jar: the DAGs take their stages from it (`ropescale plan --json`).
JAR = Path(os.environ.get("ROPESCALE_JAR") or REPO_ROOT / _rc.JAR_RELATIVE)
if not JAR.is_file():
    pytest.exit(f"job jar {JAR} is missing: the DAGs read their stages from it; build it first "
                "(`mvn -B -DskipTests install` at the repo root)", returncode=2)


def airflow_env(airflow_home: Path, **extra: str | None) -> dict[str, str]:
    """Environment for an `airflow` subprocess: hermetic Airflow settings + ``extra``.

    A value of None in ``extra`` removes that variable.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW__", "AIRFLOW_CONN_", "ROPESCALE_")) and k not in ("SPARK_HOME", "PYSPARK_PYTHON")
    }
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
            "AIRFLOW_CONN_SPARK_ROPESCALE": SPARK_CONN_JSON,
            "AIRFLOW_CONN_SPARK_OTHER": SPARK_OTHER_CONN_JSON,
            "ROPESCALE_PLAN_CACHE": str(_SESSION_HOME / "plan-cache"),
            # Fail fast in tests: no retry back-off inside `dags test`.
            "ROPESCALE_RETRIES": "0",
        }
    )
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_airflow(args: list[str], env: dict[str, str], *, timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `airflow <args>` (argv list, no shell); output captured as text."""
    return subprocess.run(
        [str(AIRFLOW_BIN), *args],
        env=env,
        cwd=str(cwd or REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def output_tail(proc: subprocess.CompletedProcess, lines: int = 80) -> str:
    text = (proc.stdout or "") + (proc.stderr or "")
    return "\n".join(text.splitlines()[-lines:])


def migrate_db(airflow_home: Path) -> None:
    proc = run_airflow(["db", "migrate"], airflow_env(airflow_home), timeout=300)
    assert proc.returncode == 0, f"airflow db migrate failed:\n{output_tail(proc)}"


@pytest.fixture(scope="session")
def migrated_airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite metadata DB (`dags test` needs one in Airflow 3)."""
    home = tmp_path_factory.mktemp("airflow-home")
    migrate_db(home)
    return home
