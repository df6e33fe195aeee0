-- One row per run and command of the runs table, without the spec text: what ran, when, for how
-- long and how many tables it wrote (the "latest runs" list of a dashboard).
-- Only committed runs, as in every view here: a run shows once every one of its runs rows says
-- 'succeeded' (a driver killed mid-commit leaves a 'running' row that no rerun has replaced yet,
-- docs/reliability.md).
-- requires: runs
CREATE OR REPLACE VIEW ropescale.run_history
  COMMENT 'Committed runs and commands: status, start, end, duration, tables written'
AS
SELECT run_id, command, spec_name, status, started_at, ended_at,
       CAST(UNIX_TIMESTAMP(ended_at) - UNIX_TIMESTAMP(started_at) AS BIGINT) AS duration_s,
       SIZE(tables) AS tables_written, master, ropescale_version
FROM ropescale.runs
WHERE run_id IN (SELECT run_id FROM ropescale.runs GROUP BY run_id HAVING BOOL_AND(status = 'succeeded'))
