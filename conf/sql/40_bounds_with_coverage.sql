-- Bounds next to corpus coverage: each configuration's closed-form bounds (rope_bounds) beside
-- how much of each corpus it covers (corpus_coverage), joined on run and configuration. Created
-- only when the corpus stage has written corpus_coverage.
-- Only committed runs (every runs row 'succeeded', docs/reliability.md).
-- requires: rope_bounds, corpus_coverage, runs
CREATE OR REPLACE VIEW ropescale.bounds_with_coverage
  COMMENT 'rope_bounds beside corpus_coverage, per run, configuration and corpus'
AS
SELECT b.run_id, b.model, b.config_id, c.corpus, c.engine, b.rope_type, b.rotary_dim, b.train_len, b.tune_len,
       b.base, b.regime, b.extrapolation_bound, b.angle_coverage_bound, b.unbounded,
       c.documents, c.tokens,
       c.share_tokens_within_tune_len, c.share_tokens_within_extrapolation_bound, c.share_tokens_without_ood_pairs,
       c.share_repeats_within_extrapolation_bound, c.share_repeats_discriminated
FROM ropescale.rope_bounds b
JOIN ropescale.corpus_coverage c ON c.run_id = b.run_id AND c.config_id = b.config_id
WHERE b.run_id IN (SELECT run_id FROM ropescale.runs GROUP BY run_id HAVING BOOL_AND(status = 'succeeded'))
