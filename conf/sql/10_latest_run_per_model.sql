-- Latest run per model: for every model in rope_bounds, the run (from runs) with the newest
-- ended_at among the runs that computed that model (ties: the larger run_id).
-- requires: runs, rope_bounds
CREATE OR REPLACE VIEW ropescale.latest_run_per_model
  COMMENT 'Newest run (by runs.ended_at) that computed each model'
AS
WITH model_runs AS (
  SELECT DISTINCT model, run_id FROM ropescale.rope_bounds
), ranked AS (
  SELECT m.model, r.run_id, r.ended_at, r.command, r.spec_name,
         ROW_NUMBER() OVER (PARTITION BY m.model ORDER BY r.ended_at DESC, r.run_id DESC) AS rn
  FROM model_runs m JOIN ropescale.runs r ON r.run_id = m.run_id
)
SELECT model, run_id, ended_at, command, spec_name FROM ranked WHERE rn = 1
