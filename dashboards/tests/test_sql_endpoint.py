"""The SQL endpoint (`ropescale serve-sql`) seen through a real HiveServer2 client (PyHive, the driver
Superset uses): it lists every Delta table and view of the warehouse under database `ropescale`,
every statement of the query file returns what the same statement returns in the job's own session
(`serve-sql --execute`, run on the same warehouse before the server started), and the rope_* SQL
functions answer with the paper's values."""
import datetime
import json
import math
import os
import re

import pytest
from pyhive import hive

from conftest import delta_rows, env, extrapolation_bound, view_names

TS = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


@pytest.fixture(scope="module")
def cursor():
    conn = hive.connect(host=os.environ.get("ROPESCALE_SQL_HOST", "127.0.0.1"), port=int(env("ROPESCALE_SQL_PORT")),
                        database="ropescale", auth="NONE", username="ropescale-test")
    cur = conn.cursor()
    yield cur
    cur.close()
    conn.close()


def query(cur, sql):
    cur.execute(sql)
    return [list(r) for r in cur.fetchall()]


def norm(v):
    """Values as both sides carry them: thrift sends arrays and maps as JSON text, PyHive turns
    timestamps into datetimes, `serve-sql --execute` writes them as ISO text."""
    if isinstance(v, datetime.datetime):
        return ("ts", v)
    if isinstance(v, str):
        if TS.match(v):
            return ("ts", datetime.datetime.fromisoformat(v))
        if v[:1] in "[{":
            try:
                return norm(json.loads(v))
            except ValueError:
                return v
        return v
    if isinstance(v, list):
        return tuple(norm(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, norm(x)) for k, x in v.items()))
    return v


def canonical(rows):
    return sorted((tuple(norm(v) for v in r) for r in rows), key=repr)


def reference():
    with open(env("ROPESCALE_E2E_REFERENCE")) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_lists_every_table_and_view(cursor, delta_tables):
    views = set(view_names())
    tables = {r[1] for r in query(cursor, "SHOW TABLES IN ropescale")}
    assert tables == set(delta_tables) | views
    assert {r[1] for r in query(cursor, "SHOW VIEWS IN ropescale")} == views


def test_every_view_is_queried():
    sqls = " ".join(r["sql"] for r in reference())
    for v in view_names():
        assert f"ropescale.{v}" in sqls, f"the query file runs no statement over view {v}"


@pytest.mark.parametrize("ref", reference() if os.environ.get("ROPESCALE_E2E_REFERENCE") else [],
                         ids=lambda r: r["sql"][:60])
def test_same_result_as_the_job_session(cursor, ref):
    got = query(cursor, ref["sql"])
    assert [d[0] for d in cursor.description] == ref["columns"]
    assert len(got) == len(ref["rows"])
    assert canonical(got) == canonical(ref["rows"])
    assert len(got) > 0, "every statement of the query file returns rows on the e2e warehouse"


def test_rope_functions(cursor, delta_tables):
    (bound, dim, dim_formula, dim_tuned), = query(
        cursor, "SELECT rope_extrapolation_bound(128, 4096, 10000.0, 4096, 1000000.0),"
                " rope_critical_dim(128, 4096, 10000.0), rope_critical_dim_tuned_formula(128, 4096, 1000000.0),"
                " rope_critical_dim_tuned(128, 4096, 10000.0, 4096, 1000000.0)")
    # the closed form, computed here independently
    assert bound == pytest.approx(extrapolation_bound(128, 4096, 10000.0, 4096, 1e6), rel=1e-12)
    assert round(bound) == 129027  # LLaMA2-7B, b = 1e6 (the README's summary line)
    # d_extra = 2 ceil((d/2) log_{b}(T/2pi)): 92 for b_pre = 1e4 at T_train 4096, 62 for b = 1e6
    assert dim == 2 * math.ceil(64 * math.log(4096 / (2 * math.pi)) / math.log(1e4)) == 92
    assert dim_formula == 2 * math.ceil(64 * math.log(4096 / (2 * math.pi)) / math.log(1e6)) == 62
    # and the very value the sweep stored for that configuration
    _, t = delta_rows(delta_tables["rope_bounds"], "config_id = 'llama2-7b/default/T4096/b1000000'")
    assert t and all(r["extrapolation_bound"] == bound and r["critical_dim_tuned"] == dim_tuned for r in t)
