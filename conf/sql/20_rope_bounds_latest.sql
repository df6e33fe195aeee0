-- rope_bounds restricted to each model's latest run (latest_run_per_model): what a dashboard
-- shows by default.
-- requires: runs, rope_bounds
CREATE OR REPLACE VIEW ropescale.rope_bounds_latest
  COMMENT 'rope_bounds rows of the latest run of each model'
AS
SELECT b.*
FROM ropescale.rope_bounds b
JOIN ropescale.latest_run_per_model l ON b.model = l.model AND b.run_id = l.run_id
