"""`airflow dags test` of both DAGs against a stub spark-submit (no JVM, no job jar).

The stub records its argv, so these tests see exactly what the SparkSubmitOperator
would hand to the real spark-submit: order of the stages, master from the DAG param,
one run_id per Airflow run (per spec in the grid), and argv items that are never
joined into a shell string.
"""

from __future__ import annotations

import json
import stat
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conftest import TINY_SPEC, airflow_env, output_tail, run_airflow

import ropescale_common as rc

STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_LOG"], "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\\n")
sys.exit(int(os.environ.get("STUB_EXIT", "0")))
"""


@pytest.fixture()
def stub_env(tmp_path: Path, migrated_airflow_home: Path):
    home = tmp_path / "home"
    (home / "conf" / "spark").mkdir(parents=True)
    (home / "conf" / "spark" / "local.conf").write_text("spark.ui.enabled=false\n")
    (home / "conf" / "sweeps").mkdir()
    (home / "conf" / "sweeps" / "llama2.yaml").write_text(TINY_SPEC.read_text())
    (home / "conf" / "sweeps" / "mistral.yml").write_text(TINY_SPEC.read_text())
    jar = home / "stub.jar"
    jar.write_bytes(b"not a real jar")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "spark-submit"
    stub.write_text(STUB.format(python=sys.executable))
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    log = tmp_path / "spark-submit.log"
    env = airflow_env(
        migrated_airflow_home,
        ROPESCALE_HOME=str(home),
        ROPESCALE_JAR=str(jar),
        STUB_LOG=str(log),
        # An explicit SPARK_HOME keeps the operator from putting pyspark's bin/ first on PATH.
        SPARK_HOME=str(tmp_path / "no-spark-here"),
        PATH=f"{bin_dir}:{airflow_env(migrated_airflow_home)['PATH']}",
    )

    def calls() -> list[list[str]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return {"home": home, "jar": jar, "env": env, "calls": calls, "warehouse": tmp_path / "wh"}


def split(call: list[str]) -> tuple[dict[str, str], list[str]]:
    """spark-submit argv -> ({--option: value} before the jar, [jar, stage, args...])."""
    opts, i = {}, 0
    while call[i].startswith("--"):
        opts[call[i]] = call[i + 1]
        i += 2
    return opts, call[i:]


def test_sweep_runs_six_stages_in_dependency_order(stub_env) -> None:
    conf = {
        "spec": "conf/sweeps/llama2.yaml",
        "warehouse": str(stub_env["warehouse"]),
        "master": "local[2]",
        "profile": "local",
    }
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06T00:00:00+00:00", "-c", json.dumps(conf)], stub_env["env"])
    assert proc.returncode == 0, output_tail(proc)

    calls = stub_env["calls"]()
    run_id = rc.derive_run_id("ropescale_sweep", datetime(2025, 1, 6, tzinfo=timezone.utc))
    stages = []
    for call in calls:
        opts, tail = split(call)
        assert opts["--master"] == "local[2]"  # the param, not the connection's local[*]
        assert opts["--class"] == rc.MAIN_CLASS
        assert opts["--properties-file"] == str(stub_env["home"] / "conf/spark/local.conf")
        assert tail[0] == str(stub_env["jar"])
        assert tail[2:] == ["--spec", str(stub_env["home"] / "conf/sweeps/llama2.yaml"),
                            "--warehouse", str(stub_env["warehouse"]), "--run-id", run_id]
        stages.append(tail[1])
    assert sorted(stages) == sorted(rc.STAGES)
    for stage, upstreams in rc.STAGE_UPSTREAMS.items():
        for upstream in upstreams:
            assert stages.index(upstream) < stages.index(stage), (upstream, stage, stages)
    assert stages[-1] == "report"


def test_sweep_rerun_of_the_same_date_reuses_the_run_id(stub_env) -> None:
    conf = json.dumps({"spec": "conf/sweeps/llama2.yaml", "warehouse": str(stub_env["warehouse"])})
    for _ in range(2):
        proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-02-03", "-c", conf], stub_env["env"])
        assert proc.returncode == 0, output_tail(proc)
    run_ids = {split(c)[1][-1] for c in stub_env["calls"]()}
    assert run_ids == {"ropescale_sweep__20250203T000000Z"}
    assert len(stub_env["calls"]()) == 12


def test_grid_maps_a_full_sweep_per_spec(stub_env) -> None:
    conf = {"warehouse": str(stub_env["warehouse"]), "master": "local[1]"}  # specs: default = conf/sweeps/*
    proc = run_airflow(["dags", "test", "ropescale_grid", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    assert proc.returncode == 0, output_tail(proc)
    by_spec: dict[str, list[tuple[str, str]]] = {}
    for call in stub_env["calls"]():
        opts, tail = split(call)
        assert opts["--master"] == "local[1]"
        spec = tail[tail.index("--spec") + 1]
        by_spec.setdefault(spec, []).append((tail[1], tail[-1]))
    sweeps = stub_env["home"] / "conf" / "sweeps"
    assert set(by_spec) == {str(sweeps / "llama2.yaml"), str(sweeps / "mistral.yml")}
    for spec, runs in by_spec.items():
        stages = [s for s, _ in runs]
        assert sorted(stages) == sorted(rc.STAGES)
        assert stages.index("fit") > max(stages.index("scaling-laws"), stages.index("base-search"))
        assert stages[-1] == "report"
        assert {r for _, r in runs} == {f"ropescale_grid__20250106T000000Z__{Path(spec).stem}"}


def test_invalid_param_fails_before_any_spark_submit(stub_env) -> None:
    conf = {"spec": "conf/sweeps/missing.yaml", "warehouse": str(stub_env["warehouse"]), "master": "local[*];id"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "param 'spec'" in out and "param 'master'" in out, output_tail(proc)
    assert stub_env["calls"]() == []


def test_failed_spark_submit_fails_the_stage_and_blocks_downstream(stub_env) -> None:
    env = dict(stub_env["env"], STUB_EXIT="3")
    conf = {"spec": "conf/sweeps/llama2.yaml", "warehouse": str(stub_env["warehouse"])}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], env)
    assert proc.returncode != 0
    stages = {split(c)[1][1] for c in stub_env["calls"]()}
    # The four spec-only stages are tried; fit and report never start.
    assert stages == {"scaling-laws", "attention-profile", "base-search", "corpus-coverage"}, output_tail(proc)


def test_real_spark_submit_launches_the_jvm_with_our_argv(stub_env, tmp_path: Path) -> None:
    """No stub: pyspark's real spark-submit starts a JVM on an empty jar and fails to load our class.

    Proves the launch wiring without the job jar: spark-submit is found with SPARK_HOME unset and
    the venv not on PATH, the --class/--master/--properties-file flags are accepted by Spark 3.5.5.
    """
    import zipfile

    from conftest import VENV_BIN

    empty_jar = tmp_path / "empty.jar"
    with zipfile.ZipFile(empty_jar, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    path = ":".join(p for p in stub_env["env"]["PATH"].split(":") if p not in (str(VENV_BIN), str(tmp_path / "bin")))
    env = dict(stub_env["env"], ROPESCALE_JAR=str(empty_jar), PATH=path)
    env.pop("SPARK_HOME")
    conf = {"spec": "conf/sweeps/llama2.yaml", "warehouse": str(stub_env["warehouse"]), "master": "local[1]"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], env)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "SPARK_HOME unset: using pyspark's Spark" in out, output_tail(proc)
    assert f"Failed to load class {rc.MAIN_CLASS}" in out, output_tail(proc)
    assert "ropescale-fit" not in out and "ropescale-report" not in out
