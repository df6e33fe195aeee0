"""Shared code for the ropescale Airflow DAGs.

One place for: repo-layout defaults, parameter validation, run_id derivation,
spark-submit argument building and the stage graph. The DAG files
(ropescale_sweep.py, ropescale_grid.py) only wire these together.

Safety rule: nothing from a DAG param is ever interpolated into a shell string.
Params reach spark-submit as separate argv items (SparkSubmitOperator
``application_args``, run with ``subprocess.Popen(list)``), and each value is
validated first against a strict allow-list of characters.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
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
SPARK_CONN_ID = "spark_ropescale"  # configure via AIRFLOW_CONN_SPARK_ROPESCALE
PROFILES = ("local", "cluster", "gpu")

STAGES = (
    "scaling-laws",
    "attention-profile",
    "base-search",
    "corpus-coverage",
    "fit",
    "report",
)
# Data dependencies: stage -> stages whose tables it reads.
STAGE_UPSTREAMS: dict[str, tuple[str, ...]] = {
    "scaling-laws": (),
    "attention-profile": (),
    "base-search": (),
    "corpus-coverage": (),
    "fit": ("scaling-laws", "base-search"),  # rope_bounds, base_lower_bounds
    "report": ("scaling-laws", "attention-profile", "base-search", "corpus-coverage", "fit"),
}

# Values that end up as argv items: no whitespace, quotes, shell metacharacters
# ($ ` ; | & < > ( ) { } * ? ! \ # and friends) or control characters.
SAFE_VALUE_RE = re.compile(r"^[A-Za-z0-9_./:@%+=,~-]+$")
SAFE_VALUE_DESC = "[A-Za-z0-9_./:@%+=,~-]"
RUN_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?"
MASTER_PATTERNS = (
    re.compile(r"^local(?:\[(?:\*|[1-9][0-9]*)(?:,[1-9][0-9]*)?\])?$"),  # local, local[4], local[*], local[*,3]
    re.compile(r"^yarn$"),
    re.compile(rf"^spark://{_HOST}(?::[0-9]{{1,5}})?(?:,{_HOST}(?::[0-9]{{1,5}})?)*$"),
    re.compile(rf"^k8s://(?:https?://)?{_HOST}(?::[0-9]{{1,5}})?$"),
)
MASTER_DESC = "local / local[N] / local[*] / yarn / spark://HOST:PORT / k8s://https://HOST:PORT"


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


def default_master() -> str:
    return os.environ.get("ROPESCALE_SPARK_MASTER") or "local[*]"


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


def validate_master(master: Any) -> str:
    # The patterns are the allow-list here ('[', ']' and '*' are legal only inside local[...]).
    if not isinstance(master, str) or not master.strip():
        raise RopescaleParamError(f"param 'master': must be a non-empty string, got {master!r}")
    if not any(p.fullmatch(master) for p in MASTER_PATTERNS):
        raise RopescaleParamError(f"param 'master': {master!r} is not a Spark master URL ({MASTER_DESC})")
    return master


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
        ("master", lambda: validate_master(params.get("master"))),
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
    """Params of ropescale_sweep: spec, warehouse, master, profile, jar."""
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


def build_application_args(stage: str, spec: Any, warehouse: Any, run_id: Any) -> list[Any]:
    """Args after the jar: ``<command> --spec FILE --warehouse DIR_OR_URI --run-id ID`` (one item each)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
    return [stage, "--spec", spec, "--warehouse", warehouse, "--run-id", run_id]


def check_rendered_application_args(stage: str, args: Sequence[Any]) -> list[str]:
    """Re-check the rendered argv right before spark-submit (defence in depth)."""
    args = list(args or [])
    if len(args) != 7 or args[0] != stage or args[1::2] != ["--spec", "--warehouse", "--run-id"]:
        raise RopescaleParamError(f"param 'application_args': unexpected argv {args!r} for stage {stage!r}")
    for name, value in zip(("spec", "warehouse", "run_id"), args[2::2]):
        _require_safe_string(name, value)
    validate_run_id(args[6])
    return [str(a) for a in args]


def apply_master(hook: Any, master: str) -> None:
    """Point a SparkSubmitHook at ``master`` (the DAG param) instead of the connection's host.

    Provider 5.6.0 takes --master only from the connection (``hook._connection["master"]``,
    resolved in ``__init__``) and derives the yarn/k8s/driver-tracking flags from it there,
    so all of them are recomputed here. Deploy mode, queue, namespace and spark-binary still
    come from the connection's extras (``deploy-mode``, ...).
    """
    hook._connection["master"] = master
    hook._is_yarn = "yarn" in master
    hook._is_kubernetes = "k8s" in master
    if hook._is_kubernetes:
        from airflow.providers.apache.spark.hooks import spark_submit as _hook_module

        if getattr(_hook_module, "kube_client", None) is None:
            raise RopescaleParamError(
                f"param 'master': {master!r} needs apache-airflow-providers-cncf-kubernetes, which is not installed"
            )
    hook._should_track_driver_status = hook._resolve_should_track_driver_status()


def spark_launch_env(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Extra env for spark-submit when the worker has no Spark install of its own.

    If SPARK_HOME is unset and this interpreter has pyspark (our venv: pyspark==3.5.5),
    use that distribution: SPARK_HOME=<site-packages>/pyspark and its bin/ first on PATH,
    so `spark-submit` is found even when the venv is not activated. An explicit
    SPARK_HOME (a cluster's Spark) is left alone.
    """
    environ = os.environ if environ is None else environ
    if environ.get("SPARK_HOME"):
        return None
    spec = importlib.util.find_spec("pyspark")
    if spec is None or not spec.origin:
        return None
    spark_home = Path(spec.origin).resolve().parent
    if not (spark_home / "bin" / "spark-submit").is_file():
        return None
    return {
        "SPARK_HOME": str(spark_home),
        "PATH": os.pathsep.join(filter(None, [str(spark_home / "bin"), environ.get("PATH", "")])),
    }


class RopescaleSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator for one ropescale stage, with the master taken from a (templated) param."""

    template_fields: Sequence[str] = (*SparkSubmitOperator.template_fields, "master")
    ui_color = "#e8d7f5"

    def __init__(self, *, stage: str, master: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = stage
        self.master = master

    def execute(self, context: Any) -> None:
        self.application_args = check_rendered_application_args(self.stage, self.application_args)
        self.master = validate_master(self.master)
        _require_safe_string("jar", self.application)
        if self.properties_file:
            _require_safe_string("profile", self.properties_file)
        super().execute(context)

    def _get_hook(self):  # noqa: ANN202 - provider's private factory
        hook = super()._get_hook()
        apply_master(hook, validate_master(self.master))
        env = spark_launch_env()
        if env and not self.env_vars:
            hook._env = env  # provider 5.6.0: submit() runs Popen with os.environ + hook._env
            self.log.info("SPARK_HOME unset: using pyspark's Spark at %s", env["SPARK_HOME"])
        return hook


def add_sweep_stages(
    *,
    spec: Any,
    warehouse: Any,
    run_id: Any,
    jar: Any,
    master: Any,
    properties_file: Any,
    conn_id: str = SPARK_CONN_ID,
) -> dict[str, RopescaleSparkSubmitOperator]:
    """Create the six stage tasks (in the current DAG / task group) and wire the data dependencies.

    Values may be plain strings, XComArgs (sweep DAG) or mapped-group arguments (grid DAG);
    Airflow resolves them when rendering templated fields, inside the argv list.
    """
    ops: dict[str, RopescaleSparkSubmitOperator] = {}
    for stage in STAGES:
        ops[stage] = RopescaleSparkSubmitOperator(
            task_id=stage,
            stage=stage,
            conn_id=conn_id,
            application=jar,
            java_class=MAIN_CLASS,
            properties_file=properties_file,
            master=master,
            name=f"ropescale-{stage}",
            application_args=build_application_args(stage, spec, warehouse, run_id),
        )
    for stage, upstreams in STAGE_UPSTREAMS.items():
        for upstream in upstreams:
            ops[upstream] >> ops[stage]
    return ops
