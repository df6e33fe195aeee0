"""`airflow dags test` of both DAGs against a stub spark-submit (the job jar only says its plan).

The stub records its argv, so these tests see exactly what the SparkSubmitOperator
would hand to the real spark-submit: the stages each spec shape asks for (from the jar's
plan) in dependency order, the master of the connection the spark_conn_id param names,
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
from conftest import JAR, SPEC_SHAPES, TINY_SPEC, airflow_env, output_tail, run_airflow

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
    (home / "conf" / "sweeps" / "mistral.yml").write_text(SPEC_SHAPES["no-search-no-corpus"])
    for shape, text in SPEC_SHAPES.items():
        (home / f"{shape}.yaml").write_text(text)
    # the corpus paths of tiny-spec.yaml are relative to the spec: ../../datasets/corpus
    (home / "datasets").mkdir()
    (home / "datasets" / "corpus").symlink_to(Path(__file__).resolve().parents[2] / "datasets" / "corpus")
    (home / "conf" / "sweeps" / "every-section.yaml").write_text(SPEC_SHAPES["every-section"])
    jar = JAR  # real: the DAGs ask it for the plan; spark-submit itself is the stub
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


# What each spec shape asks for, written out by hand (the reference the jar's plan must match).
EXPECTED_STAGES = {
    "laws-only": ["scaling-laws", "fit", "report"],
    "no-search-no-corpus": ["scaling-laws", "attention-profile", "fit", "report"],
    "every-section": ["scaling-laws", "attention-profile", "base-search", "corpus-coverage", "fit", "report"],
}
DATA_DEPENDENCIES = {("scaling-laws", "fit"), ("base-search", "fit"), ("scaling-laws", "report"),
                     ("attention-profile", "report"), ("base-search", "report"), ("corpus-coverage", "report"),
                     ("fit", "report")}


@pytest.mark.parametrize("shape", sorted(EXPECTED_STAGES))
def test_sweep_runs_the_stages_the_spec_asks_for_in_dependency_order(stub_env, shape: str) -> None:
    conf = {"spec": f"{shape}.yaml", "warehouse": str(stub_env["warehouse"]), "profile": "local"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06T00:00:00+00:00", "-c", json.dumps(conf)], stub_env["env"])
    assert proc.returncode == 0, output_tail(proc)

    calls = stub_env["calls"]()
    run_id = rc.derive_run_id("ropescale_sweep", datetime(2025, 1, 6, tzinfo=timezone.utc))
    stages = []
    for call in calls:
        opts, tail = split(call)
        assert opts["--master"] == "local[*]"  # the default connection spark_ropescale
        assert opts["--class"] == rc.MAIN_CLASS
        assert opts["--properties-file"] == str(stub_env["home"] / "conf/spark/local.conf")
        assert tail[0] == str(stub_env["jar"])
        assert tail[2:] == ["--spec", str(stub_env["home"] / f"{shape}.yaml"),
                            "--warehouse", str(stub_env["warehouse"]), "--run-id", run_id]
        stages.append(tail[1])
    assert sorted(stages) == sorted(EXPECTED_STAGES[shape]), output_tail(proc)
    for upstream, stage in DATA_DEPENDENCIES:
        if upstream in stages and stage in stages:
            assert stages.index(upstream) < stages.index(stage), (upstream, stage, stages)
    assert stages[-1] == "report"


def test_spark_conn_id_param_chooses_the_cluster(stub_env) -> None:
    conf = {"spec": "laws-only.yaml", "warehouse": str(stub_env["warehouse"]), "spark_conn_id": "spark_other"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    assert proc.returncode == 0, output_tail(proc)
    calls = stub_env["calls"]()
    assert len(calls) == 3
    # AIRFLOW_CONN_SPARK_OTHER's host, not the default connection's local[*]
    assert {split(c)[0]["--master"] for c in calls} == {"local[3]"}


def test_unknown_spark_conn_id_fails_before_any_spark_submit(stub_env) -> None:
    conf = {"spec": "laws-only.yaml", "warehouse": str(stub_env["warehouse"]), "spark_conn_id": "spark_nowhere"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "param 'spark_conn_id': Airflow connection 'spark_nowhere' is not defined" in out, output_tail(proc)
    assert stub_env["calls"]() == []


def test_bad_spec_fails_in_plan_naming_the_key(stub_env) -> None:
    (stub_env["home"] / "typo.yaml").write_text("models: [llama2-7b]\nbase_serch: {contexts: [1024]}\n")
    conf = {"spec": "typo.yaml", "warehouse": str(stub_env["warehouse"])}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid spec.base_serch" in out and "unknown key (line 2, column 1)" in out, output_tail(proc)
    assert stub_env["calls"]() == []


def test_sweep_rerun_of_the_same_date_reuses_the_run_id(stub_env) -> None:
    conf = json.dumps({"spec": "conf/sweeps/llama2.yaml", "warehouse": str(stub_env["warehouse"])})
    for _ in range(2):
        proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-02-03", "-c", conf], stub_env["env"])
        assert proc.returncode == 0, output_tail(proc)
    run_ids = {split(c)[1][-1] for c in stub_env["calls"]()}
    assert run_ids == {"ropescale_sweep__20250203T000000Z"}
    assert len(stub_env["calls"]()) == 2 * len(EXPECTED_STAGES["every-section"])


def test_grid_maps_each_stage_over_the_specs_that_ask_for_it(stub_env) -> None:
    conf = {"warehouse": str(stub_env["warehouse"]), "spark_conn_id": "spark_other"}  # specs: default = conf/sweeps/*
    proc = run_airflow(["dags", "test", "ropescale_grid", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    assert proc.returncode == 0, output_tail(proc)
    by_spec: dict[str, list[tuple[str, str]]] = {}
    for call in stub_env["calls"]():
        opts, tail = split(call)
        assert opts["--master"] == "local[3]"
        spec = tail[tail.index("--spec") + 1]
        by_spec.setdefault(spec, []).append((tail[1], tail[-1]))
    sweeps = stub_env["home"] / "conf" / "sweeps"
    shapes = {"llama2.yaml": "every-section", "mistral.yml": "no-search-no-corpus", "every-section.yaml": "every-section"}
    assert set(by_spec) == {str(sweeps / name) for name in shapes}
    for name, shape in shapes.items():
        runs = by_spec[str(sweeps / name)]
        stages = [s for s, _ in runs]
        assert sorted(stages) == sorted(EXPECTED_STAGES[shape]), (name, stages)
        assert stages.index("fit") > stages.index("scaling-laws")
        assert stages[-1] == "report"
        assert {r for _, r in runs} == {f"ropescale_grid__20250106T000000Z__{Path(name).stem}"}


def test_invalid_param_fails_before_any_spark_submit(stub_env) -> None:
    conf = {"spec": "conf/sweeps/missing.yaml", "warehouse": str(stub_env["warehouse"]), "spark_conn_id": "bad id;x"}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], stub_env["env"])
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "param 'spec'" in out and "param 'spark_conn_id'" in out, output_tail(proc)
    assert stub_env["calls"]() == []


def test_failed_spark_submit_fails_the_stage_and_blocks_downstream(stub_env) -> None:
    env = dict(stub_env["env"], STUB_EXIT="3")
    conf = {"spec": "conf/sweeps/llama2.yaml", "warehouse": str(stub_env["warehouse"])}
    proc = run_airflow(["dags", "test", "ropescale_sweep", "2025-01-06", "-c", json.dumps(conf)], env)
    assert proc.returncode != 0
    stages = {split(c)[1][1] for c in stub_env["calls"]()}
    # The four spec-only stages are tried; fit and report never start (none_failed: a failed upstream blocks).
    assert stages == {"scaling-laws", "attention-profile", "base-search", "corpus-coverage"}, output_tail(proc)
