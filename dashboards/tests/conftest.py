"""Shared fixtures of the BI tests, run by dashboards/run-e2e-test.sh against a fresh warehouse (the
sweep of dashboards/e2e-spec.yaml) and, for the SQL endpoint, a running `ropescale serve-sql`."""
import math
import os
import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def env(name):
    v = os.environ.get(name)
    if not v:
        pytest.fail(f"{name} is not set: run these tests through dashboards/run-e2e-test.sh")
    return v


@pytest.fixture(scope="session")
def warehouse():
    return pathlib.Path(env("ROPESCALE_E2E_WAREHOUSE"))


@pytest.fixture(scope="session")
def delta_tables(warehouse):
    """Table name -> path of every Delta table directly under the warehouse."""
    return {p.name: p for p in sorted(warehouse.iterdir()) if (p / "_delta_log").is_dir()}


def view_names():
    """The views conf/sql/*.sql define, in file order."""
    names = []
    for f in sorted((REPO / "conf" / "sql").glob("*.sql")):
        m = re.search(r"CREATE\s+OR\s+REPLACE\s+VIEW\s+ropescale\.([a-z_][a-z0-9_]*)", f.read_text(), re.I)
        assert m, f"{f} defines no ropescale view"
        names.append(m.group(1))
    return names


def documented_tables():
    """docs/tables.md (generated from TableDocs): table -> {partitioned_by, columns: name -> (type, unit, meaning)}."""
    text = (REPO / "docs" / "tables.md").read_text()
    out = {}
    for m in re.finditer(r"(?ms)^## `([a-z_]+)`\n(.*?)(?=^## |\Z)", text):
        name, body = m.group(1), m.group(2)
        part = re.search(r"Partitioned by ([a-z_, ]+)\.", body)
        cols = {}
        for row in re.finditer(r"(?m)^\| `([a-z_0-9]+)` \| `([^`]+)` \| ([^|]*) \| (.*) \|$", body):
            cols[row.group(1)] = (row.group(2), row.group(3).strip(), row.group(4).replace("\\|", "|"))
        out[name] = {"partitioned_by": [p.strip() for p in part.group(1).split(",")] if part else [], "columns": cols}
    return out


def extrapolation_bound(d, train_len, pretrain_base, tune_len, base):
    """Liu et al. 2024, Lemma 1 and Theorems 2-3: d_extra = 2 ceil((d/2) log_{b_pre}(T_train/2pi)); for a base above
    the critical base, T_extra = 2pi b^(d_extra/d); otherwise the tuning length. Independent of the Java code."""
    d_extra = 2 * math.ceil((d / 2) * math.log(train_len / (2 * math.pi)) / math.log(pretrain_base))
    critical_base = pretrain_base ** (math.log(tune_len / (2 * math.pi)) / math.log(train_len / (2 * math.pi)))
    return 2 * math.pi * base ** (d_extra / d) if base > critical_base else float(tune_len)


def delta_rows(path, where=None, columns="*"):
    """Rows of a Delta table read by delta-rs (its DataFusion query engine, no JVM), as (schema, list of dicts).
    Not DeltaTable.to_pyarrow_table: with the pyarrow Superset pins, its dataset scan aborts the
    interpreter at exit."""
    import pyarrow as pa
    from deltalake import DeltaTable, QueryBuilder
    sql = f"SELECT {columns} FROM t" + (f" WHERE {where}" if where else "")
    reader = QueryBuilder().register("t", DeltaTable(str(path))).execute(sql)
    table = pa.table(reader.read_all() if hasattr(reader, "read_all") else reader)
    return table.schema, table.to_pylist()
