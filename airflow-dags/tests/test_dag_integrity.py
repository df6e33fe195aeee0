"""Static checks of the DAGs and of ropescale_common (no Spark, no scheduler)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DAGS_DIR, REPO_ROOT, TINY_SPEC

from airflow.dag_processing.dagbag import DagBag
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

import ropescale_common as rc

SWEEP_EDGES = {
    ("validate_params", "scaling-laws"),
    ("validate_params", "attention-profile"),
    ("validate_params", "base-search"),
    ("validate_params", "corpus-coverage"),
    ("validate_params", "fit"),
    ("validate_params", "report"),
    ("scaling-laws", "fit"),
    ("base-search", "fit"),
    ("scaling-laws", "report"),
    ("attention-profile", "report"),
    ("base-search", "report"),
    ("corpus-coverage", "report"),
    ("fit", "report"),
}
STAGE_EDGES = {(u, d) for (u, d) in SWEEP_EDGES if u != "validate_params"}


def edges(dag) -> set[tuple[str, str]]:
    return {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_DIR))


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    """A fake ROPESCALE_HOME with the layout validation expects."""
    (tmp_path / "conf" / "spark").mkdir(parents=True)
    for profile in rc.PROFILES:
        (tmp_path / "conf" / "spark" / f"{profile}.conf").write_text("spark.ui.enabled=false\n")
    (tmp_path / "conf" / "sweeps").mkdir()
    (tmp_path / "conf" / "sweeps" / "tiny.yaml").write_text(TINY_SPEC.read_text())
    (tmp_path / "jobs" / "target").mkdir(parents=True)
    (tmp_path / rc.JAR_RELATIVE).write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    return tmp_path


def good_params(home: Path) -> dict[str, str]:
    return {
        "spec": "conf/sweeps/tiny.yaml",
        "warehouse": str(home / "warehouse"),
        "master": "local[*]",
        "profile": "local",
        "jar": str(home / rc.JAR_RELATIVE),
    }


# ----------------------------------------------------------------------------- DagBag


def test_dagbag_imports_both_dags_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert {"ropescale_sweep", "ropescale_grid"} <= set(dagbag.dag_ids)


def test_sweep_task_graph_is_exactly_the_data_dependencies(dagbag: DagBag) -> None:
    dag = dagbag.dags["ropescale_sweep"]
    assert {t.task_id for t in dag.tasks} == {"validate_params", *rc.STAGES}
    assert edges(dag) == SWEEP_EDGES


def test_sweep_dag_schedule_params_and_retries(dagbag: DagBag) -> None:
    dag = dagbag.dags["ropescale_sweep"]
    assert dag.catchup is False
    assert dag.schedule == "@weekly"
    assert dag.timetable.expression == "0 0 * * 0"
    assert set(dag.params.keys()) == {"spec", "warehouse", "master", "profile", "jar"}
    assert dag.params["profile"] in rc.PROFILES
    assert dag.params["jar"] == rc.default_jar()
    for stage in rc.STAGES:
        task = dag.get_task(stage)
        assert task.retries >= 1, stage
        assert task.retry_exponential_backoff > 0, stage
        assert task.max_retry_delay == timedelta(minutes=30)
    assert dag.get_task("validate_params").retries == 0


def test_grid_maps_one_sweep_group_per_spec(dagbag: DagBag) -> None:
    from airflow.sdk.definitions.taskgroup import MappedTaskGroup

    dag = dagbag.dags["ropescale_grid"]
    assert dag.catchup is False
    assert isinstance(dag.task_group_dict["sweep"], MappedTaskGroup)
    assert {"specs", "warehouse", "master", "profile", "jar"} == set(dag.params.keys())
    expected = {("plan_sweeps", f"sweep.{s}") for s in rc.STAGES}
    expected |= {(f"sweep.{u}", f"sweep.{d}") for u, d in STAGE_EDGES}
    assert edges(dag) == expected


@pytest.mark.parametrize("dag_id", ["ropescale_sweep", "ropescale_grid"])
def test_every_spark_submit_gets_an_argument_list(dagbag: DagBag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    ops = [t for t in dag.tasks if isinstance(t, SparkSubmitOperator)]
    assert sorted(op.stage for op in ops) == sorted(rc.STAGES)
    for op in ops:
        args = op.application_args
        assert isinstance(args, list), op.task_id
        assert args[0] == op.stage == op.task_id.split(".")[-1]
        for flag in ("--spec", "--warehouse", "--run-id"):
            assert args.count(flag) == 1, (op.task_id, flag)
            assert args.index(flag) + 1 < len(args)
        assert op._java_class == rc.MAIN_CLASS
        assert op._conn_id == rc.SPARK_CONN_ID
        assert "master" in op.template_fields and "application_args" in op.template_fields


def test_ropescale_common_is_not_parsed_as_a_dag_file() -> None:
    ignore = (DAGS_DIR / ".airflowignore").read_text().splitlines()
    assert "ropescale_common.py" in ignore and "tests/" in ignore


# ------------------------------------------------------------------ command building


def test_spark_submit_command_is_an_argv_list_with_master_from_param(monkeypatch, home: Path) -> None:
    # The connection says yarn; the DAG param says local[2]: the param must win.
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_ROPESCALE", json.dumps({"conn_type": "spark", "host": "yarn"}))
    jar = str(home / rc.JAR_RELATIVE)
    op = rc.RopescaleSparkSubmitOperator(
        task_id="fit",
        stage="fit",
        conn_id=rc.SPARK_CONN_ID,
        application=jar,
        java_class=rc.MAIN_CLASS,
        properties_file=str(home / "conf/spark/local.conf"),
        master="local[2]",
        application_args=rc.build_application_args("fit", str(TINY_SPEC), "/tmp/wh", "rid_1"),
    )
    from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

    assert SparkSubmitHook(conn_id=rc.SPARK_CONN_ID)._connection["master"] == "yarn"
    hook = op._get_hook()
    cmd = hook._build_spark_submit_command(jar)
    assert isinstance(cmd, list)
    assert cmd[0] == "spark-submit"
    assert cmd[cmd.index("--master") + 1] == "local[2]"
    assert not hook._is_yarn and not hook._should_track_driver_status
    assert cmd[cmd.index("--class") + 1] == rc.MAIN_CLASS
    assert cmd[cmd.index("--properties-file") + 1].endswith("conf/spark/local.conf")
    assert cmd[-8:] == [jar, "fit", "--spec", str(TINY_SPEC), "--warehouse", "/tmp/wh", "--run-id", "rid_1"]


def test_spark_launch_env_prefers_explicit_spark_home() -> None:
    assert rc.spark_launch_env({"SPARK_HOME": "/opt/spark", "PATH": "/bin"}) is None
    env = rc.spark_launch_env({"PATH": "/bin"})
    assert env is not None, "pyspark should be installed in the test venv"
    assert (Path(env["SPARK_HOME"]) / "bin" / "spark-submit").is_file()
    assert env["PATH"].split(":")[0] == str(Path(env["SPARK_HOME"]) / "bin")


def test_operator_revalidates_rendered_values_before_submitting(home: Path) -> None:
    op = rc.RopescaleSparkSubmitOperator(
        task_id="report",
        stage="report",
        application=str(home / rc.JAR_RELATIVE),
        master="local[*]; curl evil",
        application_args=rc.build_application_args("report", str(TINY_SPEC), "/tmp/wh", "rid"),
    )
    with pytest.raises(rc.RopescaleParamError, match="'master'"):
        op.execute({})
    op.master = "local[*]"
    op.application_args = rc.build_application_args("report", str(TINY_SPEC), "/tmp/wh`id`", "rid")
    with pytest.raises(rc.RopescaleParamError, match="'warehouse'"):
        op.execute({})
    op.application_args = ["report", "--spec", str(TINY_SPEC), "--warehouse", "/tmp/wh", "--run-id", "rid", "--extra"]
    with pytest.raises(rc.RopescaleParamError, match="'application_args'"):
        op.execute({})


def test_build_application_args_order() -> None:
    assert rc.build_application_args("scaling-laws", "s.yaml", "wh", "r") == [
        "scaling-laws", "--spec", "s.yaml", "--warehouse", "wh", "--run-id", "r",
    ]
    with pytest.raises(ValueError, match="unknown stage"):
        rc.build_application_args("drop-tables", "s.yaml", "wh", "r")


# ------------------------------------------------------------------------ validation


def test_valid_params_are_resolved(home: Path) -> None:
    out = rc.validate_sweep_params(good_params(home), home)
    assert out["spec"] == str(home / "conf/sweeps/tiny.yaml")
    assert out["properties_file"] == str(home / "conf/spark/local.conf")
    assert out["master"] == "local[*]"
    assert out["jar"] == str(home / rc.JAR_RELATIVE)
    assert rc.validate_warehouse("warehouse", home) == str(home / "warehouse")
    assert rc.validate_warehouse("s3a://bucket/ropescale/wh", home) == "s3a://bucket/ropescale/wh"
    assert rc.validate_warehouse("file:/data/wh", home) == "file:/data/wh"


@pytest.mark.parametrize("profile", ["prod", "", None, "local; rm -rf /", "LOCAL"])
def test_bad_profile_is_rejected(home: Path, profile) -> None:
    params = good_params(home) | {"profile": profile}
    with pytest.raises(rc.RopescaleParamError, match="param 'profile'") as err:
        rc.validate_sweep_params(params, home)
    assert repr(profile) in str(err.value)


def test_missing_properties_file_for_profile_is_rejected(home: Path) -> None:
    (home / "conf/spark/gpu.conf").unlink()
    with pytest.raises(rc.RopescaleParamError, match=r"param 'profile'.*gpu\.conf"):
        rc.validate_sweep_params(good_params(home) | {"profile": "gpu"}, home)


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("conf/sweeps/missing.yaml", "does not exist"),
        ("/nonexistent/dir/tiny.yml", "does not exist"),
        ("conf/sweeps/tiny.json", "must end with .yaml or .yml"),
        ("", "must not be empty"),
        (None, "expected a string"),
    ],
)
def test_bad_spec_is_rejected(home: Path, spec, why: str) -> None:
    with pytest.raises(rc.RopescaleParamError, match="param 'spec'") as err:
        rc.validate_sweep_params(good_params(home) | {"spec": spec}, home)
    assert why in str(err.value)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("spec", "conf/sweeps/tiny.yaml; rm -rf /"),
        ("spec", "conf/sweeps/$(whoami).yaml"),
        ("spec", "conf/sweeps/tiny.yaml\n"),
        ("warehouse", "/tmp/wh && curl example.invalid"),
        ("warehouse", "/tmp/wh`id`"),
        ("warehouse", "/tmp/w h"),
        ("warehouse", "/tmp/wh|tee"),
        ("warehouse", "'/tmp/wh'"),
        ("master", "local[*] --conf spark.driver.extraJavaOptions=-Dx"),
        ("master", "local[*];id"),
        ("master", "yarn\n"),
        ("master", "$(id)"),
        ("jar", "/tmp/x.jar;id"),
        ("jar", "/tmp/x.jar > /etc/passwd"),
        ("jar", "${HOME}/x.jar"),
    ],
)
def test_shell_metacharacters_are_rejected_naming_the_param(home: Path, param: str, value: str) -> None:
    with pytest.raises(rc.RopescaleParamError, match=f"param '{param}'") as err:
        rc.validate_sweep_params(good_params(home) | {param: value}, home)
    assert repr(value) in str(err.value)


@pytest.mark.parametrize("warehouse", ["", "   ", None])
def test_empty_warehouse_is_rejected(home: Path, warehouse) -> None:
    with pytest.raises(rc.RopescaleParamError, match="param 'warehouse'"):
        rc.validate_sweep_params(good_params(home) | {"warehouse": warehouse}, home)


def test_missing_jar_is_rejected(home: Path) -> None:
    with pytest.raises(rc.RopescaleParamError, match="param 'jar'.*does not exist"):
        rc.validate_sweep_params(good_params(home) | {"jar": str(home / "nope.jar")}, home)
    with pytest.raises(rc.RopescaleParamError, match="param 'jar'.*must end with .jar"):
        rc.validate_sweep_params(good_params(home) | {"jar": str(TINY_SPEC)}, home)


@pytest.mark.parametrize(
    "master",
    ["local", "local[*]", "local[4]", "local[*,3]", "local[2,1]", "yarn", "spark://spark-master:7077",
     "spark://m1:7077,m2:7077", "k8s://https://k8s.example.com:6443", "k8s://10.0.0.1:443"],
)
def test_valid_masters(master: str) -> None:
    assert rc.validate_master(master) == master


@pytest.mark.parametrize(
    "master",
    ["", "local[0]", "local[]", "local[*", "local[-1]", "mesos://m:5050", "spark://", "yarn-client",
     "k8s://", "spark://host:7077/../x", " local", "LOCAL"],
)
def test_invalid_masters_are_rejected(master: str) -> None:
    with pytest.raises(rc.RopescaleParamError, match="param 'master'"):
        rc.validate_master(master)


def test_all_problems_are_reported_together(home: Path) -> None:
    params = {"spec": "nope.yaml", "warehouse": "", "master": "mesos://x", "profile": "prod", "jar": "x.jar"}
    with pytest.raises(rc.RopescaleParamError) as err:
        rc.validate_sweep_params(params, home)
    for name in ("spec", "warehouse", "master", "profile", "jar"):
        assert f"param '{name}'" in str(err.value)


def test_validation_errors_fail_the_task_without_retries() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    assert issubclass(rc.RopescaleParamError, AirflowFailException)
    assert issubclass(rc.RopescaleParamError, ValueError)


def test_grid_spec_list_validation(home: Path) -> None:
    (home / "conf/sweeps/mistral.yml").write_text(TINY_SPEC.read_text())
    assert rc.validate_spec_list(["conf/sweeps/tiny.yaml", "conf/sweeps/mistral.yml"], home) == [
        str(home / "conf/sweeps/tiny.yaml"),
        str(home / "conf/sweeps/mistral.yml"),
    ]
    with pytest.raises(rc.RopescaleParamError, match="param 'specs'"):
        rc.validate_spec_list([], home)
    with pytest.raises(rc.RopescaleParamError, match="param 'specs'"):
        rc.validate_spec_list("conf/sweeps/tiny.yaml", home)
    with pytest.raises(rc.RopescaleParamError, match=r"param 'specs\[1\]'.*does not exist"):
        rc.validate_spec_list(["conf/sweeps/tiny.yaml", "conf/sweeps/nope.yaml"], home)
    (home / "other").mkdir()
    (home / "other/tiny.yaml").write_text("name: other\n")
    with pytest.raises(rc.RopescaleParamError, match="param 'specs'.*collide"):
        rc.validate_spec_list(["conf/sweeps/tiny.yaml", "other/tiny.yaml"], home)


def test_defaults_follow_repo_layout_and_env(monkeypatch, tmp_path: Path) -> None:
    for var in ("ROPESCALE_HOME", "ROPESCALE_JAR", "ROPESCALE_SPEC", "ROPESCALE_WAREHOUSE"):
        monkeypatch.delenv(var, raising=False)
    assert rc.ropescale_home() == REPO_ROOT
    pom_version = re.search(r"<artifactId>ropescale-parent</artifactId>\s*<version>([^<]+)</version>",
                            (REPO_ROOT / "pom.xml").read_text()).group(1)
    assert rc.default_jar() == str(REPO_ROOT / f"jobs/target/ropescale-jobs-{pom_version}-spark.jar")
    assert rc.default_warehouse() == str(REPO_ROOT / "warehouse")
    monkeypatch.setenv("ROPESCALE_HOME", str(tmp_path))
    assert rc.ropescale_home() == tmp_path.resolve()
    assert rc.default_jar() == str(tmp_path.resolve() / rc.JAR_RELATIVE)
    monkeypatch.setenv("ROPESCALE_JAR", "/opt/jars/custom.jar")
    assert rc.default_jar() == "/opt/jars/custom.jar"
    assert rc.sweep_specs(tmp_path) == []
    (tmp_path / "conf/sweeps").mkdir(parents=True)
    for name in ("b.yaml", "a.yml", "notes.txt"):
        (tmp_path / "conf/sweeps" / name).write_text("name: x\n")
    assert rc.sweep_specs(tmp_path) == [str(tmp_path / "conf/sweeps/a.yml"), str(tmp_path / "conf/sweeps/b.yaml")]
    assert rc.default_spec(tmp_path) == str(tmp_path / "conf/sweeps/a.yml")


# ---------------------------------------------------------------------------- run ids


def test_run_id_is_deterministic_and_sanitised() -> None:
    day = datetime(2025, 1, 6, tzinfo=timezone.utc)
    first = rc.derive_run_id("ropescale_sweep", day, "manual__2026-11-27T00:46:44.708952+00:00")
    again = rc.derive_run_id("ropescale_sweep", day, "scheduled__2025-01-06T00:00:00+00:00")
    assert first == again == "ropescale_sweep__20250106T000000Z"
    assert rc.RUN_ID_RE.fullmatch(first)
    # Same instant in another time zone -> same id; another date -> another id.
    plus2 = datetime(2025, 1, 6, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert rc.derive_run_id("ropescale_sweep", plus2) == first
    assert rc.derive_run_id("ropescale_sweep", day + timedelta(days=7)) != first
    assert rc.derive_run_id("ropescale_sweep", day.replace(microsecond=1234)).endswith("T000000.001234Z")


def test_run_id_falls_back_to_the_airflow_run_id_when_no_logical_date() -> None:
    rid = rc.derive_run_id("ropescale_sweep", None, "manual__2025-01-06T10:11:12.5+00:00_AbC9xY")
    assert rid == "ropescale_sweep__manual__2025-01-06T10_11_12.5_00_00_AbC9xY"
    assert rc.RUN_ID_RE.fullmatch(rid)
    with pytest.raises(rc.RopescaleParamError, match="param 'run_id'"):
        rc.derive_run_id("ropescale_sweep", None, None)


def test_run_id_per_spec_in_the_grid() -> None:
    day = datetime(2025, 1, 6, tzinfo=timezone.utc)
    a = rc.derive_run_id("ropescale_grid", day, spec="/x/conf/sweeps/llama2.yaml")
    b = rc.derive_run_id("ropescale_grid", day, spec="/x/conf/sweeps/mistral 7b.yml")
    assert a == "ropescale_grid__20250106T000000Z__llama2"
    assert b == "ropescale_grid__20250106T000000Z__mistral_7b"


@pytest.mark.parametrize(
    "raw",
    ["a b", "x;rm -rf /", "$(id)", "..", "", "ü-ñ", "a" * 300, "run/../../etc", "tab\there", "'quoted'"],
)
def test_sanitize_run_id(raw: str) -> None:
    out = rc.sanitize_run_id(raw)
    assert rc.RUN_ID_RE.fullmatch(out), out
    assert out == rc.sanitize_run_id(raw)


def test_long_run_ids_keep_a_hash_of_the_full_value() -> None:
    a = rc.sanitize_run_id("x" * 200 + "a")
    b = rc.sanitize_run_id("x" * 200 + "b")
    assert len(a) <= 128 and len(b) <= 128 and a != b


def test_rendered_args_are_checked() -> None:
    good = rc.build_application_args("fit", "/s.yaml", "/wh", "rid")
    assert rc.check_rendered_application_args("fit", good) == good
    with pytest.raises(rc.RopescaleParamError, match="param 'run_id'"):
        rc.check_rendered_application_args("fit", rc.build_application_args("fit", "/s.yaml", "/wh", "r:id"))
    with pytest.raises(rc.RopescaleParamError, match="param 'application_args'"):
        rc.check_rendered_application_args("report", good)
