"""Prints the SQL the endpoint test runs twice (in the job's own session via `serve-sql --execute`, and
through the Thrift server with PyHive): every view of conf/sql/ in full, every table of the warehouse
(in full when small, else summarised exactly: counts, extremes, distinct values), and the rope_* SQL functions.

    python dashboards/tests/endpoint_queries.py WAREHOUSE > queries.sql
"""
import pathlib
import sys

from deltalake import DeltaTable

from conftest import view_names

FULL_UP_TO = 500  # rows; larger tables are compared through aggregates


def summary_query(dt, table):
    """One row that only equal tables share, exactly (no floating-point sums, whose order differs
    between sessions): the count, MIN and MAX of every numeric column, distinct values of every text
    column. (The model tables hold up to 300K rows: fetched whole through Thrift they took minutes.)"""
    aggs = ["COUNT(*) AS n"]
    for field in dt.schema().fields:
        kind = str(field.type.type) if hasattr(field.type, "type") else ""
        if kind in ("long", "integer", "short", "byte", "double", "float"):
            aggs += [f"MIN({field.name})", f"MAX({field.name})"]
            if kind in ("long", "integer", "short", "byte"):
                aggs.append(f"SUM({field.name})")
        elif kind == "string":
            aggs.append(f"COUNT(DISTINCT {field.name})")
    return f"SELECT {', '.join(aggs)} FROM ropescale.{table};"


def main(warehouse):
    wh = pathlib.Path(warehouse)
    tables = sorted(p.name for p in wh.iterdir() if (p / "_delta_log").is_dir())
    out = [f"SELECT * FROM ropescale.{v};" for v in view_names()]
    for t in tables:
        if t == "attention_profile" or t == "document_coverage":
            out.append(f"SELECT config_id, COUNT(*), SUM(positions), MIN(margin_min), MAX(margin_max) FROM ropescale.{t}"
                       " GROUP BY config_id;" if t == "attention_profile" else
                       f"SELECT config_id, COUNT(*), SUM(tokens), SUM(repeats) FROM ropescale.{t} GROUP BY config_id;")
        elif t == "quarantine":  # empty on the sample corpus: counted, so the statement still returns a row
            out.append(f"SELECT COUNT(*) AS quarantined FROM ropescale.{t};")
        elif (dt := DeltaTable(str(wh / t))).to_pyarrow_dataset().count_rows() > FULL_UP_TO:
            out.append(summary_query(dt, t))
        else:
            out.append(f"SELECT * FROM ropescale.{t};")
    out.append("SELECT rope_extrapolation_bound(128, 4096, 10000.0, 16384, b), rope_critical_dim(128, 4096, 10000.0),"
               " rope_critical_dim_tuned(128, 4096, 10000.0, 16384, b), rope_critical_dim_tuned_formula(128, 16384, b),"
               " rope_critical_base(4096, 16384, 10000.0),"
               " rope_required_base(4096, 10000.0, 100000), rope_required_base_exact(128, 4096, 10000.0, 100000)"
               " FROM VALUES (500.0), (10000.0), (80000.0), (1000000.0) AS v(b);")
    out.append("SELECT config_id, extrapolation_bound,"
               " rope_extrapolation_bound(rotary_dim, train_len, pretrain_base, tune_len, base) AS recomputed"
               " FROM ropescale.rope_bounds;")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
