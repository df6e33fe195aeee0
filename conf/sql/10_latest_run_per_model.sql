-- Latest run per model: for every model in rope_bounds, the run with the newest end (the largest
-- runs.ended_at over the commands that wrote into the run) among the runs that computed that model
-- (ties: the larger run_id). A run's commands: one `sweep`, or each stage run on its own.
-- Only committed runs count: a run shows once every one of its runs rows says 'succeeded' (the runs
-- row is the commit point of a job; a job killed mid-commit or being rerun has none, or 'running',
-- docs/reliability.md).
-- requires: runs, rope_bounds
CREATE OR REPLACE VIEW ropescale.latest_run_per_model
  COMMENT 'Newest run (by its last runs.ended_at) that computed each model'
AS
WITH model_runs AS (
  SELECT DISTINCT model, run_id FROM ropescale.rope_bounds
), run_ends AS (
  SELECT run_id, MIN(started_at) AS started_at, MAX(ended_at) AS ended_at,
         ARRAY_SORT(COLLECT_SET(command)) AS commands, MAX(spec_name) AS spec_name
  FROM ropescale.runs GROUP BY run_id
  HAVING BOOL_AND(status = 'succeeded')
), ranked AS (
  SELECT m.model, r.run_id, r.started_at, r.ended_at, r.commands, r.spec_name,
         ROW_NUMBER() OVER (PARTITION BY m.model ORDER BY r.ended_at DESC, r.run_id DESC) AS rn
  FROM model_runs m JOIN run_ends r ON r.run_id = m.run_id
)
SELECT model, run_id, started_at, ended_at, commands, spec_name FROM ranked WHERE rn = 1
