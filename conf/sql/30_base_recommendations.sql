-- Base recommendations for target contexts. For every group of configurations of a run that share
-- (model, rope_type, rope_factor, rotary_dim, train_len, pretrain_base, tune_len), and every target
-- context T in the list below:
--   required_base_paper = b_pre ^ (ln(T/2pi) / ln(T_train/2pi))      (Liu et al. 2024, Theorem 2)
--   required_base_exact = (T/2pi) ^ (d / d_extra)                      (inverse of T_extra = 2pi b^(d_extra/d))
--   smallest_swept_base = the smallest configured base of the group whose extrapolation_bound >= T,
--                         among rows that are not `unbounded` (b <= b_3 is unbounded only in theory);
--                         null when no swept base reaches T. swept_config_id / swept_extrapolation_bound
--                         name that row.
-- Same formulas as ScalingLaws.requiredBasePaper / requiredBaseExact (docs/theory.md s.2); the reference
-- case LLaMA2 (d 128, T_train 4096, b_pre 10000), T = 100000 gives 938327.2 and 701472.4.
-- Only committed runs (every runs row 'succeeded', docs/reliability.md).
-- requires: rope_bounds, runs
CREATE OR REPLACE VIEW ropescale.base_recommendations
  COMMENT 'Base needed for target contexts (paper formula, exact inverse, smallest swept base reaching it)'
AS
WITH targets AS (
  SELECT CAST(t AS BIGINT) AS target_context
  FROM VALUES (8192), (16384), (32768), (65536), (100000), (131072), (262144), (524288), (1048576) AS v(t)
), grp AS (
  SELECT DISTINCT run_id, model, rope_type, rope_factor, rotary_dim, train_len, pretrain_base, tune_len, critical_dim
  FROM ropescale.rope_bounds
  WHERE run_id IN (SELECT run_id FROM ropescale.runs GROUP BY run_id HAVING BOOL_AND(status = 'succeeded'))
), reach AS (
  SELECT g.run_id, g.model, g.rope_type, g.rope_factor, g.rotary_dim, g.train_len, g.pretrain_base, g.tune_len,
         t.target_context, b.base, b.config_id, b.extrapolation_bound,
         ROW_NUMBER() OVER (
           PARTITION BY g.run_id, g.model, g.rope_type, g.rope_factor, g.rotary_dim, g.train_len, g.pretrain_base,
                        g.tune_len, t.target_context
           ORDER BY b.base) AS rn
  FROM grp g CROSS JOIN targets t
  JOIN ropescale.rope_bounds b
    ON b.run_id = g.run_id AND b.model = g.model AND b.rope_type = g.rope_type
   AND b.rope_factor <=> g.rope_factor AND b.rotary_dim = g.rotary_dim AND b.train_len = g.train_len
   AND b.pretrain_base = g.pretrain_base AND b.tune_len = g.tune_len
  WHERE NOT b.unbounded AND b.extrapolation_bound >= t.target_context
)
SELECT g.run_id, g.model, g.rope_type, g.rope_factor, g.rotary_dim, g.train_len, g.pretrain_base, g.tune_len,
       t.target_context,
       POWER(g.pretrain_base, LN(t.target_context / (2 * PI())) / LN(g.train_len / (2 * PI()))) AS required_base_paper,
       CASE WHEN g.critical_dim > 0
            THEN POWER(t.target_context / (2 * PI()), CAST(g.rotary_dim AS DOUBLE) / g.critical_dim) END AS required_base_exact,
       r.base AS smallest_swept_base,
       r.config_id AS swept_config_id,
       r.extrapolation_bound AS swept_extrapolation_bound
FROM grp g CROSS JOIN targets t
LEFT JOIN reach r
  ON r.rn = 1 AND r.run_id = g.run_id AND r.model = g.model AND r.rope_type = g.rope_type
 AND r.rope_factor <=> g.rope_factor AND r.rotary_dim = g.rotary_dim AND r.train_len = g.train_len
 AND r.pretrain_base = g.pretrain_base AND r.tune_len = g.tune_len AND r.target_context = t.target_context
