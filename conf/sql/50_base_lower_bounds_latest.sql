-- base_lower_bounds of the newest run (by its last runs.ended_at; ties: the larger run_id) that
-- searched each rotary dimension: the Men et al. lower bound and safe bound of the base per context
-- a dashboard plots by default.
-- requires: runs, base_lower_bounds
CREATE OR REPLACE VIEW ropescale.base_lower_bounds_latest
  COMMENT 'base_lower_bounds rows of the latest run of each rotary dimension'
AS
WITH dim_runs AS (
  SELECT DISTINCT rotary_dim, run_id FROM ropescale.base_lower_bounds
), run_ends AS (
  SELECT run_id, MAX(ended_at) AS ended_at FROM ropescale.runs GROUP BY run_id
), ranked AS (
  SELECT d.rotary_dim, d.run_id,
         ROW_NUMBER() OVER (PARTITION BY d.rotary_dim ORDER BY r.ended_at DESC, d.run_id DESC) AS rn
  FROM dim_runs d JOIN run_ends r ON r.run_id = d.run_id
)
SELECT b.*
FROM ropescale.base_lower_bounds b
JOIN ranked l ON l.rn = 1 AND b.rotary_dim = l.rotary_dim AND b.run_id = l.run_id
