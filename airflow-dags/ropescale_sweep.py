"""ropescale_sweep: one RoPE scaling-law sweep (one spec) through the stages it asks for.

    plan -> the job jar's stages, wired as the jar's plan says, e.g.
      scaling-laws, attention-profile, base-search, corpus-coverage   (read only the spec)
      -> fit      (reads rope_bounds, and base_lower_bounds when the spec has base_search:)
      -> report   (reads every table, so it runs last)

The tasks and their edges come from the job jar (`ropescale plan --json`: every stage it knows),
read when this file is parsed. At run time the `plan` task validates the params, asks the jar
for the spec's own plan (`plan --spec S --json`, which also validates the spec) and hands each
stage its argv; a stage the spec does not ask for (no `attention:`, `base_search:` or `corpus:`
section) is skipped, and the stages after it still run.

Each stage is one stock SparkSubmitOperator: `spark-submit --class io.ropescale.cli.Main <jar>
<stage> --spec S --warehouse W --run-id R` (argv list, no shell), on the cluster of the Airflow
connection named by the `spark_conn_id` param (default `spark_ropescale`). R is derived from the
Airflow run's logical date, so retries, clears, backfills and reruns of the same date replace
that run's rows instead of duplicating them.

Trigger with conf, e.g.:
    airflow dags trigger ropescale_sweep -c '{"spec": "conf/sweeps/llama2.yaml", "spark_conn_id": "spark_big"}'
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

DAG_ID = "ropescale_sweep"
_HOME = rc.ropescale_home()
CATALOGUE = rc.stage_catalogue(rc.default_jar(_HOME))

with DAG(
    dag_id=DAG_ID,
    description="RoPE scaling-law sweep: the Spark stages one spec asks for, writing Delta tables",
    doc_md=__doc__,
    **rc.dag_settings(),
    params={
        "spec": Param(rc.default_spec(_HOME), type="string", minLength=1,
                      description="Sweep spec YAML (absolute, or relative to ROPESCALE_HOME)."),
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
        """Validate the params and the spec; the spark-submit arguments of each stage the spec asks for."""
        context = get_current_context()
        common = rc.validate_sweep_params(context["params"])
        subs = rc.plan_spec(context["params"], common["spec"], rc.run_id_from_context(context), CATALOGUE, common)
        return [subs]

    rc.add_stage_tasks(CATALOGUE, plan())
