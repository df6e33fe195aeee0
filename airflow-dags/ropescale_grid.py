"""ropescale_grid: the ropescale sweep for many specs (e.g. one per model family) at once.

    plan -> each stage task, mapped over the specs that ask for it (dynamic task mapping),
            wired as the job jar's plan says (as ropescale_sweep)

`plan` validates the params, asks the job jar for every spec's plan (`ropescale plan --spec S
--json`) and gives each stage one mapped instance per spec that asks for it, with that spec's
run_id: <dag_id>__<logical date>__<spec file stem>. A stage no spec asks for is skipped.
Default `specs`: every *.yaml / *.yml under conf/sweeps/ when the DAG file is parsed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import DAG, Param, get_current_context, task

# Airflow puts the DAG bundle root on sys.path when it parses/runs tasks; a bare DagBag
# (tests, tools) does not, so make the shared module importable either way.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

import ropescale_common as rc  # noqa: E402

DAG_ID = "ropescale_grid"
_HOME = rc.ropescale_home()
CATALOGUE = rc.stage_catalogue(rc.default_jar(_HOME))

with DAG(
    dag_id=DAG_ID,
    description="RoPE scaling-law sweeps for several specs (dynamic task mapping)",
    doc_md=__doc__,
    **rc.dag_settings(),
    params={
        "specs": Param(rc.sweep_specs(_HOME), type="array", items={"type": "string"},
                       description="Spec YAML paths, one sweep each (default: conf/sweeps/*.yaml)."),
        "warehouse": Param(rc.default_warehouse(_HOME), type="string", minLength=1,
                           description="Delta warehouse directory or URI; tables land at <warehouse>/<table>."),
        "spark_conn_id": Param(rc.default_conn_id(), type="string", minLength=1,
                               description="Airflow connection (type spark) of the cluster to run on."),
        "profile": Param(rc.default_profile(), type="string", enum=list(rc.PROFILES),
                         description="Spark properties profile: conf/spark/<profile>.conf."),
        "jar": Param(rc.default_jar(_HOME), type="string", minLength=1,
                     description="Shaded job jar (ROPESCALE_JAR overrides the default)."),
    },
) as dag:

    @task(task_id=rc.PLAN_TASK_ID, retries=0)
    def plan() -> list[dict[str, dict]]:
        """Validate params and every spec; per spec, the spark-submit arguments of each stage it asks for."""
        context = get_current_context()
        params = context["params"]
        errors: list[str] = []
        common: dict[str, str] = {}
        specs: list[str] = []
        try:
            specs = rc.validate_spec_list(params.get("specs"))
        except rc.RopescaleParamError as exc:
            errors.append(str(exc))
        try:
            common = rc.validate_common(params)
        except rc.RopescaleParamError as exc:
            errors.append(str(exc).removeprefix("invalid ropescale params: "))
        if errors:
            raise rc.RopescaleParamError("invalid ropescale params: " + "; ".join(errors))
        per_spec = [rc.plan_spec(params, spec, rc.run_id_from_context(context, spec=spec), CATALOGUE, common)
                    for spec in specs]
        return per_spec

    rc.add_stage_tasks(CATALOGUE, plan())
