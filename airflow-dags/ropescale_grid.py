"""ropescale_grid: the ropescale sweep for many specs (e.g. one per model family) at once.

    plan_sweeps -> sweep[i] (mapped task group, one per spec):
                   scaling-laws, attention-profile, base-search, corpus-coverage -> fit -> report

`plan_sweeps` validates the params and returns one item per spec; the `sweep` task group
is expanded over them (dynamic task mapping), so each spec runs the same six stages as
ropescale_sweep with its own run_id: <dag_id>__<logical date>__<spec file stem>.
Default `specs`: every *.yaml / *.yml under conf/sweeps/ when the DAG file is parsed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from airflow.sdk import DAG, Param, get_current_context, task, task_group

# Airflow puts the DAG bundle root on sys.path when it parses/runs tasks; a bare DagBag
# (tests, tools) does not, so make the shared module importable either way.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.append(str(Path(__file__).resolve().parent))

import ropescale_common as rc  # noqa: E402

DAG_ID = "ropescale_grid"
_HOME = rc.ropescale_home()

with DAG(
    dag_id=DAG_ID,
    description="RoPE scaling-law sweeps for several specs (dynamic task mapping)",
    doc_md=__doc__,
    **rc.dag_settings(),
    params={
        "specs": Param(rc.sweep_specs(_HOME), type="array", items={"type": "string"},
                       description="Spec YAML paths, one mapped sweep each (default: conf/sweeps/*.yaml)."),
        "warehouse": Param(rc.default_warehouse(_HOME), type="string", minLength=1,
                           description="Delta warehouse directory or URI; tables land at <warehouse>/<table>."),
        "master": Param(rc.default_master(), type="string", minLength=1,
                        description=f"Spark master: {rc.MASTER_DESC}."),
        "profile": Param(rc.default_profile(), type="string", enum=list(rc.PROFILES),
                         description="Spark properties profile: conf/spark/<profile>.conf."),
        "jar": Param(rc.default_jar(_HOME), type="string", minLength=1,
                     description="Shaded job jar (ROPESCALE_JAR overrides the default)."),
    },
) as dag:

    @task(retries=0)
    def plan_sweeps() -> list[dict[str, str]]:
        """Validate params; one item (spec, run_id, shared settings) per spec."""
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
        items = [
            {
                "spec": spec,
                "run_id": rc.run_id_from_context(context, spec=spec),
                "warehouse": common["warehouse"],
                "jar": common["jar"],
                "master": common["master"],
                "properties_file": common["properties_file"],
            }
            for spec in specs
        ]
        for item in items:
            print(f"ropescale sweep: run_id={item['run_id']} spec={item['spec']}")
        return items

    @task_group(group_id="sweep")
    def sweep(spec, run_id, warehouse, jar, master, properties_file):
        rc.add_sweep_stages(
            spec=spec,
            warehouse=warehouse,
            run_id=run_id,
            jar=jar,
            master=master,
            properties_file=properties_file,
        )

    sweep.expand_kwargs(plan_sweeps())
