"""Any reader, not just Spark: every Delta table of a fresh sweep read by delta-rs (deltalake, no JVM),
as a lakehouse BI tool would. The protocol stays within what docs/tables.md ("Reader compatibility")
promises, the types, partition values and column comments are the documented ones (docs/tables.md,
generated from TableDocs), and the row counts are the ones the run recorded in `runs.tables`."""
import json

import pyarrow as pa
import pytest
from deltalake import DeltaTable

from conftest import delta_rows, documented_tables, env

DOCS = documented_tables()
# Delta protocol of every ropescale table, as docs/tables.md states it: readers need version 1,
# writers version 2 (column invariants, appendOnly), no reader or writer table features.
PROTOCOL = (1, 2)


def spark_type(t):
    """A delta-rs schema type in Spark SQL's spelling (the one docs/tables.md uses)."""
    kind = type(t).__name__
    if kind == "PrimitiveType":
        return {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint"}.get(t.type, t.type)
    if kind == "MapType":
        return f"map<{spark_type(t.key_type)},{spark_type(t.value_type)}>"
    if kind == "ArrayType":
        return f"array<{spark_type(t.element_type)}>"
    if kind == "StructType":
        return "struct<" + ",".join(f"{f.name}:{spark_type(f.type)}" for f in t.fields) + ">"
    raise AssertionError(f"unexpected Delta type {t!r}")


ARROW = {"string": (pa.types.is_string, pa.types.is_large_string, getattr(pa.types, "is_string_view", lambda _: False)),
         "int": (pa.types.is_int32,), "bigint": (pa.types.is_int64,), "double": (pa.types.is_float64,),
         "boolean": (pa.types.is_boolean,), "timestamp": (pa.types.is_timestamp,), "map<string,bigint>": (pa.types.is_map,),
         "array<double>": (pa.types.is_list, pa.types.is_large_list), "array<int>": (pa.types.is_list, pa.types.is_large_list)}


def test_every_documented_table_was_written(delta_tables):
    # the e2e sweep runs every stage; token_stats is written by the SQL corpus engine only
    assert set(DOCS) - set(delta_tables) <= {"token_stats"}
    assert set(delta_tables) <= set(DOCS), "every table in the warehouse is documented"


@pytest.fixture(scope="module")
def recorded_rows(delta_tables):
    _, runs = delta_rows(delta_tables["runs"], columns="run_id, tables")
    assert len(runs) == 1, "the fresh warehouse holds one run"
    tables = runs[0]["tables"]
    return runs[0]["run_id"], dict(tables) if not isinstance(tables, dict) else tables


@pytest.mark.parametrize("name", sorted(DOCS))
def test_delta_rs_reads_table(name, delta_tables, recorded_rows):
    if name not in delta_tables:
        pytest.skip(f"{name} is not written by this sweep")
    dt = DeltaTable(str(delta_tables[name]))
    doc = DOCS[name]

    p = dt.protocol()
    assert (p.min_reader_version, p.min_writer_version) == PROTOCOL, \
        f"{name}: protocol {p}; update docs/tables.md (Reader compatibility) if this is intended"
    assert not p.reader_features and not p.writer_features

    fields = dt.schema().fields
    assert [f.name for f in fields] == list(doc["columns"]), f"{name}: columns in the documented order"
    for f in fields:
        typ, unit, meaning = doc["columns"][f.name]
        assert spark_type(f.type) == typ, f"{name}.{f.name}"
        comment = f.metadata.get("comment", "")
        assert comment.startswith(meaning), f"{name}.{f.name}: comment {comment!r}"
        if unit:
            assert comment.endswith(f"[{unit}]"), f"{name}.{f.name}: comment names the unit {unit}"

    assert dt.metadata().partition_columns == doc["partitioned_by"]
    run_id, counts = recorded_rows
    schema, rows = delta_rows(delta_tables[name])
    for f in fields:  # what the Arrow reader hands a BI tool has the Delta type
        assert any(is_(schema.field(f.name).type) for is_ in ARROW[spark_type(f.type)]), \
            f"{name}.{f.name}: arrow {schema.field(f.name).type} for {spark_type(f.type)}"
    if counts.get(name, -1) >= 0:
        assert len(rows) == counts[name], f"{name}: rows read == rows the run recorded"
    # partition values live in the Delta log, not in the Parquet files: the reader puts them back
    actions = pa.table(dt.get_add_actions(flatten=True))
    for col in doc["partitioned_by"]:
        in_log = set(actions.column(f"partition.{col}").to_pylist())
        in_rows = {r[col] for r in rows}
        assert in_rows <= in_log and (not rows or in_rows == in_log), f"{name}: partition {col}"
    assert {r["run_id"] for r in rows} <= {run_id}
    if "model" in doc["partitioned_by"] and rows:
        # the spec's one model; the model-attention tables carry the real model's name (model_attention.name)
        assert {r["model"] for r in rows} == ({"smollm2-135m"} if name.startswith("model_") else {"llama2-7b"})


def test_partition_filter_prunes(delta_tables, recorded_rows):
    run_id, _ = recorded_rows
    _, all_rows = delta_rows(delta_tables["rope_bounds"])
    _, one = delta_rows(delta_tables["rope_bounds"], f"run_id = '{run_id}' AND model = 'llama2-7b'")
    _, none = delta_rows(delta_tables["rope_bounds"], "run_id = 'no-such-run'")
    assert len(one) == len(all_rows) == 12 and none == []
    print(json.dumps({"rope_bounds rows": len(all_rows)}))
