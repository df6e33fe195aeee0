"""End to end: `airflow dags test ropescale_sweep` -> real spark-submit -> real job jar -> Delta tables.

Runs the six stages on tests/tiny-spec.yaml on the connection spark_e2e (local[2]; pyspark 3.5.5
from the venv), the repo's conf/spark/local.conf and a temp warehouse; then reads the Delta tables
with delta-rs and checks that each gained rows for the derived run_id, and that a retry of a
stage (`airflow tasks test` in the same DAG run) replaces its rows instead of adding to them. A spec with
only scaling laws runs its three stages the same way, with the venv off PATH.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import JAR, REPO_ROOT, SPEC_SHAPES, TINY_SPEC, VENV_BIN, airflow_env, migrate_db, output_tail, run_airflow

import ropescale_common as rc

E2E_CONN = json.dumps({"conn_type": "spark", "host": "local[2]"})
# The drivers of these small specs spend most of their CPU in the C2 compiler (Spark's and Delta's
# start-up and commit paths): the JVM's C1 compiler alone, as `bin/ropescale` uses for its light
# commands (docs/benchmarks.md, "Small commands"), takes a third less CPU. spark-submit adds
# SPARK_SUBMIT_OPTS to the driver JVM it starts; the operator passes the environment on.
C1_DRIVER = (REPO_ROOT / "conf" / "jit-c1.options").read_text().strip()
LOGICAL_DATE = "2025-01-06T00:00:00+00:00"
RUN_ID = rc.derive_run_id("ropescale_sweep", datetime(2025, 1, 6, tzinfo=timezone.utc))
# Tables named in the job contract (fit reads them); every table found is checked.
REQUIRED_TABLES = {"rope_bounds", "base_lower_bounds", "attention_profile", "documents", "corpus_coverage",
                   "scaling_fits", "runs"}
# Tables that legitimately hold no rows for this run: the sample corpus has no unreadable file.
MAY_BE_EMPTY = {"quarantine"}
DAGS_TEST_TIMEOUT = 2400  # seconds, per `airflow dags test` (six Spark stages)
RETRIED_STAGE = "corpus-coverage"


def delta_tables(warehouse: Path) -> dict[str, Path]:
    """Tables at <warehouse>/<table> (a directory with a _delta_log)."""
    if not warehouse.is_dir():
        return {}
    return {p.name: p for p in sorted(warehouse.iterdir()) if (p / "_delta_log").is_dir()}


def rows_by_run_id(table: Path) -> dict[str, int]:
    from deltalake import DeltaTable, QueryBuilder

    dt = DeltaTable(str(table))
    columns = [field.name for field in dt.schema().fields]
    assert "run_id" in columns, f"table {table.name} has no run_id column: {columns}"
    result = (
        QueryBuilder()
        .register("t", dt)
        .execute("SELECT run_id, COUNT(*) AS n FROM t GROUP BY run_id")
        .read_all()
    )
    return dict(zip(result["run_id"].to_pylist(), result["n"].to_pylist()))


def snapshot(warehouse: Path) -> dict[str, dict[str, int]]:
    return {name: rows_by_run_id(path) for name, path in delta_tables(warehouse).items()}


def failure_summary(proc) -> str:
    """The lines that say why a stage failed, then the tail of the output."""
    text = (proc.stdout or "") + (proc.stderr or "")
    keys = ("Cannot execute", "Exception", "Error:", "Unmatched argument", "Unknown option", "[DAG TEST] end task")
    why = [line for line in text.splitlines() if any(k in line for k in keys) and "\tat " not in line]
    return "\n".join(why[-40:]) + "\n--- output tail ---\n" + output_tail(proc, 60)


def listing(warehouse: Path) -> str:
    if not warehouse.exists():
        return f"{warehouse} does not exist"
    return "\n".join(str(p.relative_to(warehouse)) for p in sorted(warehouse.rglob("*")) if p.is_dir())


def test_sweep_end_to_end_writes_delta_rows_idempotently(tmp_path: Path) -> None:
    airflow_home = tmp_path / "airflow-home"
    airflow_home.mkdir()
    migrate_db(airflow_home)
    warehouse = tmp_path / "warehouse"
    env = airflow_env(
        airflow_home,
        ROPESCALE_HOME=str(REPO_ROOT),  # conf/spark/local.conf from the repo
        ROPESCALE_JAR=str(JAR),
        SPARK_HOME=None,  # use pyspark 3.5.5 from the venv
        SPARK_LOCAL_IP="127.0.0.1",
        AIRFLOW_CONN_SPARK_E2E=E2E_CONN, SPARK_SUBMIT_OPTS=C1_DRIVER,
    )
    conf = json.dumps(
        {
            "spec": str(TINY_SPEC),
            "warehouse": str(warehouse),
            "spark_conn_id": "spark_e2e",
            "profile": "local",
            "jar": str(JAR),
        }
    )
    cmd = ["dags", "test", "ropescale_sweep", LOGICAL_DATE, "-c", conf]

    first = run_airflow(cmd, env, timeout=DAGS_TEST_TIMEOUT)
    rc_first = first.returncode
    assert rc_first == 0, f"first `airflow dags test` failed:\n{failure_summary(first)}"
    after_first = snapshot(warehouse)
    print(f"run_id={RUN_ID} tables after first run: {after_first}")

    assert after_first, f"no Delta tables under {warehouse}:\n{listing(warehouse)}"
    missing = REQUIRED_TABLES - set(after_first)
    assert not missing, f"missing tables {sorted(missing)}; found {sorted(after_first)}"
    for table, counts in after_first.items():
        if table in MAY_BE_EMPTY and not counts:
            continue
        assert counts.get(RUN_ID, 0) > 0, f"table {table} has no rows for run_id {RUN_ID}: {counts}"
        assert set(counts) == {RUN_ID}, f"table {table} has rows of other runs in a fresh warehouse: {counts}"

    # A retry of a stage of the same DAG run: Airflow derives the same run id, and the stage's
    # spark-submit replaces its rows. corpus-coverage writes the most tables (five and its runs row).
    # (test_dag_wiring checks that a whole rerun of the date reuses the run id in every stage; a
    # second real DAG run here cost about four minutes of CI and proved no more.)
    retry = run_airflow(["tasks", "test", "ropescale_sweep", RETRIED_STAGE, LOGICAL_DATE, "--map-index", "0"], env,
                        timeout=DAGS_TEST_TIMEOUT)
    assert retry.returncode == 0, f"`airflow tasks test {RETRIED_STAGE}` failed:\n{failure_summary(retry)}"
    out = retry.stdout + retry.stderr
    assert f"{RETRIED_STAGE} --spec" in out and f"--run-id {RUN_ID}" in out, output_tail(retry, 60)
    after_retry = snapshot(warehouse)
    print(f"tables after the retry of {RETRIED_STAGE}: {after_retry}")
    assert after_retry == after_first, f"a retry of {RETRIED_STAGE} with the same logical date changed row counts"
    log = warehouse / "corpus_coverage" / "_delta_log"
    assert len(list(log.glob("*.json"))) == 2, "the retry did not commit a second version of corpus_coverage"


def test_laws_only_spec_runs_its_three_stages_with_pyspark_spark_submit(tmp_path: Path) -> None:
    """No attention:, base_search: or corpus: section: scaling-laws, fit and report run, the rest skip.

    With SPARK_HOME unset and the venv's bin/ off PATH, spark-submit is pyspark's (the plan task
    hands its SPARK_HOME and PATH to the operator as env_vars).
    """
    airflow_home = tmp_path / "airflow-home"
    airflow_home.mkdir()
    migrate_db(airflow_home)
    spec = tmp_path / "laws-only.yaml"
    spec.write_text(SPEC_SHAPES["laws-only"])
    warehouse = tmp_path / "warehouse"
    env = airflow_env(airflow_home, ROPESCALE_HOME=str(REPO_ROOT), ROPESCALE_JAR=str(JAR), SPARK_HOME=None,
                      SPARK_LOCAL_IP="127.0.0.1", AIRFLOW_CONN_SPARK_E2E=E2E_CONN, SPARK_SUBMIT_OPTS=C1_DRIVER)
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if p != str(VENV_BIN))
    conf = json.dumps({"spec": str(spec), "warehouse": str(warehouse), "spark_conn_id": "spark_e2e"})
    proc = run_airflow(["dags", "test", "ropescale_sweep", LOGICAL_DATE, "-c", conf], env, timeout=DAGS_TEST_TIMEOUT)
    assert proc.returncode == 0, f"`airflow dags test` failed:\n{failure_summary(proc)}"
    out = proc.stdout + proc.stderr
    assert "SPARK_HOME unset: spark-submit of pyspark's Spark" in out, output_tail(proc)
    tables = snapshot(warehouse)
    assert set(tables) == {"rope_bounds", "scaling_fits", "runs"}, tables
    assert tables["rope_bounds"] == {RUN_ID: 3}
    # one regression: T_extra vs base over the two larger-base rows (no base_lower_bounds to fit)
    assert tables["scaling_fits"] == {RUN_ID: 1}
    assert tables["runs"] == {RUN_ID: 2}, "one runs row per table-writing stage: scaling-laws, fit"
    assert (warehouse / "reports" / RUN_ID / "index.html").is_file()
