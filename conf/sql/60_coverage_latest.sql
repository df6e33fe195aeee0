-- bounds_with_coverage restricted to each model's latest run (latest_run_per_model): corpus
-- coverage per configuration as a dashboard shows it by default.
-- requires: runs, rope_bounds, corpus_coverage
CREATE OR REPLACE VIEW ropescale.coverage_latest
  COMMENT 'bounds_with_coverage rows of the latest run of each model'
AS
SELECT c.*
FROM ropescale.bounds_with_coverage c
JOIN ropescale.latest_run_per_model l ON c.model = l.model AND c.run_id = l.run_id
