"""End to end: `airflow dags test ropescale_sweep` -> real spark-submit -> real job jar -> Delta tables.

Runs the six stages on tests/tiny-spec.yaml with Spark local[2] (pyspark 3.5.5 from the venv),
the repo's conf/spark/local.conf and a temp warehouse; then reads the Delta tables with
delta-rs and checks that each gained rows for the derived run_id, and that a second
`dags test` of the same logical date replaces those rows instead of adding to them.

Skipped (with the reason) only when the job jar has not been built yet.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import REPO_ROOT, TINY_SPEC, airflow_env, migrate_db, output_tail, run_airflow

import ropescale_common as rc

JAR = Path(os.environ.get("ROPESCALE_JAR") or REPO_ROOT / rc.JAR_RELATIVE)
LOGICAL_DATE = "2025-01-06T00:00:00+00:00"
RUN_ID = rc.derive_run_id("ropescale_sweep", datetime(2025, 1, 6, tzinfo=timezone.utc))
# Tables named in the job contract (fit reads them); every table found is checked.
REQUIRED_TABLES = {"rope_bounds", "base_lower_bounds", "attention_profile", "documents", "corpus_coverage",
                   "scaling_fits", "runs"}
# Tables that legitimately hold no rows for this run: the sample corpus has no unreadable file.
MAY_BE_EMPTY = {"quarantine"}
DAGS_TEST_TIMEOUT = 2400  # seconds, per `airflow dags test` (six Spark stages)


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
    if not JAR.is_file():
        pytest.skip(f"job jar not built: {JAR} is missing (build it with `mvn -pl jobs -am package`)")

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
    )
    conf = json.dumps(
        {
            "spec": str(TINY_SPEC),
            "warehouse": str(warehouse),
            "master": "local[2]",
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

    second = run_airflow(cmd, env, timeout=DAGS_TEST_TIMEOUT)
    rc_second = second.returncode
    assert rc_second == 0, f"second `airflow dags test` failed:\n{failure_summary(second)}"
    after_second = snapshot(warehouse)
    print(f"tables after second run: {after_second}")
    assert after_second == after_first, "rerun with the same logical date changed row counts (duplicates?)"
