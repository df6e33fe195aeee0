"""ropescale_sweep: one RoPE scaling-law sweep (one spec) through all six job stages.

    validate_params
      -> scaling-laws, attention-profile, base-search, corpus-coverage   (read only the spec)
      -> fit      (reads rope_bounds of scaling-laws, base_lower_bounds of base-search)
      -> report   (reads every table, so it runs last)

Each stage is one `spark-submit --class io.ropescale.cli.Main <jar> <stage> --spec S
--warehouse W --run-id R` (argv list, no shell). R is derived from the Airflow run's
logical date, so retries, clears, backfills and reruns of the same date replace that
run's rows instead of duplicating them.

Trigger with conf, e.g.:
    airflow dags trigger ropescale_sweep -c '{"spec": "conf/sweeps/llama2.yaml", "master": "local[4]"}'
Spark connection: AIRFLOW_CONN_SPARK_ROPESCALE (e.g. '{"conn_type": "spark", "host": "local[*]"}');
its host is only a fallback: the `master` param always wins.
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

with DAG(
    dag_id=DAG_ID,
    description="RoPE scaling-law sweep: six Spark stages writing Delta tables for one spec",
    doc_md=__doc__,
    **rc.dag_settings(),
    params={
        "spec": Param(rc.default_spec(_HOME), type="string", minLength=1,
                      description="Sweep spec YAML (absolute, or relative to ROPESCALE_HOME)."),
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

    @task(multiple_outputs=True, retries=0)
    def validate_params() -> dict[str, str]:
        """Validate every param and derive the ropescale run_id; fails fast, without retries."""
        context = get_current_context()
        validated = rc.validate_sweep_params(context["params"])
        validated["run_id"] = rc.run_id_from_context(context)
        print(f"ropescale run_id={validated['run_id']} spec={validated['spec']} "
              f"warehouse={validated['warehouse']} master={validated['master']}")
        return validated

    v = validate_params()
    rc.add_sweep_stages(
        spec=v["spec"],
        warehouse=v["warehouse"],
        run_id=v["run_id"],
        jar=v["jar"],
        master=v["master"],
        properties_file=v["properties_file"],
    )
