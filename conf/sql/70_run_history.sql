-- One row per run and command of the runs table, without the spec text: what ran, when, for how
-- long and how many tables it wrote (the "latest runs" list of a dashboard).
-- requires: runs
CREATE OR REPLACE VIEW ropescale.run_history
  COMMENT 'Runs and commands: status, start, end, duration, tables written'
AS
SELECT run_id, command, spec_name, status, started_at, ended_at,
       CAST(UNIX_TIMESTAMP(ended_at) - UNIX_TIMESTAMP(started_at) AS BIGINT) AS duration_s,
       SIZE(tables) AS tables_written, master, ropescale_version
FROM ropescale.runs
