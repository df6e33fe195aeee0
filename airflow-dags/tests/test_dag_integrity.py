"""Static checks of the DAGs and of ropescale_common (no Spark, no scheduler)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import DAGS_DIR, JAR, REPO_ROOT, SPEC_SHAPES, TINY_SPEC

from airflow.dag_processing.dagbag import DagBag
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

import ropescale_common as rc

# The data dependencies, written out by hand: the reference the jar's plan must match.
STAGES = ["scaling-laws", "attention-profile", "base-search", "corpus-coverage", "model-attention", "fit", "report"]
STAGE_EDGES = {
    ("scaling-laws", "fit"),
    ("base-search", "fit"),
    ("scaling-laws", "report"),
    ("attention-profile", "report"),
    ("base-search", "report"),
    ("corpus-coverage", "report"),
    ("model-attention", "fit"),
    ("model-attention", "report"),
    ("fit", "report"),
}
DAG_EDGES = STAGE_EDGES | {("plan", s) for s in STAGES}


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
        "spark_conn_id": "spark_ropescale",
        "profile": "local",
        "jar": str(home / rc.JAR_RELATIVE),
    }


# ----------------------------------------------------------------------------- DagBag


def test_dagbag_imports_both_dags_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert {"ropescale_sweep", "ropescale_grid"} <= set(dagbag.dag_ids)


def test_the_jar_plans_the_data_dependencies() -> None:
    catalogue = rc.stage_catalogue(str(JAR))
    assert [s["name"] for s in catalogue] == STAGES
    assert {(u, s["name"]) for s in catalogue for u in s["upstream"]} == STAGE_EDGES
    assert next(s for s in catalogue if s["name"] == "fit")["reads"] == ["rope_bounds", "base_lower_bounds",
                                                                         "model_measured_bounds"]


@pytest.mark.parametrize("dag_id", ["ropescale_sweep", "ropescale_grid"])
def test_task_graph_is_the_jar_plan(dagbag: DagBag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    assert {t.task_id for t in dag.tasks} == {"plan", *STAGES}
    assert edges(dag) == DAG_EDGES


def test_sweep_dag_schedule_params_and_retries(dagbag: DagBag) -> None:
    dag = dagbag.dags["ropescale_sweep"]
    assert dag.catchup is False
    assert dag.schedule == "@weekly"
    assert dag.timetable.expression == "0 0 * * 0"
    assert set(dag.params.keys()) == {"spec", "warehouse", "spark_conn_id", "profile", "jar"}
    assert dag.params["spark_conn_id"] == rc.SPARK_CONN_ID
    assert dag.params["profile"] in rc.PROFILES
    assert dag.params["jar"] == rc.default_jar()
    for stage in STAGES:
        task = dag.get_task(stage)
        assert task.retries >= 1, stage
        assert task.retry_exponential_backoff > 0, stage
        assert task.max_retry_delay == timedelta(minutes=30)
        assert task.trigger_rule == "none_failed", stage
    assert dag.get_task("plan").retries == 0


def test_grid_params(dagbag: DagBag) -> None:
    dag = dagbag.dags["ropescale_grid"]
    assert dag.catchup is False
    assert {"specs", "warehouse", "spark_conn_id", "profile", "jar"} == set(dag.params.keys())


@pytest.mark.parametrize("dag_id", ["ropescale_sweep", "ropescale_grid"])
def test_every_stage_is_a_stock_spark_submit_mapped_at_run_time(dagbag: DagBag, dag_id: str) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    dag = dagbag.dags[dag_id]
    for stage in STAGES:
        op = dag.get_task(stage)
        assert isinstance(op, MappedOperator), stage
        assert op.operator_class is SparkSubmitOperator  # the provider's own, no subclass
        assert op.partial_kwargs["java_class"] == rc.MAIN_CLASS
        assert op.partial_kwargs["name"] == f"ropescale-{stage}"


def test_no_provider_internals_are_touched() -> None:
    for path in (DAGS_DIR / "ropescale_common.py", DAGS_DIR / "ropescale_sweep.py", DAGS_DIR / "ropescale_grid.py"):
        text = path.read_text()
        for private in ("hook._", "._connection", "_is_yarn", "_is_kubernetes", "_get_hook", "._conn_id", "._env"):
            assert private not in text, (path.name, private)


def test_ropescale_common_is_not_parsed_as_a_dag_file() -> None:
    ignore = (DAGS_DIR / ".airflowignore").read_text().splitlines()
    assert "ropescale_common.py" in ignore and "tests/" in ignore


# ------------------------------------------------------------------ command building


def spec_file(tmp_path: Path, shape: str) -> str:
    path = tmp_path / f"{shape}.yaml"
    path.write_text(SPEC_SHAPES[shape].replace("../../datasets/corpus", str(REPO_ROOT / "datasets/corpus")))
    return str(path)


@pytest.mark.parametrize(
    ("shape", "stages"),
    [
        ("laws-only", ["scaling-laws", "fit", "report"]),
        ("no-search-no-corpus", ["scaling-laws", "attention-profile", "fit", "report"]),
        ("every-section", [s for s in STAGES if s != "model-attention"]),
        ("default", STAGES),  # conf/sweeps/paper-llama2.yaml: every section, the real-model slice included
    ],
)
def test_submissions_follow_the_spec_plan(tmp_path: Path, shape: str, stages: list[str]) -> None:
    spec = str(REPO_ROOT / "conf/sweeps/paper-llama2.yaml") if shape == "default" else spec_file(tmp_path, shape)
    plan = rc.run_plan(str(JAR), spec)
    subs = rc.stage_submissions(plan, rc.stage_catalogue(str(JAR)), warehouse="/tmp/wh", run_id="rid_1",
                                jar=str(JAR), conn_id="spark_other", properties_file="/conf/local.conf")
    assert list(subs) == stages
    for stage, kwargs in subs.items():
        assert kwargs["conn_id"] == "spark_other"  # the param, handed to SparkSubmitOperator(conn_id=...)
        assert kwargs["application"] == str(JAR)
        assert kwargs["properties_file"] == "/conf/local.conf"
        assert kwargs["application_args"] == [stage, "--spec", spec, "--warehouse", "/tmp/wh", "--run-id", "rid_1"]
    fit = next(s for s in plan["stages"] if s["name"] == "fit")
    assert fit["upstream"] == [s for s in ("scaling-laws", "base-search", "model-attention") if s in stages]


def test_the_connection_reaches_the_operator(tmp_path: Path) -> None:
    """SparkSubmitOperator built from a submission: its hook resolves the named connection."""
    subs = rc.stage_submissions(rc.run_plan(str(JAR), spec_file(tmp_path, "laws-only")), rc.stage_catalogue(str(JAR)),
                                warehouse="/tmp/wh", run_id="rid", jar=str(JAR), conn_id="spark_other",
                                properties_file="/conf/local.conf")
    from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook

    op = SparkSubmitOperator(task_id="fit", java_class=rc.MAIN_CLASS, **subs["fit"])
    assert op.application_args[0] == "fit"
    # the public hook for the same connection id: the master is the connection's host
    hook = SparkSubmitHook(conn_id=subs["fit"]["conn_id"])
    assert hook.get_connection("spark_other").host == "local[3]"


def test_plan_rejects_a_bad_spec_with_the_jar_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("models: [llama2-7b]\nattention: {max_positions: 5}\n")
    with pytest.raises(rc.RopescaleParamError, match=r"invalid spec\.attention\.max_positions = 5: unknown key"):
        rc.run_plan(str(JAR), str(bad))


def test_a_plan_the_dag_does_not_know_fails_clearly() -> None:
    catalogue = rc.stage_catalogue(str(JAR))
    plan = {"stages": [{"name": "a-future-stage", "argv": ["a-future-stage"], "upstream": []}]}
    with pytest.raises(rc.RopescalePlanError, match="older jar"):
        rc.check_plan_fits_catalogue(plan, catalogue)
    plan = {"stages": [{"name": "scaling-laws", "argv": ["scaling-laws"], "upstream": ["report"]}]}
    with pytest.raises(rc.RopescalePlanError, match="re-parse"):
        rc.check_plan_fits_catalogue(plan, catalogue)


def test_unsafe_argv_items_are_refused() -> None:
    plan = {"stages": [{"name": "fit", "argv": ["fit", "--spec", "/s.yaml;id"], "upstream": []}]}
    with pytest.raises(rc.RopescaleParamError, match="'application_args'"):
        rc.stage_submissions(plan, [{"name": "fit", "upstream": []}], warehouse="/wh", run_id="r", jar="/j.jar",
                             conn_id="c", properties_file="/p")


def test_catalogue_is_cached_per_jar_build(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ROPESCALE_PLAN_CACHE", str(tmp_path / "cache"))
    first = rc.stage_catalogue(str(JAR))
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    monkeypatch.setattr(rc, "run_plan", lambda *a, **k: pytest.fail("the cached catalogue should be used"))
    assert rc.stage_catalogue(str(JAR)) == first


def test_missing_jar_fails_dag_parsing_clearly(tmp_path: Path) -> None:
    with pytest.raises(rc.RopescalePlanError, match="does not exist.*mvn"):
        rc.stage_catalogue(str(tmp_path / "missing.jar"))


def test_spark_launch_env_prefers_explicit_spark_home() -> None:
    assert rc.spark_launch_env({"SPARK_HOME": "/opt/spark", "PATH": "/bin"}) is None
    env = rc.spark_launch_env({"PATH": "/bin"})
    assert env is not None, "pyspark should be installed in the test venv"
    assert (Path(env["SPARK_HOME"]) / "bin" / "spark-submit").is_file()
    assert env["PATH"].split(":")[0] == str(Path(env["SPARK_HOME"]) / "bin")


# ------------------------------------------------------------------------ validation


def test_valid_params_are_resolved(home: Path) -> None:
    out = rc.validate_sweep_params(good_params(home), home)
    assert out["spec"] == str(home / "conf/sweeps/tiny.yaml")
    assert out["properties_file"] == str(home / "conf/spark/local.conf")
    assert out["spark_conn_id"] == "spark_ropescale"
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
        ("spark_conn_id", "spark_ropescale --conf spark.driver.extraJavaOptions=-Dx"),
        ("spark_conn_id", "spark_ropescale;id"),
        ("spark_conn_id", "spark_ropescale\n"),
        ("spark_conn_id", "$(id)"),
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


def test_connection_ids_are_checked_against_airflow(monkeypatch) -> None:
    assert rc.validate_conn_id("spark_ropescale") == "spark_ropescale"
    assert rc.validate_conn_id("spark_other") == "spark_other"
    with pytest.raises(rc.RopescaleParamError, match="param 'spark_conn_id'.*'spark_missing' is not defined.*AIRFLOW_CONN_SPARK_MISSING"):
        rc.validate_conn_id("spark_missing")
    monkeypatch.setenv("AIRFLOW_CONN_HTTP_THING", json.dumps({"conn_type": "http", "host": "example.invalid"}))
    with pytest.raises(rc.RopescaleParamError, match="type 'http'; a 'spark' connection is needed"):
        rc.validate_conn_id("http_thing")
    for bad in ("", "a b", "x;id", None, "$(id)"):
        with pytest.raises(rc.RopescaleParamError, match="param 'spark_conn_id'"):
            rc.validate_conn_id(bad)


def test_all_problems_are_reported_together(home: Path) -> None:
    params = {"spec": "nope.yaml", "warehouse": "", "spark_conn_id": "nope", "profile": "prod", "jar": "x.jar"}
    with pytest.raises(rc.RopescaleParamError) as err:
        rc.validate_sweep_params(params, home)
    for name in ("spec", "warehouse", "spark_conn_id", "profile", "jar"):
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
