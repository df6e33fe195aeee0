"""Shared code for the ropescale Airflow DAGs.

One place for: repo-layout defaults, parameter validation, run_id derivation and
building the stage tasks. The stage graph is not defined here: it comes from the
job jar's own plan (`ropescale plan --json`, io.ropescale.jobs.StagePlan), at
DAG-parse time for the tasks and edges (every stage the jar knows) and at run time
for what each spec asks for. The DAG files (ropescale_sweep.py, ropescale_grid.py)
only wire these together.

The cluster is an Airflow connection of type ``spark`` (DAG param
``spark_conn_id``), handed to the stock SparkSubmitOperator: no provider internals
are touched.

Safety rule: nothing from a DAG param is ever interpolated into a shell string.
Params reach spark-submit as separate argv items (SparkSubmitOperator
``application_args``, run with ``subprocess.Popen(list)``), and each value is
validated first against a strict allow-list of characters.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk.exceptions import AirflowFailException

# --------------------------------------------------------------------------- contract

MAIN_CLASS = "io.ropescale.cli.Main"
def _pom_version() -> str:
    """The project version of the root pom.xml (the one place versions live; Maven names the jar after it)."""
    import xml.etree.ElementTree as ET

    homes = [os.environ.get("ROPESCALE_HOME"), Path(__file__).resolve().parent.parent]
    for pom in (Path(h).expanduser() / "pom.xml" for h in homes if h):
        if pom.is_file():
            version = ET.parse(pom).getroot().find("{http://maven.apache.org/POM/4.0.0}version")
            if version is not None and (version.text or "").strip():
                return version.text.strip()
    raise RuntimeError(f"no pom.xml with a <version> under {homes}: set ROPESCALE_HOME to the ropescale checkout")


JAR_RELATIVE = Path("jobs/target") / f"ropescale-jobs-{_pom_version()}-spark.jar"
SPARK_CONN_ID = "spark_ropescale"  # default of the spark_conn_id param (ROPESCALE_SPARK_CONN_ID overrides)
PROFILES = ("local", "cluster", "gpu")
PLAN_TASK_ID = "plan"

# Values that end up as argv items: no whitespace, quotes, shell metacharacters
# ($ ` ; | & < > ( ) { } * ? ! \ # and friends) or control characters.
SAFE_VALUE_RE = re.compile(r"^[A-Za-z0-9_./:@%+=,~-]+$")
SAFE_VALUE_DESC = "[A-Za-z0-9_./:@%+=,~-]"
RUN_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
# Airflow connection ids: letters, digits, _ . -
CONN_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")


class RopescaleParamError(AirflowFailException, ValueError):
    """A DAG param failed validation. Fails the task at once (no retries)."""


# --------------------------------------------------------------------------- defaults

DAGS_DIR = Path(__file__).resolve().parent


def ropescale_home() -> Path:
    """Repo root: $ROPESCALE_HOME, else the parent of this airflow-dags/ directory."""
    env = os.environ.get("ROPESCALE_HOME")
    return Path(env).expanduser().resolve() if env else DAGS_DIR.parent


def default_jar(home: Path | None = None) -> str:
    env = os.environ.get("ROPESCALE_JAR")
    if env:
        return str(Path(env).expanduser())
    return str((home or ropescale_home()) / JAR_RELATIVE)


def default_warehouse(home: Path | None = None) -> str:
    return os.environ.get("ROPESCALE_WAREHOUSE") or str((home or ropescale_home()) / "warehouse")


def default_conn_id() -> str:
    return os.environ.get("ROPESCALE_SPARK_CONN_ID") or SPARK_CONN_ID


def default_profile() -> str:
    return os.environ.get("ROPESCALE_PROFILE") or "local"


def sweep_specs(home: Path | None = None) -> list[str]:
    """Every *.yaml / *.yml under <home>/conf/sweeps/, sorted (the grid's default)."""
    sweeps = (home or ropescale_home()) / "conf" / "sweeps"
    if not sweeps.is_dir():
        return []
    return sorted(str(p) for p in sweeps.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def default_spec(home: Path | None = None) -> str:
    """$ROPESCALE_SPEC, else conf/sweeps/default.yaml if present, else the first spec under conf/sweeps/."""
    env = os.environ.get("ROPESCALE_SPEC")
    if env:
        return env
    home = home or ropescale_home()
    preferred = home / "conf" / "sweeps" / "default.yaml"
    if preferred.is_file():
        return str(preferred)
    specs = sweep_specs(home)
    return specs[0] if specs else str(preferred)


def default_retries() -> int:
    return int(os.environ.get("ROPESCALE_RETRIES", "2"))


def dag_settings() -> dict[str, Any]:
    """What every ropescale DAG shares: weekly schedule plus manual triggers, no catch-up, one run
    at a time, retries with back-off (``default_args``)."""
    return {
        "schedule": "@weekly",
        "start_date": datetime(2025, 1, 1, tzinfo=timezone.utc),
        "catchup": False,
        "max_active_runs": 1,
        "tags": ["ropescale", "spark"],
        "default_args": default_args(),
    }


def default_args() -> dict[str, Any]:
    """Task defaults of every ropescale DAG: retries with exponential back-off (2, 4, 8 ... minutes)."""
    from datetime import timedelta

    return {
        "owner": "ropescale",
        "retries": default_retries(),
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=6),
    }


# --------------------------------------------------------------------------- validation


def _require_safe_string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise RopescaleParamError(f"param '{name}': expected a string, got {type(value).__name__} {value!r}")
    if not value.strip():
        raise RopescaleParamError(f"param '{name}': must not be empty (got {value!r})")
    if not SAFE_VALUE_RE.fullmatch(value):
        bad = sorted({c for c in value if not SAFE_VALUE_RE.fullmatch(c)})
        raise RopescaleParamError(
            f"param '{name}': value {value!r} contains disallowed characters {bad!r}; "
            f"only {SAFE_VALUE_DESC} are accepted (no whitespace, quotes or shell metacharacters)"
        )
    return value


def _resolve_path(value: str, home: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (home / path)


def validate_profile(profile: Any) -> str:
    if profile not in PROFILES:
        raise RopescaleParamError(f"param 'profile': {profile!r} is not one of {list(PROFILES)}")
    return profile


def validate_spec(spec: Any, home: Path | None = None, *, name: str = "spec") -> str:
    """Spec YAML path (absolute, or relative to ROPESCALE_HOME); returns the absolute path."""
    home = home or ropescale_home()
    _require_safe_string(name, spec)
    if not spec.endswith((".yaml", ".yml")):
        raise RopescaleParamError(f"param '{name}': {spec!r} must end with .yaml or .yml")
    path = _resolve_path(spec, home)
    if not path.is_file():
        raise RopescaleParamError(f"param '{name}': spec file {str(path)!r} does not exist")
    return str(path.resolve())


def validate_warehouse(warehouse: Any, home: Path | None = None) -> str:
    """Warehouse dir or URI (s3a://, abfss://, file:/...); plain relative paths resolve against ROPESCALE_HOME."""
    home = home or ropescale_home()
    _require_safe_string("warehouse", warehouse)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", warehouse):  # has a URI scheme
        return warehouse
    return str(_resolve_path(warehouse, home))


def validate_conn_id(conn_id: Any) -> str:
    """Name of an Airflow connection of type ``spark`` (the cluster: its host is the master URL,
    its extras deploy-mode, queue, namespace, spark-binary). Looked up through the public
    connection API, so an unknown id fails here, clearly, instead of the provider's fallback
    to ``yarn``."""
    if not isinstance(conn_id, str) or not CONN_ID_RE.fullmatch(conn_id):
        raise RopescaleParamError(f"param 'spark_conn_id': {conn_id!r} is not an Airflow connection id ({CONN_ID_RE.pattern})")
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:  # AirflowNotFoundException, or a secrets backend's own error
        raise RopescaleParamError(
            f"param 'spark_conn_id': Airflow connection {conn_id!r} is not defined ({type(exc).__name__}); "
            f"define it, e.g. AIRFLOW_CONN_{conn_id.upper()}='{{\"conn_type\": \"spark\", \"host\": \"local[*]\"}}' "
            f"or `airflow connections add {conn_id} --conn-type spark --conn-host 'local[*]'`"
        ) from None
    if conn.conn_type != "spark":
        raise RopescaleParamError(
            f"param 'spark_conn_id': Airflow connection {conn_id!r} has type {conn.conn_type!r}; a 'spark' connection is needed"
        )
    return conn_id


def validate_jar(jar: Any, home: Path | None = None) -> str:
    home = home or ropescale_home()
    _require_safe_string("jar", jar)
    if not jar.endswith(".jar"):
        raise RopescaleParamError(f"param 'jar': {jar!r} must end with .jar")
    path = _resolve_path(jar, home)
    if not path.is_file():
        raise RopescaleParamError(
            f"param 'jar': {str(path)!r} does not exist (build it with `mvn -pl jobs -am package`, "
            "or set ROPESCALE_JAR / the 'jar' param)"
        )
    return str(path.resolve())


def properties_file_for(profile: str, home: Path | None = None) -> str:
    """conf/spark/<profile>.conf under ROPESCALE_HOME; must exist."""
    home = home or ropescale_home()
    path = home / "conf" / "spark" / f"{validate_profile(profile)}.conf"
    if not path.is_file():
        raise RopescaleParamError(f"param 'profile': {profile!r} needs Spark properties file {str(path)!r}, which does not exist")
    _require_safe_string("profile", str(path))
    return str(path)


def validate_run_id(run_id: Any) -> str:
    if not isinstance(run_id, str) or not RUN_ID_RE.fullmatch(run_id):
        raise RopescaleParamError(f"param 'run_id': {run_id!r} must match {RUN_ID_RE.pattern}")
    return run_id


def validate_common(params: Mapping[str, Any], home: Path | None = None) -> dict[str, str]:
    """Validate the params shared by both DAGs. Collects every problem into one error."""
    home = home or ropescale_home()
    out: dict[str, str] = {}
    errors: list[str] = []
    checks = (
        ("profile", lambda: validate_profile(params.get("profile"))),
        ("properties_file", lambda: properties_file_for(params.get("profile"), home)),
        ("warehouse", lambda: validate_warehouse(params.get("warehouse"), home)),
        ("spark_conn_id", lambda: validate_conn_id(params.get("spark_conn_id"))),
        ("jar", lambda: validate_jar(params.get("jar"), home)),
    )
    for key, check in checks:
        if key == "properties_file" and "profile" not in out:
            continue  # profile already reported
        try:
            out[key] = check()
        except RopescaleParamError as exc:
            errors.append(str(exc))
    if errors:
        raise RopescaleParamError("invalid ropescale params: " + "; ".join(errors))
    return out


def validate_sweep_params(params: Mapping[str, Any], home: Path | None = None) -> dict[str, str]:
    """Params of ropescale_sweep: spec, warehouse, spark_conn_id, profile, jar."""
    home = home or ropescale_home()
    errors: list[str] = []
    out: dict[str, str] = {}
    try:
        out["spec"] = validate_spec(params.get("spec"), home)
    except RopescaleParamError as exc:
        errors.append(str(exc))
    try:
        out.update(validate_common(params, home))
    except RopescaleParamError as exc:
        errors.append(str(exc).removeprefix("invalid ropescale params: "))
    if errors:
        raise RopescaleParamError("invalid ropescale params: " + "; ".join(errors))
    return out


def validate_spec_list(specs: Any, home: Path | None = None) -> list[str]:
    """Params 'specs' of ropescale_grid: non-empty list of distinct spec files with distinct stems."""
    home = home or ropescale_home()
    if not isinstance(specs, (list, tuple)) or not specs:
        raise RopescaleParamError(
            f"param 'specs': expected a non-empty list of spec paths, got {specs!r} "
            f"(default: the *.yaml under {str(home / 'conf' / 'sweeps')!r})"
        )
    resolved = [validate_spec(s, home, name=f"specs[{i}]") for i, s in enumerate(specs)]
    seen: dict[str, str] = {}
    for path in resolved:
        slug = spec_slug(path)
        if slug in seen:
            raise RopescaleParamError(
                f"param 'specs': {seen[slug]!r} and {path!r} share the name {slug!r}; their run_ids would collide"
            )
        seen[slug] = path
    return resolved


# --------------------------------------------------------------------------- run ids


def sanitize_run_id(raw: str, max_len: int = 128) -> str:
    """Map anything to [A-Za-z0-9_.-]{1,max_len}; long ids keep a hash of the full value."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", raw).strip("_.-") or "run"
    if len(cleaned) > max_len:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:10]
        cleaned = cleaned[: max_len - 11].rstrip("_.-") + "_" + digest
    return cleaned


def spec_slug(spec: str) -> str:
    return sanitize_run_id(Path(spec).stem, max_len=48)


def format_logical_date(logical_date: datetime) -> str:
    ts = logical_date.astimezone(timezone.utc) if logical_date.tzinfo else logical_date
    text = ts.strftime("%Y%m%dT%H%M%S")
    if ts.microsecond:
        text += f".{ts.microsecond:06d}"
    return text + "Z"


def derive_run_id(
    dag_id: str,
    logical_date: datetime | None,
    airflow_run_id: str | None = None,
    spec: str | None = None,
) -> str:
    """Deterministic ropescale run_id for one Airflow run (and one spec, in the grid).

    Keyed on the logical date, so a retry, a clear/rerun, a backfill or a second
    ``airflow dags test`` of the same date reuses the same id and the jobs replace
    that run's rows instead of appending. Runs without a logical date (Airflow 3
    manual runs may have none) fall back to the Airflow run_id.
    """
    if logical_date is not None:
        key = format_logical_date(logical_date)
    elif airflow_run_id:
        key = airflow_run_id
    else:
        raise RopescaleParamError("param 'run_id': the Airflow run has neither a logical date nor a run_id")
    raw = f"{dag_id}__{key}"
    if spec:
        raw += f"__{spec_slug(spec)}"
    return validate_run_id(sanitize_run_id(raw))


def run_id_from_context(context: Mapping[str, Any], spec: str | None = None) -> str:
    dag_run = context.get("dag_run")
    dag_id = context["dag"].dag_id if context.get("dag") is not None else dag_run.dag_id
    return derive_run_id(
        dag_id,
        context.get("logical_date") or getattr(dag_run, "logical_date", None),
        getattr(dag_run, "run_id", None) or context.get("run_id"),
        spec,
    )


# --------------------------------------------------------------------------- spark-submit


def spark_launch_env(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Extra env for spark-submit when the worker has no Spark install of its own.

    If SPARK_HOME is unset and this interpreter has pyspark (our venv: pyspark==3.5.5),
    use that distribution: SPARK_HOME=<site-packages>/pyspark and its bin/ first on PATH,
    so `spark-submit` is found even when the venv is not activated. An explicit
    SPARK_HOME (a cluster's Spark) is left alone. Passed as the operator's ``env_vars``.
    """
    environ = os.environ if environ is None else environ
    if environ.get("SPARK_HOME"):
        return None
    spark_home = _pyspark_home()
    if spark_home is None or not (spark_home / "bin" / "spark-submit").is_file():
        return None
    return {
        "SPARK_HOME": str(spark_home),
        "PATH": os.pathsep.join(filter(None, [str(spark_home / "bin"), environ.get("PATH", "")])),
    }


def _pyspark_home() -> Path | None:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).resolve().parent


# --------------------------------------------------------------------------- the jar's plan


class RopescalePlanError(RuntimeError):
    """The job jar could not say its plan (missing jar or Java, or an unexpected answer)."""


def spark_jars_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Spark's jars (the job jar leaves Spark and its Jackson to the runtime): $SPARK_HOME/jars, else pyspark's."""
    environ = os.environ if environ is None else environ
    for home in (environ.get("SPARK_HOME"), _pyspark_home()):
        if home and (Path(home) / "jars").is_dir():
            return Path(home) / "jars"
    raise RopescalePlanError("no Spark jars: set SPARK_HOME or install pyspark (airflow-dags/setup.sh)")


def java_binary(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get("JAVA_HOME") and (Path(environ["JAVA_HOME"]) / "bin" / "java").is_file():
        return str(Path(environ["JAVA_HOME"]) / "bin" / "java")
    found = shutil.which("java")
    if not found:
        raise RopescalePlanError("no `java` on PATH and no JAVA_HOME: the DAGs ask the job jar for its plan")
    return found


def plan_command(jar: str, spec: str | None = None) -> list[str]:
    """``java -cp <jar>:<spark jars> io.ropescale.cli.Main plan --json [--spec S]`` (argv list, no shell)."""
    classpath = os.pathsep.join([str(jar), str(spark_jars_dir() / "*")])
    cmd = [java_binary(), "-cp", classpath, MAIN_CLASS, "plan", "--json"]
    return cmd + (["--spec", str(spec)] if spec else [])


def run_plan(jar: str, spec: str | None = None) -> dict[str, Any]:
    """The jar's plan for ``spec`` (or, without one, every stage it knows) as parsed JSON.

    Bad spec (the jar exits 2): RopescaleParamError with the jar's one-line reason.
    """
    if not Path(jar).is_file():
        raise RopescalePlanError(f"job jar {jar!r} does not exist (build it with `mvn -pl jobs -am package`, or set ROPESCALE_JAR)")
    proc = subprocess.run(plan_command(jar, spec), capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode == 2:
        raise RopescaleParamError(f"param 'spec': {proc.stderr.strip()}")
    if proc.returncode != 0:
        raise RopescalePlanError(f"`ropescale plan` failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    try:
        plan = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise RopescalePlanError(f"`ropescale plan --json` printed no JSON ({exc}): {proc.stdout[:500]!r}") from None
    if not isinstance(plan, dict) or not isinstance(plan.get("stages"), list):
        raise RopescalePlanError(f"`ropescale plan --json` printed an unexpected document: {proc.stdout[:500]!r}")
    return plan


def _cache_dir() -> Path:
    return Path(os.environ.get("ROPESCALE_PLAN_CACHE") or Path(tempfile.gettempdir()) / f"ropescale-plan-{os.getuid()}")


def stage_catalogue(jar: str | None = None) -> list[dict[str, Any]]:
    """Every stage the jar knows, with its upstream stages: the DAGs' tasks and edges.

    Called when a DAG file is parsed. The answer is cached on disk keyed on the jar's path,
    size and mtime, so the JVM (about a second) runs once per build of the jar, not on every parse.
    """
    jar = jar or default_jar()
    path = Path(jar)
    if not path.is_file():
        raise RopescalePlanError(
            f"job jar {jar!r} does not exist; the DAGs take their stages from it "
            "(build it with `mvn -pl jobs -am package`, or set ROPESCALE_JAR)"
        )
    st = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()[:24]
    cached = _cache_dir() / f"{key}.json"
    if cached.is_file():
        return json.loads(cached.read_text())["stages"]
    plan = run_plan(jar)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(plan))
    os.replace(tmp, cached)
    return plan["stages"]


def check_plan_fits_catalogue(plan: Mapping[str, Any], catalogue: Sequence[Mapping[str, Any]]) -> None:
    """A spec's plan must be a part of the DAG's graph: same stages, no upstream the DAG lacks."""
    known = {s["name"]: set(s["upstream"]) for s in catalogue}
    for stage in plan["stages"]:
        name = stage["name"]
        if name not in known:
            raise RopescalePlanError(
                f"the job jar plans stage {name!r}, which this DAG does not have: the DAG was parsed from an "
                "older jar; it picks the new stage up at its next parse"
            )
        extra = set(stage["upstream"]) - known[name]
        if extra:
            raise RopescalePlanError(f"stage {name!r} waits for {sorted(extra)} in the jar's plan but not in this DAG; "
                                     "re-parse the DAG")


def stage_submissions(
    plan: Mapping[str, Any],
    catalogue: Sequence[Mapping[str, Any]],
    *,
    warehouse: str,
    run_id: str,
    jar: str,
    conn_id: str,
    properties_file: str,
) -> dict[str, dict[str, Any]]:
    """SparkSubmitOperator arguments for each stage of one spec's plan (stages it lacks are absent)."""
    check_plan_fits_catalogue(plan, catalogue)
    validate_run_id(run_id)
    env = spark_launch_env()
    out: dict[str, dict[str, Any]] = {}
    for stage in plan["stages"]:
        argv = [str(a) for a in stage["argv"]] + ["--warehouse", warehouse, "--run-id", run_id]
        for item in argv:
            _require_safe_string("application_args", item)
        out[stage["name"]] = {
            "application": jar,
            "application_args": argv,
            "conn_id": conn_id,
            "properties_file": properties_file,
            "env_vars": env,
        }
    return out


def add_stage_tasks(catalogue: Sequence[Mapping[str, Any]], plans: Any) -> dict[str, Any]:
    """One stock SparkSubmitOperator task per stage of the catalogue, wired by the catalogue's upstreams.

    ``plans`` is the plan task's output: one item per spec, ``{stage: operator kwargs}`` for the
    stages that spec asks for. Each task is mapped over the specs (``expand_kwargs``), so the
    connection id, argv and jar arrive at run time; for a spec that does not ask for the stage the
    mapped instance is skipped (AirflowSkipException in the map function, Airflow's documented way).
    ``none_failed`` lets a stage run when an upstream was skipped (fit without base-search), never
    when one failed.
    """
    tasks: dict[str, Any] = {}
    for stage in catalogue:
        name = stage["name"]
        tasks[name] = SparkSubmitOperator.partial(
            task_id=name,
            java_class=MAIN_CLASS,
            name=f"ropescale-{name}",
            trigger_rule="none_failed",
            map_index_template="{{ task.application_args[-1] }}",  # the run_id (per spec in the grid)
        ).expand_kwargs(plans.map(_submission_of(name)))
    for stage in catalogue:
        for upstream in stage["upstream"]:
            tasks[upstream] >> tasks[stage["name"]]
    return tasks


def _submission_of(stage: str):
    def pick(submissions: Mapping[str, Any]) -> dict[str, Any]:
        if stage not in submissions:
            from airflow.sdk.exceptions import AirflowSkipException

            raise AirflowSkipException(f"the spec does not ask for stage {stage!r}")
        return dict(submissions[stage])

    return pick


def plan_spec(params: Mapping[str, Any], spec: str, run_id: str, catalogue: Sequence[Mapping[str, Any]],
              common: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Ask the jar for one spec's plan (validating the spec) and build its stage submissions."""
    plan = run_plan(common["jar"], spec)
    subs = stage_submissions(
        plan,
        catalogue,
        warehouse=common["warehouse"],
        run_id=run_id,
        jar=common["jar"],
        conn_id=common["spark_conn_id"],
        properties_file=common["properties_file"],
    )
    print(f"ropescale plan: spec={spec} run_id={run_id} conn={common['spark_conn_id']} stages={list(subs)}")
    env = next(iter(subs.values()))["env_vars"]
    if env:
        print(f"SPARK_HOME unset: spark-submit of pyspark's Spark at {env['SPARK_HOME']}")
    return subs
